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

/// What `graph` draws.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum GraphKind {
    /// The operations of a plan.
    Plan,
    /// The operations of a plan (of the saved plan given with -plan).
    Apply,
    /// The network: VNets, gateways, on-premises sites and the tunnels between them.
    Topology,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum GraphFormat {
    Dot,
    /// SVG, drawn without external tools (-type=topology).
    Svg,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Draw a plan's operations or the network topology instead of resource dependencies.
    #[arg(long = "type", value_enum)]
    kind: Option<GraphKind>,
    /// The output format.
    #[arg(long, value_enum, default_value = "dot")]
    format: GraphFormat,
    /// Draw the operations of this saved plan (implies -type=apply).
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
}

impl GraphArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir, vars: Vec<VarInput>) -> Result<()> {
        let mut opts = self.common.options(vars);
        opts.lock = false;
        let kind = match (self.kind, &self.plan) {
            (Some(GraphKind::Plan), _) => ops::GraphType::Plan,
            (Some(GraphKind::Apply), _) | (None, Some(_)) => ops::GraphType::Apply,
            (Some(GraphKind::Topology), _) => ops::GraphType::Topology,
            (None, None) => ops::GraphType::Resources,
        };
        let svg = matches!(self.format, GraphFormat::Svg);
        ops::graph(ui, wd, &opts, kind, svg, self.plan.as_deref())
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
