//! Read-only commands: `validate`, `show`, `output`, `reach`, `graph`, `console`.

use std::path::PathBuf;

use clap::Args;

use super::common::{CommonArgs, VarArgs};
use crate::error::Result;
use crate::eval::vars::VarInput;
use crate::ops::{self, Ui, Workdir};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Print Terraform's validate JSON document.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Print the JSON document.
    #[arg(long)]
    json: bool,
    /// Use this state file instead of the configured one.
    #[arg(long = "state", value_name = "PATH")]
    state: Option<PathBuf>,
    /// A plan saved with `plan -out=FILE`; without it, the state is shown.
    plan_file: Option<PathBuf>,
}

impl ShowArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir) -> Result<()> {
        ops::show(
            ui,
            wd,
            self.json,
            self.plan_file.as_deref(),
            self.state.as_deref(),
        )
    }
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print as JSON (sensitive values included, as Terraform does).
    #[arg(long)]
    json: bool,
    /// Print a string without quotes.
    #[arg(long)]
    raw: bool,
    /// Use this state file instead of the configured one.
    #[arg(long = "state", value_name = "PATH")]
    state: Option<PathBuf>,
    /// One output; without it, all of them.
    name: Option<String>,
}

impl OutputArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir) -> Result<()> {
        ops::output(
            ui,
            wd,
            self.name.as_deref(),
            self.json,
            self.raw,
            self.state.as_deref(),
        )
    }
}

#[derive(Debug, Args)]
pub struct ReachArgs {
    /// Print `{"networks": [...], "reachable": [...]}`.
    #[arg(long)]
    json: bool,
    /// Show what the current state joins rather than the configuration's end state
    /// (-state=PATH reads that state file).
    #[arg(long = "state", value_name = "PATH", num_args = 0..=1, require_equals = true)]
    state: Option<Option<PathBuf>>,
    #[command(flatten)]
    vars: VarArgs,
}

impl ReachArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir, vars: Vec<VarInput>) -> Result<()> {
        let from_state = self.state.is_some();
        let opts = self.vars.read_only_options(vars, self.state.flatten());
        ops::reach(ui, wd, &opts, self.json, from_state)
    }
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    common: CommonArgs,
}

impl GraphArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir, vars: Vec<VarInput>) -> Result<()> {
        let mut opts = self.common.options(vars);
        opts.lock = false;
        ops::graph(ui, wd, &opts)
    }
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    #[command(flatten)]
    vars: VarArgs,
    /// Use this state file instead of the configured one.
    #[arg(long = "state", value_name = "PATH")]
    state: Option<PathBuf>,
}

impl ConsoleArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir, vars: Vec<VarInput>) -> Result<()> {
        ops::console(ui, wd, &self.vars.read_only_options(vars, self.state))
    }
}
