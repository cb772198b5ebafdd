//! `workspace list|show|new|select|delete`: independent states of one configuration in one
//! directory. `default` is the state file itself; every other workspace keeps its state under
//! `vnetform.tfstate.d/<name>/`, or with `backend "pg"` each is its own row in PostgreSQL.
//! The selection is recorded in `.vnetform/settings.json` (`TF_WORKSPACE` overrides it).

use std::path::Path;
use std::time::Duration;

use miette::Diagnostic;

use super::workdir::{DEFAULT_WORKSPACE, WORKSPACES_DIR};
use super::{Ui, Workdir};
use crate::config::{self, Config, PgBackend};
use crate::error::Result;
use crate::state::{LocalStore, PgLocation, PgStore, State, Store};

/// A workspace command that cannot be done.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum WorkspaceError {
    #[error("Workspace \"{0}\" doesn't exist")]
    #[diagnostic(
        code(workspace::missing),
        help(
            "`vnetform workspace new {0}` creates it; `vnetform workspace list` shows those that exist"
        )
    )]
    Missing(String),
    #[error("Workspace \"{0}\" already exists")]
    #[diagnostic(
        code(workspace::exists),
        help("`vnetform workspace select {0}` switches to it")
    )]
    Exists(String),
    #[error("Invalid workspace name \"{0}\"")]
    #[diagnostic(
        code(workspace::bad_name),
        help("use letters, digits, '-', '_' and '.', not starting with '.'")
    )]
    BadName(String),
    #[error("Workspace \"{0}\" is your active workspace")]
    #[diagnostic(
        code(workspace::active),
        help("select another workspace first: the active workspace cannot be deleted")
    )]
    Active(String),
    #[error("The default workspace cannot be deleted")]
    #[diagnostic(code(workspace::default))]
    Default,
    #[error("Workspace \"{name}\" still manages {count} resource instance(s)")]
    #[diagnostic(
        code(workspace::not_empty),
        help(
            "`vnetform destroy` them in that workspace first, or delete with -force to forget them (they stay in the cloud)"
        )
    )]
    NotEmpty { name: String, count: usize },
}

fn check_name(name: &str) -> std::result::Result<(), WorkspaceError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() || name.starts_with('.') || !name.chars().all(allowed) {
        return Err(WorkspaceError::BadName(name.to_owned()));
    }
    Ok(())
}

/// The configuration's `backend "pg"`, when the workspaces live in PostgreSQL.
fn pg_backend(wd: &Workdir) -> Option<PgBackend> {
    config::load_dir(&wd.dir).ok()?.terraform.pg
}

/// The PostgreSQL store of workspace `name`.
fn pg_store(wd: &Workdir, pg: &PgBackend, name: &str) -> Result<PgStore> {
    let location = PgLocation {
        workspace: name.to_owned(),
        ..wd.pg_location(pg)?
    };
    Ok(PgStore::open(location)?)
}

/// The store of workspace `name`: in PostgreSQL with `pg`, else its local file.
pub(super) fn store_of(
    wd: &Workdir,
    config: Option<&Config>,
    pg: Option<&PgBackend>,
    name: &str,
) -> Result<Store> {
    Ok(match pg {
        Some(pg) => Store::Pg(Box::new(pg_store(wd, pg, name)?)),
        None => Store::Local(LocalStore::new(wd.workspace_state_path(config, name)?)),
    })
}

/// Every workspace in PostgreSQL with `pg`, else in local files: `default` first, then the
/// others by name.
pub(super) fn workspaces_in(wd: &Workdir, pg: Option<&PgBackend>) -> Result<Vec<String>> {
    let mut names: Vec<String> = match pg {
        Some(pg) => pg_store(wd, pg, DEFAULT_WORKSPACE)?.workspaces()?,
        None => std::fs::read_dir(wd.dir.join(WORKSPACES_DIR))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect(),
    };
    names.retain(|n| n != DEFAULT_WORKSPACE);
    names.sort();
    names.insert(0, DEFAULT_WORKSPACE.to_owned());
    Ok(names)
}

fn exists(wd: &Workdir, pg: Option<&PgBackend>, name: &str) -> Result<bool> {
    Ok(workspaces_in(wd, pg)?.iter().any(|n| n == name))
}

