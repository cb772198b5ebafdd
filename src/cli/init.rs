//! `vnetform init`.

use clap::Args;

use crate::error::Result;
use crate::ops::{self, InitOptions, Ui, Workdir};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The backend that creates resources: sim (default), lab or azure.
    #[arg(long, value_name = "NAME")]
    cloud: Option<String>,
    /// Configure the state store (-backend=false leaves it as it is).
    #[arg(long, num_args = 0..=1, default_value_t = true, default_missing_value = "true", require_equals = true, action = clap::ArgAction::Set)]
    backend: bool,
    /// State store settings, KEY=VALUE (the local store takes path=FILE; backend "pg" takes
    /// conn_str=... and schema_name=...).
    #[arg(long = "backend-config", value_name = "KEY=VALUE")]
    backend_config: Vec<String>,
    /// Copy the state to the store the configuration now names.
    #[arg(long = "migrate-state")]
    migrate_state: bool,
    /// How long to wait for the destination's state lock while migrating, e.g. 30s.
    #[arg(long = "lock-timeout", value_name = "DURATION", default_value = "0s", value_parser = super::common::parse_duration)]
    lock_timeout: std::time::Duration,
    /// Accepted for Terraform compatibility; the tool never asks during init.
    #[arg(long, num_args = 0..=1, default_value_t = true, default_missing_value = "true", require_equals = true, action = clap::ArgAction::Set)]
    input: bool,
}

impl InitArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir) -> Result<()> {
        let _ = self.input;
        ops::init(
            ui,
            wd,
            &InitOptions {
                cloud: self.cloud,
                backend: self.backend,
                backend_config: self.backend_config,
                migrate_state: self.migrate_state,
                lock_timeout: self.lock_timeout,
            },
        )
    }
}
