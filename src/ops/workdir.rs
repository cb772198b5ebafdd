//! The working directory's own settings (`.vnetform/`): which backend creates resources and
//! where the state lives.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::backend::Backend;
use crate::backend::lab::LabCloud;
use crate::backend::sim::{self, SimCloud};
use crate::config::{Config, PgBackend};
use crate::state::{DEFAULT_LEASE_TIMEOUT, LocalStore, PgLocation, PgStore, Store};

/// The default state file.
pub const DEFAULT_STATE: &str = "vnetform.tfstate";

/// The workspace every working directory starts in, whose state is the state file itself.
pub const DEFAULT_WORKSPACE: &str = "default";

/// Where the other workspaces keep their state, one directory each.
pub const WORKSPACES_DIR: &str = "vnetform.tfstate.d";
const SETTINGS: &str = ".vnetform/settings.json";

/// The schema `backend "pg"` uses when none is given, as Terraform's.
const PG_DEFAULT_SCHEMA: &str = "terraform_remote_state";

/// How long a PostgreSQL lease outlives its holder's last heartbeat (default 60 s).
const PG_LEASE_TIMEOUT: &str = "VNETFORM_PG_LEASE_TIMEOUT";

/// Backends `init -cloud=` accepts.
const CLOUDS: &[&str] = &["sim", "lab", "azure"];

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Settings {
    /// The backend chosen by `init -cloud`.
    pub cloud: Option<String>,
    /// The state file chosen by `init -backend-config=path=...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_path: Option<String>,
    /// The workspace chosen by `workspace select|new` (none: `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// `init -backend-config=KEY=VALUE` for `backend "pg"` (`conn_str`, `schema_name`), kept
    /// here rather than in the configuration (the file is written with mode 0600).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub backend_config: BTreeMap<String, String>,
    /// The `backend "pg"` block as `init` last configured it: where the state is when the
    /// configuration moves it elsewhere (`init -migrate-state`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pg: Option<PgBackend>,
}

/// Problems with the working directory's settings.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WorkdirError {
    #[error("Unknown backend \"{0}\"")]
    #[diagnostic(code(init::unknown_cloud), help("choose one of: sim, lab, azure"))]
    UnknownCloud(String),
    #[error("The {0} backend is not available in this version")]
    #[diagnostic(
        code(init::unavailable),
        help("use -cloud=sim, the simulated Azure that needs no account")
    )]
    Unavailable(String),
    #[error("Refusing to switch this working directory from the {from} backend to {to}")]
    #[diagnostic(
        code(init::switch_refused),
        help(
            "the state holds {count} resource(s) created by {from}; run vnetform destroy first, or use another directory"
        )
    )]
    SwitchRefused {
        from: String,
        to: String,
        count: usize,
    },
    #[error("Failed to access {path}: {reason}")]
    #[diagnostic(code(init::settings))]
    Settings { path: String, reason: String },
    #[error("{name}={value} is not {expected}")]
    #[diagnostic(code(env::setting))]
    EnvSetting {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("The {backend} backend cannot create {types}")]
    #[diagnostic(
        code(init::unmodelled),
        help("choose a backend that models these resource types")
    )]
    Unmodelled { backend: String, types: String },
    #[error("Invalid -backend-config \"{0}\"")]
    #[diagnostic(
        code(init::backend_config),
        help(
            "the local state store accepts path=FILE; backend \"pg\" accepts conn_str=... and schema_name=..."
        )
    )]
    BackendConfig(String),
    #[error("backend \"pg\" has no connection string")]
    #[diagnostic(
        code(init::pg_connection),
        help(
            "set conn_str in the backend block, pass -backend-config=conn_str=... to init, or set PG_CONN_STR"
        )
    )]
    PgConnection,
    #[error("Failed to download module {url}: {reason}")]
    #[diagnostic(
        code(init::module_fetch),
        help(
            "check the URL and ref; git must be installed, and private repositories need credentials git can use without asking"
        )
    )]
    ModuleFetch { url: String, reason: String },
}

/// The directory a command runs in, with the environment it was started with.
pub struct Workdir {
    /// Absolute path of the working directory (after `-chdir`).
    pub dir: PathBuf,
    pub env: BTreeMap<String, String>,
}

