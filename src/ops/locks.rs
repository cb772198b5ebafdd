//! `force-unlock LOCK_ID` and `state locks`: the state lock, seen and released by hand. Only a
//! PostgreSQL lease can be released so: a local file's lock is the operating system's, and
//! goes when its holder exits.

use std::time::Duration;

use super::{Ui, Workdir};
use crate::config;
use crate::error::{Error, Result};
use crate::state::{LockError, LockInfo, StateError, Store};

/// Why a lock cannot be released by hand.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum UnlockError {
    #[error("Local state cannot be unlocked by another process")]
    #[diagnostic(
        code(state::local_unlock),
        help(
            "a local state's lock is an operating-system lock, released when the run holding it exits; `vnetform state locks` shows who holds it"
        )
    )]
    Local,
    #[error(
        "Failed to unlock state: no lock with ID \"{id}\" is held on workspace \"{workspace}\""
    )]
    #[diagnostic(
        code(state::no_such_lock),
        help("`vnetform state locks` lists the locks held now, with their IDs")
    )]
    NoSuchLock { id: String, workspace: String },
}

/// `force-unlock [-force] LOCK_ID`: releases exactly that lease of the selected workspace, and
/// says so; an ID that is not held is an error, not a silent success.
pub fn force_unlock(ui: &Ui, wd: &Workdir, id: &str, force: bool) -> Result<()> {
    let config = config::load_dir(&wd.dir).ok();
    let Store::Pg(mut store) = wd.store(None, config.as_ref())? else {
        return Err(UnlockError::Local.into());
    };
    if !force {
        let answer = ui.ask("Do you really want to force-unlock?\n  vnetform will remove the lock on the remote state.\n  This will allow local vnetform commands to modify this state, even though it\n  may still be in use. Only 'yes' will be accepted to confirm.\n\n  Enter a value: ");
        if answer.as_deref() != Some("yes") {
            return Err(Error::Cancelled {
                what: "Force-unlock",
            });
        }
    }
    if !store.force_unlock(id)? {
        return Err(UnlockError::NoSuchLock {
            id: id.to_owned(),
            workspace: wd.workspace()?,
        }
        .into());
    }
    ui.out("\nvnetform state has been successfully unlocked!\n\nThe state has been unlocked, and vnetform commands should now be able to\nobtain a new lock on the remote state.\n");
    Ok(())
}

/// `state locks`: who holds the state lock now (every workspace's, with PostgreSQL).
pub fn state_locks(ui: &Ui, wd: &Workdir) -> Result<()> {
    let config = config::load_dir(&wd.dir).ok();
    let held: Vec<(String, LockInfo, Option<Duration>)> = match wd.store(None, config.as_ref())? {
        Store::Pg(mut store) => store
            .leases()?
            .into_iter()
            .map(|(workspace, holder, left)| (workspace, holder, Some(left)))
            .collect(),
        local => match local.lock("StateLocks", Duration::ZERO) {
            Err(StateError::Lock(LockError::Held(holder))) => {
                vec![(wd.workspace()?, *holder, None)]
            }
            other => other.map(|_| Vec::new())?,
        },
    };
    if held.is_empty() {
        ui.out("No locks are held.\n");
    }
    for (workspace, holder, left) in held {
        let expires = left.map_or_else(String::new, |left| {
            format!(
                "\n  Expires:   in {} unless renewed",
                humantime::format_duration(Duration::from_secs(left.as_secs()))
            )
        });
        ui.out(&format!(
            "{workspace}\n  ID:        {}\n  Operation: {}\n  Who:       {}\n  Created:   {}\n  Info:      {}{expires}\n",
            holder.id, holder.operation, holder.who, holder.created, holder.info
        ));
    }
    Ok(())
}
