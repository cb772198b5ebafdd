//! `vnetform init`: prepares the working directory and records the chosen backend.

use super::workdir::{WorkdirError, check_cloud};
use super::workspace::{store_of, workspaces_in};
use super::{Ui, Workdir};
use crate::backend::lab::LabCloud;
use crate::config;
use crate::config::{Config, PgBackend};
use crate::error::Result;
use crate::state::PgStore;

#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    pub cloud: Option<String>,
    /// `-backend=false`: leave the state store as it is.
    pub backend: bool,
    pub backend_config: Vec<String>,
    /// `-migrate-state`: copy the state from the store last initialized to the one the
    /// configuration now names.
    pub migrate_state: bool,
    pub lock_timeout: std::time::Duration,
}

/// Why the state cannot move to the store the configuration now names.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum MigrateError {
    #[error("The state store changed from {from} to {to}, and {from} holds state")]
    #[diagnostic(
        code(init::store_changed),
        help(
            "run \"vnetform init -migrate-state\" to copy every workspace's state to {to} (lineage and serial kept)"
        )
    )]
    Changed { from: String, to: String },
    #[error("Workspace \"{workspace}\" in {to} already holds another state")]
    #[diagnostic(
        code(init::migrate_conflict),
        help(
            "its lineage differs or its serial is newer; move it out of the way (state pull) before migrating"
        )
    )]
    Conflict { workspace: String, to: String },
}

pub fn init(ui: &Ui, wd: &Workdir, opts: &InitOptions) -> Result<()> {
    super::modules::install_git_modules(ui, wd)?;
    let config = config::load_dir(&wd.dir).ok();
    let mut settings = wd.settings()?;
    let current = settings.cloud.clone().unwrap_or_else(|| "sim".into());
    let chosen = opts.cloud.clone().unwrap_or_else(|| current.clone());
    check_cloud(&chosen)?;
    let configured_pg = config.as_ref().and_then(|c| c.terraform.pg.clone());
    if opts.backend {
        for kv in &opts.backend_config {
            match (kv.split_once('='), &configured_pg) {
                (Some(("path", path)), None) if !path.is_empty() => {
                    settings.state_path = Some(path.to_owned());
                }
                (Some((key @ ("conn_str" | "schema_name"), value)), Some(_)) => {
                    settings
                        .backend_config
                        .insert(key.to_owned(), value.to_owned());
                }
                _ => return Err(WorkdirError::BackendConfig(kv.clone()).into()),
            }
        }
        // The settings hold what the stores are opened with.
        wd.save_settings(&settings)?;
        if settings.pg != configured_pg {
            migrate(
                wd,
                config.as_ref(),
                settings.pg.as_ref(),
                configured_pg.as_ref(),
                opts,
            )?;
            settings.pg = configured_pg.clone();
        }
    }
    if chosen != current {
        let count = wd.store(None, config.as_ref())?.read()?.resources.len();
        if count > 0 {
            return Err(WorkdirError::SwitchRefused {
                from: current,
                to: chosen,
                count,
            }
            .into());
        }
    }
    let described = match chosen.as_str() {
        "sim" => format!("simulated Azure, database {}", relative(wd, &wd.sim_db())),
        "lab" => {
            crate::backend::lab::check_requirements()?;
            format!(
                "networks and IPsec tunnels on this host, namespaces {}-*, store {}",
                crate::backend::lab::lab_name(&wd.dir),
                relative(wd, &LabCloud::store_path(&wd.dir))
            )
        }
        _ => return Err(WorkdirError::Unavailable(chosen).into()),
    };
    settings.cloud = Some(chosen.clone());
    wd.save_settings(&settings)?;
    let p = ui.painter;
    ui.out(&format!("\n{}\n", p.bold("Initializing the backend...")));
    ui.out(&format!("Backend: {chosen} ({described})\n"));
    let store = match &configured_pg {
        Some(pg) => {
            let location = wd.pg_location(pg)?;
            // Connecting now reports a wrong address or password here, not at the first plan.
            PgStore::open(location.clone())?;
            format!("PostgreSQL, schema \"{}\"", location.schema)
        }
        None => format!(
            "local file {}",
            relative(wd, &wd.state_path(None, config.as_ref())?)
        ),
    };
    let unchanged = if opts.backend {
        ""
    } else {
        " (unchanged, -backend=false)"
    };
    ui.out(&format!("State store: {store}{unchanged}\n"));
    if wd.env.contains_key("VNETFORM_CLOUD") {
        ui.out("Note: VNETFORM_CLOUD is set and overrides this choice for each run.\n");
    }
    ui.out(&format!(
        "\n{}\n",
        p.bold(&p.green("vnetform has been successfully initialized!"))
    ));
    ui.out("\nYou may now begin working with vnetform. Try running \"vnetform plan\" to see\nany changes that are required for your infrastructure.\n");
    Ok(())
}

fn relative(wd: &Workdir, path: &std::path::Path) -> String {
    path.strip_prefix(&wd.dir)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Copies every workspace's state from the store `init` last configured (`from`; `None`: local
/// files) to the one the configuration names (`to`), lineage and serial kept, when
/// `-migrate-state` asks for it; without it, refuses to leave state behind.
fn migrate(
    wd: &Workdir,
    config: Option<&Config>,
    from: Option<&PgBackend>,
    to: Option<&PgBackend>,
    opts: &InitOptions,
) -> Result<()> {
    let name = |pg: Option<&PgBackend>| {
        if pg.is_some() {
            "PostgreSQL"
        } else {
            "the local state file"
        }
        .to_owned()
    };
    for workspace in workspaces_in(wd, from)? {
        let state = store_of(wd, config, from, &workspace)?.read()?;
        if state.serial == 0 && state.resources.is_empty() {
            continue;
        }
        if !opts.migrate_state {
            return Err(MigrateError::Changed {
                from: name(from),
                to: name(to),
            }
            .into());
        }
        let mut target = store_of(wd, config, to, &workspace)?;
        let _lock = target.lock("Migrate", opts.lock_timeout)?;
        let there = target.read()?;
        // An older copy of the same state may be overwritten; anything else is kept.
        let holds_other = there.serial > 0 && there.lineage != state.lineage;
        if holds_other || there.serial > state.serial {
            return Err(MigrateError::Conflict {
                workspace,
                to: name(to),
            }
            .into());
        }
        target.replace(&state)?;
    }
    Ok(())
}