impl Workdir {
    pub fn settings(&self) -> Result<Settings, WorkdirError> {
        let path = self.dir.join(SETTINGS);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| WorkdirError::Settings {
                path: SETTINGS.into(),
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(WorkdirError::Settings {
                path: SETTINGS.into(),
                reason: e.to_string(),
            }),
        }
    }

    pub fn save_settings(&self, settings: &Settings) -> Result<(), WorkdirError> {
        let text = serde_json::to_string_pretty(settings).expect("settings serialise");
        crate::state::atomic_write(&self.dir.join(SETTINGS), format!("{text}\n").as_bytes())
            .map_err(|e| WorkdirError::Settings {
                path: SETTINGS.into(),
                reason: e.to_string(),
            })
    }

    /// The backend for this run: `VNETFORM_CLOUD`, else the one `init` recorded, else `sim`.
    pub fn cloud(&self) -> Result<String, WorkdirError> {
        let chosen = match self.env.get("VNETFORM_CLOUD").filter(|c| !c.is_empty()) {
            Some(c) => c.clone(),
            None => self.settings()?.cloud.unwrap_or_else(|| "sim".into()),
        };
        check_cloud(&chosen)?;
        Ok(chosen)
    }

    /// Where the simulated cloud's database lives.
    pub fn sim_db(&self) -> PathBuf {
        self.env
            .get("VNETFORM_SIM_DB")
            .filter(|p| !p.is_empty())
            .map_or_else(|| self.dir.join(sim::DEFAULT_DB), PathBuf::from)
    }

    pub fn open_sim(&self) -> Result<SimCloud, crate::error::Error> {
        Ok(SimCloud::open(&self.sim_db(), &self.sim_options()?)?)
    }

    /// The simulator's behaviour from `VNETFORM_SIM_FAIL`, `_LATENCY`, `_FAULT_RATE` and
    /// `_SEED`.
    fn sim_options(&self) -> Result<sim::SimOptions, WorkdirError> {
        let setting = |name: &'static str| self.env.get(name).filter(|v| !v.is_empty());
        let number = |name: &'static str, valid: fn(f64) -> bool, expected: &'static str| {
            setting(name).map_or(Ok(0.0), |v| {
                v.parse::<f64>().ok().filter(|n| valid(*n)).ok_or_else(|| {
                    WorkdirError::EnvSetting {
                        name,
                        value: v.clone(),
                        expected,
                    }
                })
            })
        };
        Ok(sim::SimOptions {
            fail: setting("VNETFORM_SIM_FAIL").cloned(),
            latency: number(
                "VNETFORM_SIM_LATENCY",
                |n| n >= 0.0 && n.is_finite(),
                "a factor of 0 or more (1 takes as long as Azure)",
            )?,
            fault_rate: number(
                "VNETFORM_SIM_FAULT_RATE",
                |n| (0.0..=1.0).contains(&n),
                "a fraction between 0 and 1",
            )?,
            seed: setting("VNETFORM_SIM_SEED")
                .map(|v| {
                    v.parse::<u64>().map_err(|_| WorkdirError::EnvSetting {
                        name: "VNETFORM_SIM_SEED",
                        value: v.clone(),
                        expected: "a whole number",
                    })
                })
                .transpose()?,
            public_ranges: Vec::new(),
        })
    }

    /// Opens this directory's lab (it needs root and strongSwan).
    pub fn open_lab(&self) -> Result<LabCloud, crate::error::Error> {
        Ok(LabCloud::open(&self.dir, &self.sim_options()?)?)
    }

    /// Opens the backend that creates resources.
    pub fn backend(&self) -> Result<Arc<dyn Backend>, crate::error::Error> {
        match self.cloud()?.as_str() {
            "sim" => Ok(Arc::new(self.open_sim()?)),
            "lab" => Ok(Arc::new(self.open_lab()?)),
            other => Err(WorkdirError::Unavailable(other.to_owned()).into()),
        }
    }

    /// The state file: `-state=PATH`, else `init -backend-config=path=...`, else the
    /// configuration's `backend "local" { path }`, else `vnetform.tfstate`.
    pub fn state_path(
        &self,
        flag: Option<&Path>,
        config: Option<&Config>,
    ) -> Result<PathBuf, WorkdirError> {
        if let Some(p) = flag {
            return Ok(self.dir.join(p));
        }
        let workspace = self.workspace()?;
        self.workspace_state_path(config, &workspace)
    }

