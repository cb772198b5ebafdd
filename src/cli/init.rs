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
    /// State store settings, KEY=VALUE (the local store takes path=FILE).
    #[arg(long = "backend-config", value_name = "KEY=VALUE")]
    backend_config: Vec<String>,
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
            },
        )
    }
}
