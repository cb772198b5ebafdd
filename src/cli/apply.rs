//! `vnetform apply` and `vnetform destroy`.

use std::path::PathBuf;

use clap::Args;

use super::common::{CommonArgs, RunArgs};
use crate::error::Result;
use crate::eval::vars::VarInput;
use crate::ops::{self, ApplyOptions, Ui, Workdir};

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    run: RunArgs,
    /// Skip the interactive approval.
    #[arg(long = "auto-approve")]
    auto_approve: bool,
    /// Destroy every resource in state (the same as `vnetform destroy`).
    #[arg(long)]
    destroy: bool,
    /// A plan saved with `plan -out=FILE`.
    plan_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    run: RunArgs,
    /// Skip the interactive confirmation.
    #[arg(long = "auto-approve")]
    auto_approve: bool,
}

impl ApplyArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir, vars: Vec<VarInput>) -> Result<()> {
        let opts = ApplyOptions {
            common: self.common.options(vars),
            auto_approve: self.auto_approve,
            plan_file: self.plan_file,
            destroy: self.destroy,
            parallelism: self.run.parallelism,
            refresh: self.run.refresh,
        };
        ops::apply(ui, wd, &opts)
    }
}

impl DestroyArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir, vars: Vec<VarInput>) -> Result<()> {
        let opts = ApplyOptions {
            common: self.common.options(vars),
            auto_approve: self.auto_approve,
            plan_file: None,
            destroy: true,
            parallelism: self.run.parallelism,
            refresh: self.run.refresh,
        };
        ops::apply(ui, wd, &opts)
    }
}
