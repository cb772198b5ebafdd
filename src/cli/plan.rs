//! `vnetform plan`.

use std::path::PathBuf;

use clap::Args;

use super::common::{CommonArgs, RunArgs};
use crate::error::Result;
use crate::eval::vars::VarInput;
use crate::ops::{self, PlanOptions, Ui, Workdir};

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    run: RunArgs,
    /// Save the plan to FILE for a later `apply FILE`.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Plan to destroy every resource in state.
    #[arg(long)]
    destroy: bool,
    /// Exit 0 when there are no changes, 1 on error, 2 when there are changes.
    #[arg(long = "detailed-exitcode")]
    detailed_exitcode: bool,
    /// Print the machine-readable stream (one JSON object per line).
    #[arg(long)]
    json: bool,
    /// Write resource blocks for import blocks whose target is not configured to FILE.
    #[arg(long = "generate-config-out", value_name = "FILE")]
    generate_config_out: Option<PathBuf>,
}

impl PlanArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir, vars: Vec<VarInput>) -> Result<i32> {
        ops::plan(
            ui,
            wd,
            &PlanOptions {
                common: self.common.options(vars),
                out: self.out,
                destroy: self.destroy,
                detailed_exitcode: self.detailed_exitcode,
                json: self.json,
                refresh: self.run.refresh,
                replace: self.run.replace,
                refresh_only: self.run.refresh_only,
                targets: self.run.target,
                generate_config_out: self.generate_config_out,
            },
        )
    }
}