    /// The state file of `workspace` (`init -backend-config=path=...`, else the
    /// configuration's `backend "local" { path }`, else `vnetform.tfstate`; other workspaces
    /// keep the file name in their own directory).
    pub fn workspace_state_path(
        &self,
        config: Option<&Config>,
        workspace: &str,
    ) -> Result<PathBuf, WorkdirError> {
        let configured = config.and_then(|c| c.terraform.local_state_path.clone());
        let base = self
            .settings()?
            .state_path
            .or(configured)
            .unwrap_or_else(|| DEFAULT_STATE.into());
        if workspace == DEFAULT_WORKSPACE {
            return Ok(self.dir.join(base));
        }
        let file = Path::new(&base)
            .file_name()
            .map_or_else(|| DEFAULT_STATE.into(), |f| f.to_owned());
        Ok(self.workspace_dir(workspace).join(file))
    }

    /// The selected workspace: `TF_WORKSPACE`, else the one `workspace select` recorded, else
    /// `default`.
    pub fn workspace(&self) -> Result<String, WorkdirError> {
        Ok(self.workspace_of(self.settings()?.workspace))
    }

    /// The selected workspace, given the one the settings record.
    fn workspace_of(&self, recorded: Option<String>) -> String {
        match self.env.get("TF_WORKSPACE").filter(|w| !w.is_empty()) {
            Some(w) => w.clone(),
            None => recorded.unwrap_or_else(|| DEFAULT_WORKSPACE.into()),
        }
    }

    /// The state store: the file of [`Workdir::state_path`], or with `backend "pg"` (and no
    /// `-state` flag) the selected workspace in PostgreSQL.
    pub fn store(
        &self,
        flag: Option<&Path>,
        config: Option<&Config>,
    ) -> Result<Store, crate::error::Error> {
        if flag.is_none()
            && let Some(pg) = config.and_then(|c| c.terraform.pg.as_ref())
        {
            return Ok(Store::Pg(Box::new(PgStore::open(self.pg_location(pg)?)?)));
        }
        Ok(Store::Local(LocalStore::new(
            self.state_path(flag, config)?,
        )))
    }

    /// Where `backend "pg"` keeps the selected workspace: each setting from `init
    /// -backend-config`, else the block, else `PG_CONN_STR` and `PG_SCHEMA_NAME`.
    pub fn pg_location(&self, pg: &PgBackend) -> Result<PgLocation, WorkdirError> {
        let settings = self.settings()?;
        let setting = |key: &str, block: &Option<String>, env: &str| {
            settings
                .backend_config
                .get(key)
                .or(block.as_ref())
                .or(self.env.get(env).filter(|v| !v.is_empty()))
                .cloned()
        };
        let conn_str =
            setting("conn_str", &pg.conn_str, "PG_CONN_STR").ok_or(WorkdirError::PgConnection)?;
        let schema = setting("schema_name", &pg.schema_name, "PG_SCHEMA_NAME")
            .unwrap_or_else(|| PG_DEFAULT_SCHEMA.into());
        let lease_timeout = match self.env.get(PG_LEASE_TIMEOUT).filter(|v| !v.is_empty()) {
            None => DEFAULT_LEASE_TIMEOUT,
            Some(v) => humantime::parse_duration(v)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| WorkdirError::EnvSetting {
                    name: PG_LEASE_TIMEOUT,
                    value: v.clone(),
                    expected: "a duration such as 60s",
                })?,
        };
        Ok(PgLocation {
            conn_str,
            schema,
            workspace: self.workspace_of(settings.workspace),
            lease_timeout,
        })
    }

    /// Where a workspace other than `default` keeps its state.
    pub fn workspace_dir(&self, name: &str) -> PathBuf {
        self.dir.join(WORKSPACES_DIR).join(name)
    }
}

pub fn check_cloud(cloud: &str) -> Result<(), WorkdirError> {
    if CLOUDS.contains(&cloud) {
        Ok(())
    } else {
        Err(WorkdirError::UnknownCloud(cloud.to_owned()))
    }
}
