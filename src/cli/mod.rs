//! The command line: clap definitions (one file per command) and the step from arguments to
//! an `ops` call.
//!
//! Terraform's single-dash long flags (`-chdir=DIR`, `-auto-approve`, `-var k=v`) are accepted
//! beside clap's double-dash spelling by rewriting them before parsing. This module holds no
//! HCL, graph or state logic; it only calls `ops`.

mod apply;
mod common;
mod fmt;
mod init;
mod inspect;
mod lab;
mod plan;
mod sim;
mod state;
mod workspace;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::error::Result;
use crate::ops::{self, Ui, Workdir};
use crate::render::Painter;

#[derive(Debug, Parser)]
#[command(name = "vnetform", version, about = "Declarative provisioning of Azure VNet-to-VNet VPN topologies", long_about = None)]
pub struct Cli {
    /// Switch to DIR before doing anything else.
    #[arg(long, global = true, value_name = "DIR")]
    chdir: Option<PathBuf>,
    /// Do not colour the output (NO_COLOR is honoured too).
    #[arg(long = "no-color", global = true)]
    no_color: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Prepare the working directory and choose the backend.
    Init(init::InitArgs),
    /// Rewrite configuration files to the canonical format.
    Fmt(fmt::FmtArgs),
    /// Check whether the configuration is valid.
    Validate(inspect::ValidateArgs),
    /// Show the changes required by the current configuration.
    Plan(plan::PlanArgs),
    /// Create or update infrastructure.
    Apply(apply::ApplyArgs),
    /// Destroy previously-created infrastructure.
    Destroy(apply::DestroyArgs),
    /// Show the current state or a saved plan.
    Show(inspect::ShowArgs),
    /// Show output values.
    Output(inspect::OutputArgs),
    /// Inspect the state, or change it by hand.
    #[command(subcommand)]
    State(state::StateCommand),
    /// Evaluate expressions against the configuration and state, one per line.
    Console(inspect::ConsoleArgs),
    /// Adopt an existing object into state under a resource block of the configuration.
    Import(state::ImportArgs),
    /// Mark a resource instance to be replaced by the next apply.
    Taint(state::TaintArgs),
    /// Clear a resource instance's taint.
    Untaint(state::TaintArgs),
    /// Show which networks can reach each other through the VPN topology.
    Reach(inspect::ReachArgs),
    /// Draw the dependency graph, a plan's operations, or the network topology (DOT or SVG).
    Graph(inspect::GraphArgs),
    /// Inspect or change the simulated cloud out of band.
    #[command(subcommand)]
    Sim(sim::SimCommand),
    /// Look into the lab: real networks and tunnels on this host (`init -cloud=lab`).
    #[command(subcommand)]
    Lab(lab::LabCommand),
    /// Manage workspaces: independent states of one configuration.
    #[command(subcommand)]
    Workspace(workspace::WorkspaceCommand),
    /// Release a PostgreSQL state lock left by a run that is gone.
    ForceUnlock {
        /// Do not ask for confirmation.
        #[arg(long)]
        force: bool,
        /// The lock's ID, as the lock error or `state locks` shows it.
        lock_id: String,
    },
    /// Show the version.
    Version,
}

/// Rewrites Terraform's single-dash long flags (`-auto-approve`, `-var=x`) to clap's
/// double-dash spelling. Values (`-var x=-1`) and everything after `--` are left alone.
pub fn normalize_args(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut rest = false;
    for arg in args {
        let Some(text) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            rest = true;
        }
        let single_dash_long = text.len() > 2
            && text.starts_with('-')
            && !text.starts_with("--")
            && text[1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
            && text[1..]
                .split('=')
                .next()
                .is_some_and(|name| name.len() > 1);
        if single_dash_long && !rest {
            out.push(OsString::from(format!("-{text}")));
        } else {
            out.push(arg);
        }
    }
    out
}

/// Runs the command line and returns the exit code.
pub fn run(args: Vec<OsString>) -> i32 {
    let args = normalize_args(args);
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 1 } else { 0 };
        }
    };
    let env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    let color = !cli.no_color && !env.contains_key("NO_COLOR") && std::io::stdout().is_terminal();
    let painter = Painter { color };
    let ui = Ui::new(
        painter,
        std::io::stdin().is_terminal(),
        Box::new(std::io::stdout()),
        Box::new(std::io::stderr()),
        Box::new(std::io::stdin().lock()),
    );
    if let Some(dir) = &cli.chdir
        && let Err(e) = std::env::set_current_dir(dir)
    {
        ui.err(&format!(
            "Error: Invalid -chdir option: {}: {e}\n",
            dir.display()
        ));
        return 1;
    }
    let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let wd = Workdir { dir, env };
    match dispatch(cli.command, &ui, &wd, &args) {
        Ok(code) => code,
        Err(e) => {
            ui.diagnostic(&e);
            1
        }
    }
}

fn dispatch(command: Command, ui: &Ui, wd: &Workdir, args: &[OsString]) -> Result<i32> {
    let vars = common::var_inputs(args);
    match command {
        Command::Init(a) => a.run(ui, wd).map(|()| 0),
        Command::Fmt(a) => a.run(ui, wd),
        Command::Validate(a) => ops::validate(ui, wd, a.json),
        Command::Plan(a) => a.run(ui, wd, vars),
        Command::Apply(a) => a.run(ui, wd, vars).map(|()| 0),
        Command::Destroy(a) => a.run(ui, wd, vars).map(|()| 0),
        Command::Show(a) => a.run(ui, wd).map(|()| 0),
        Command::Output(a) => a.run(ui, wd).map(|()| 0),
        Command::State(c) => c.run(ui, wd).map(|()| 0),
        Command::Import(c) => c.run(ui, wd, vars).map(|()| 0),
        Command::Console(c) => c.run(ui, wd, vars).map(|()| 0),
        Command::Taint(c) => c.run(ui, wd, true).map(|()| 0),
        Command::Workspace(c) => c.run(ui, wd).map(|()| 0),
        Command::ForceUnlock { force, lock_id } => {
            ops::force_unlock(ui, wd, &lock_id, force).map(|()| 0)
        }
        Command::Untaint(c) => c.run(ui, wd, false).map(|()| 0),
        Command::Graph(a) => a.run(ui, wd, vars).map(|()| 0),
        Command::Reach(a) => a.run(ui, wd, vars).map(|()| 0),
        Command::Sim(c) => c.run(ui, wd).map(|()| 0),
        Command::Lab(c) => c.run(ui, wd),
        Command::Version => {
            ui.out(&format!(
                "vnetform v{}\non {}_{}\n",
                env!("CARGO_PKG_VERSION"),
                std::env::consts::OS,
                std::env::consts::ARCH
            ));
            Ok(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        normalize_args(args.iter().map(OsString::from))
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn rewrites_terraform_single_dash_flags() {
        assert_eq!(
            norm(&[
                "vnetform",
                "-chdir=x",
                "apply",
                "-auto-approve",
                "-var",
                "a=-1",
                "-h",
                "--json"
            ]),
            [
                "vnetform",
                "--chdir=x",
                "apply",
                "--auto-approve",
                "--var",
                "a=-1",
                "-h",
                "--json"
            ]
        );
        assert_eq!(
            norm(&["vnetform", "sim", "set", "--", "-odd"]),
            ["vnetform", "sim", "set", "--", "-odd"]
        );
    }
}
