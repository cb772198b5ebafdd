//! `vnetform apply` and `vnetform destroy`.

use std::path::PathBuf;

use clap::Args;

use super::common::{CommonArgs, RunArgs};
use crate::error::Result;
use crate::eval::vars::VarInput;
use crate::ops::{self, ApplyOptions, Ui, Workdir};

/// The flags apply and destroy share.
#[derive(Debug, Args)]
struct ChangeArgs {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    run: RunArgs,
    /// Skip the interactive approval.
    #[arg(long = "auto-approve")]
    auto_approve: bool,
}

impl ChangeArgs {
    fn options(
        self,
        vars: Vec<VarInput>,
        destroy: bool,
        plan_file: Option<PathBuf>,
    ) -> ApplyOptions {
        ApplyOptions {
            common: self.common.options(vars),
            auto_approve: self.auto_approve,
            plan_file,
            destroy,
            refresh: self.run.refresh,
            replace: self.run.replace,
            refresh_only: self.run.refresh_only,
            targets: self.run.target,
        }
    }
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    change: ChangeArgs,
    /// Destroy every resource in state (the same as `vnetform destroy`).
    #[arg(long)]
    destroy: bool,
    /// A plan saved with `plan -out=FILE`.
    plan_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    change: ChangeArgs,
}

impl ApplyArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir, vars: Vec<VarInput>) -> Result<()> {
        ops::apply(
            ui,
            wd,
            &self.change.options(vars, self.destroy, self.plan_file),
        )
    }
}

impl DestroyArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir, vars: Vec<VarInput>) -> Result<()> {
        ops::apply(ui, wd, &self.change.options(vars, true, None))
    }
}
