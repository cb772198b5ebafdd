//! State surgery, with Terraform's spelling: `taint`, `untaint`, `state rm`, `state mv`,
//! `state pull` and `state push`, and `state import-terraform`, which adopts a Terraform state. Each takes the state lock (but `pull`), reads the state with
//! any journal replayed, changes it, and writes it atomically with a backup of what it found.
//! None of them talks to a backend: the cloud is left as it is.

use std::path::{Path, PathBuf};
use std::time::Duration;

use miette::Diagnostic;

use super::{Ui, Workdir};
use crate::addr::{ResourceAddr, Target};
use crate::config::{self, Move};
use crate::error::Result;
use crate::state::{LocalStore, State, Store, StoreLock};

/// The state file and lock flags of the surgery commands.
#[derive(Debug, Clone, Default)]
pub struct SurgeryOptions {
    pub state_path: Option<PathBuf>,
    pub lock: bool,
    pub lock_timeout: Duration,
}

/// A surgery that cannot be done.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum SurgeryError {
    #[error("No such resource instance: {0}")]
    #[diagnostic(
        code(state::no_instance),
        help("`vnetform state list` shows the instances in state")
    )]
    NoInstance(String),
    #[error("No objects in state match {0}")]
    #[diagnostic(
        code(state::no_match),
        help("`vnetform state list` shows the addresses in state")
    )]
    NothingMatched(String),
    #[error("Invalid address \"{0}\"")]
    #[diagnostic(
        code(state::bad_address),
        help(
            "write a resource address (azurerm_virtual_network.hub, module.spoke[\"a\"].azurerm_subnet.app[0]) or a module path (module.spoke)"
        )
    )]
    BadAddress(String),
    #[error("Cannot move {from} to {to}: {reason}")]
    #[diagnostic(code(state::move_refused))]
    MoveRefused {
        from: String,
        to: String,
        reason: String,
    },
    #[error(
        "Refusing to adopt {file}: this directory's state already holds {count} resource instance(s)"
    )]
    #[diagnostic(
        code(state::not_empty),
        help("adopt a Terraform state into an empty state (a new directory or workspace)")
    )]
    NotEmpty { file: String, count: usize },
    #[error("Refusing to push {file}: {reason}")]
    #[diagnostic(
        code(state::push_refused),
        help("check that this is the state you mean to push; -force overrides the check")
    )]
    PushRefused { file: String, reason: String },
}

/// What a command names: one resource (all its instances, or one) or a module instance.
fn target(text: &str) -> std::result::Result<Target, SurgeryError> {
    text.parse()
        .map_err(|_| SurgeryError::BadAddress(text.to_owned()))
}

/// The configured state file, opened and locked for `operation`.
fn open(
    wd: &Workdir,
    opts: &SurgeryOptions,
    operation: &str,
) -> Result<(Store, Option<StoreLock>)> {
    let config = config::load_dir(&wd.dir).ok();
    let store = wd.store(opts.state_path.as_deref(), config.as_ref())?;
    let guard = if opts.lock {
        Some(store.lock(operation, opts.lock_timeout)?)
    } else {
        None
    };
    Ok((store, guard))
}

/// Runs `change` on the state under the lock, and writes the result.
fn edit(
    wd: &Workdir,
    opts: &SurgeryOptions,
    operation: &str,
    change: impl FnOnce(&mut State) -> std::result::Result<(), SurgeryError>,
) -> Result<()> {
    let (mut store, _guard) = open(wd, opts, operation)?;
    let mut state = store.read()?;
    change(&mut state).map_err(crate::error::Error::from)?;
    store.write(&mut state)?;
    Ok(())
}

/// `taint ADDRESS` / `untaint ADDRESS`: marks one instance to be replaced by the next apply,
/// or clears the mark.
pub fn taint(
    ui: &Ui,
    wd: &Workdir,
    opts: &SurgeryOptions,
    address: &str,
    taint: bool,
) -> Result<()> {
    let addr: ResourceAddr = address
        .parse()
        .map_err(|_| SurgeryError::BadAddress(address.to_owned()))?;
    let operation = if taint { "Taint" } else { "Untaint" };
    edit(wd, opts, operation, |state| {
        let resource = state
            .resources
            .get_mut(&addr)
            .ok_or_else(|| SurgeryError::NoInstance(address.to_owned()))?;
        resource.tainted = taint;
        Ok(())
    })?;
    let what = if taint { "tainted" } else { "untainted" };
    ui.out(&format!(
        "Resource instance {addr} has been marked as {what}.\n"
    ));
    Ok(())
}

/// `state rm ADDRESS...`: forgets objects without destroying them.
pub fn state_rm(ui: &Ui, wd: &Workdir, opts: &SurgeryOptions, addresses: &[String]) -> Result<()> {
    let targets = addresses
        .iter()
        .map(|a| target(a))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut removed = Vec::new();
    edit(wd, opts, "StateRm", |state| {
        for (text, target) in addresses.iter().zip(&targets) {
            let hit: Vec<ResourceAddr> = state
                .resources
                .keys()
                .filter(|a| target.contains(a))
                .cloned()
                .collect();
            if hit.is_empty() {
                return Err(SurgeryError::NothingMatched(text.clone()));
            }
            for addr in hit {
                state.resources.remove(&addr);
                removed.push(addr);
            }
        }
        Ok(())
    })?;
    for addr in &removed {
        ui.out(&format!("Removed {addr}\n"));
    }
    ui.out(&format!(
        "Successfully removed {} resource instance(s).\n",
        removed.len()
    ));
    Ok(())
}