fn record_selection(wd: &Workdir, name: &str) -> Result<()> {
    let mut settings = wd.settings()?;
    settings.workspace = (name != DEFAULT_WORKSPACE).then(|| name.to_owned());
    wd.save_settings(&settings)?;
    Ok(())
}

/// `workspace list`: every workspace, the selected one marked with `*`.
pub fn workspace_list(ui: &Ui, wd: &Workdir) -> Result<()> {
    let current = wd.workspace()?;
    for name in workspaces_in(wd, pg_backend(wd).as_ref())? {
        let mark = if name == current { "*" } else { " " };
        ui.out(&format!("{mark} {name}\n"));
    }
    Ok(())
}

/// `workspace show`: the selected workspace.
pub fn workspace_show(ui: &Ui, wd: &Workdir) -> Result<()> {
    ui.out(&format!("{}\n", wd.workspace()?));
    Ok(())
}

/// `workspace new NAME`: creates an empty workspace and selects it.
pub fn workspace_new(ui: &Ui, wd: &Workdir, name: &str) -> Result<()> {
    check_name(name)?;
    let pg = pg_backend(wd);
    if exists(wd, pg.as_ref(), name)? {
        return Err(WorkspaceError::Exists(name.to_owned()).into());
    }
    match &pg {
        // A workspace in PostgreSQL is its row: an empty state.
        Some(pg) => pg_store(wd, pg, name)?.write(&mut State::new())?,
        None => std::fs::create_dir_all(wd.workspace_dir(name)).map_err(|e| {
            super::WorkdirError::Settings {
                path: Path::new(WORKSPACES_DIR).join(name).display().to_string(),
                reason: e.to_string(),
            }
        })?,
    }
    record_selection(wd, name)?;
    ui.out(&format!(
        "Created and switched to workspace \"{name}\"!\n\nYou're now on a new, empty workspace. Workspaces isolate their state,\nso if you run \"vnetform plan\" vnetform will not see any existing state\nfor this configuration.\n"
    ));
    Ok(())
}

/// `workspace select NAME`.
pub fn workspace_select(ui: &Ui, wd: &Workdir, name: &str) -> Result<()> {
    if !exists(wd, pg_backend(wd).as_ref(), name)? {
        return Err(WorkspaceError::Missing(name.to_owned()).into());
    }
    record_selection(wd, name)?;
    ui.out(&format!("Switched to workspace \"{name}\".\n"));
    Ok(())
}

/// `workspace delete [-force] NAME`: refuses `default`, the active workspace, and one whose
/// state still manages objects (unless `force`), under that workspace's lock.
pub fn workspace_delete(
    ui: &Ui,
    wd: &Workdir,
    name: &str,
    force: bool,
    lock_timeout: Duration,
) -> Result<()> {
    if name == DEFAULT_WORKSPACE {
        return Err(WorkspaceError::Default.into());
    }
    let pg = pg_backend(wd);
    if !exists(wd, pg.as_ref(), name)? {
        return Err(WorkspaceError::Missing(name.to_owned()).into());
    }
    if wd.workspace()? == name {
        return Err(WorkspaceError::Active(name.to_owned()).into());
    }
    if let Some(pg) = &pg {
        let mut store = pg_store(wd, pg, name)?;
        let _lease = store.lock("WorkspaceDelete", lock_timeout)?;
        refuse_unless_empty(&store.read()?, name, force)?;
        store.delete_workspace()?;
        ui.out(&format!("Deleted workspace \"{name}\"!\n"));
        return Ok(());
    }
    let dir = wd.workspace_dir(name);
    let state_file = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "tfstate"));
    if let Some(path) = state_file {
        let mut store = LocalStore::new(path);
        let _guard = store.lock("WorkspaceDelete", lock_timeout)?;
        refuse_unless_empty(&store.read()?, name, force)?;
    }
    std::fs::remove_dir_all(&dir).map_err(|e| super::WorkdirError::Settings {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    ui.out(&format!("Deleted workspace \"{name}\"!\n"));
    Ok(())
}

/// Refuses to delete a workspace whose state still manages objects, unless `force`.
fn refuse_unless_empty(state: &State, name: &str, force: bool) -> Result<()> {
    let count = state.resources.len();
    if count > 0 && !force {
        return Err(WorkspaceError::NotEmpty {
            name: name.to_owned(),
            count,
        }
        .into());
    }
    Ok(())
}