/// `state mv SOURCE DESTINATION`: renames objects in state (a resource, an instance, or a
/// module, into and out of modules and `count`/`for_each` instances), as a `moved` block does.
pub fn state_mv(
    ui: &Ui,
    wd: &Workdir,
    opts: &SurgeryOptions,
    source: &str,
    destination: &str,
    dry_run: bool,
) -> Result<()> {
    let step = Move {
        from: target(source)?,
        to: target(destination)?,
        span: crate::source::Span {
            file: 0,
            start: 0,
            end: 0,
        },
    };
    let refused = |reason: String| SurgeryError::MoveRefused {
        from: source.to_owned(),
        to: destination.to_owned(),
        reason,
    };
    if std::mem::discriminant(&step.from) != std::mem::discriminant(&step.to) {
        return Err(refused("a resource moves to a resource, a module to a module".into()).into());
    }
    let (mut store, _guard) = open(wd, opts, "StateMv")?;
    let mut state = store.read()?;
    let moved = crate::plan::apply_moves(std::slice::from_ref(&step), &mut state)
        .map_err(|conflict| refused(conflict.reason))?;
    if moved.is_empty() {
        return Err(SurgeryError::NothingMatched(source.to_owned()).into());
    }
    let verb = if dry_run { "Would move" } else { "Move" };
    for (to, from) in &moved {
        ui.out(&format!("{verb} \"{from}\" to \"{to}\"\n"));
    }
    if !dry_run {
        store.write(&mut state)?;
        ui.out(&format!("Successfully moved {} object(s).\n", moved.len()));
    }
    Ok(())
}

/// `state pull`: prints the state document (with any journal replayed).
pub fn state_pull(ui: &Ui, wd: &Workdir, state_path: Option<&Path>) -> Result<()> {
    let config = config::load_dir(&wd.dir).ok();
    let state = wd.store(state_path, config.as_ref())?.read()?;
    ui.out(&crate::state::document(&state));
    Ok(())
}

/// `state import-terraform FILE`: adopts a Terraform state (format version 4) of the same
/// resources into an empty state, lineage and serial kept, so a team switches tools without
/// touching the cloud; the next plan reads every object back and shows what differs.
pub fn state_import_terraform(
    ui: &Ui,
    wd: &Workdir,
    opts: &SurgeryOptions,
    file: &Path,
) -> Result<()> {
    let adopted = LocalStore::new(wd.dir.join(file)).read()?;
    let (mut store, _guard) = open(wd, opts, "StateImportTerraform")?;
    let current = store.read()?;
    if !current.resources.is_empty() {
        return Err(SurgeryError::NotEmpty {
            file: file.display().to_string(),
            count: current.resources.len(),
        }
        .into());
    }
    let unmodelled: std::collections::BTreeSet<&str> = adopted
        .resources
        .keys()
        .map(|a| a.resource_type.as_str())
        .filter(|t| crate::model::schema(t).is_none())
        .collect();
    store.replace(&adopted)?;
    ui.out(&format!(
        "Adopted {} resource instance(s) from {} (lineage {}, serial {}).\n",
        adopted.resources.len(),
        file.display(),
        adopted.lineage,
        adopted.serial
    ));
    if !unmodelled.is_empty() {
        let types: Vec<&str> = unmodelled.into_iter().collect();
        ui.out(&format!(
            "These types are kept as written, without domain checks: {}.\n",
            types.join(", ")
        ));
    }
    ui.out("Run \"vnetform plan\" to compare them with the configuration.\n");
    Ok(())
}

/// `state push FILE`: replaces the state with a file, refusing one of another lineage or an
/// older serial (or the same serial with other content) unless `force`.
pub fn state_push(
    ui: &Ui,
    wd: &Workdir,
    opts: &SurgeryOptions,
    file: &Path,
    force: bool,
) -> Result<()> {
    let pushed = LocalStore::new(wd.dir.join(file)).read()?;
    let (mut store, _guard) = open(wd, opts, "StatePush")?;
    let current = store.read()?;
    let refused = |reason: String| SurgeryError::PushRefused {
        file: file.display().to_string(),
        reason,
    };
    let fresh = current.serial == 0 && current.resources.is_empty();
    if !force && !fresh {
        if pushed.lineage != current.lineage {
            return Err(refused(format!(
                "its lineage {} is not the current state's ({})",
                pushed.lineage, current.lineage
            ))
            .into());
        }
        if pushed.serial < current.serial {
            return Err(refused(format!(
                "its serial {} is older than the current state's ({})",
                pushed.serial, current.serial
            ))
            .into());
        }
        let same = || crate::state::document(&pushed) == crate::state::document(&current);
        if pushed.serial == current.serial && !same() {
            return Err(refused(format!(
                "it has the current state's serial ({}) but other content",
                current.serial
            ))
            .into());
        }
    }
    store.replace(&pushed)?;
    ui.out(&format!(
        "Pushed {} (serial {}, {} resource instance(s)).\n",
        file.display(),
        pushed.serial,
        pushed.resources.len()
    ));
    Ok(())
}
