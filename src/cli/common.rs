//! Flags shared by several commands.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::eval::vars::VarInput;
use crate::ops::CommonOptions;

/// Variable and input flags of every command that evaluates the configuration.
#[derive(Debug, Args)]
pub struct VarArgs {
    /// Set a variable: NAME=VALUE (repeatable; later wins).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    var: Vec<String>,
    /// Read variables from a .tfvars file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    var_file: Vec<PathBuf>,
    /// Ask for missing variables and approval interactively (-input=false never asks).
    #[arg(long, num_args = 0..=1, default_value_t = true, default_missing_value = "true", require_equals = true, action = clap::ArgAction::Set)]
    input: bool,
}

impl VarArgs {
    /// Options for a read-only command: variables in command-line order, no lock.
    pub fn read_only_options(&self, vars: Vec<VarInput>, state: Option<PathBuf>) -> CommonOptions {
        debug_assert_eq!(vars.len(), self.var.len() + self.var_file.len());
        CommonOptions {
            vars,
            input: self.input,
            lock: false,
            lock_timeout: Duration::ZERO,
            state_path: state,
            parallelism: crate::apply::DEFAULT_PARALLELISM,
        }
    }
}

/// Variable, lock, input and state flags of plan, apply, destroy and graph.
#[derive(Debug, Args)]
pub struct CommonArgs {
    #[command(flatten)]
    vars: VarArgs,
    /// Take the state lock (-lock=false skips it; not recommended).
    #[arg(long, num_args = 0..=1, default_value_t = true, default_missing_value = "true", require_equals = true, action = clap::ArgAction::Set)]
    lock: bool,
    /// How long to wait for the state lock, e.g. 30s or 5m.
    #[arg(long = "lock-timeout", value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    lock_timeout: Duration,
    /// Use this state file instead of the configured one.
    #[arg(long = "state", value_name = "PATH")]
    state: Option<PathBuf>,
    /// Limit the number of concurrent backend operations.
    #[arg(long, value_name = "N", default_value_t = crate::apply::DEFAULT_PARALLELISM, value_parser = parse_parallelism)]
    parallelism: usize,
}

pub(super) fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("{e} (write durations such as 0s, 30s or 5m)"))
}

impl CommonArgs {
    /// The options, with variables in command-line order.
    pub fn options(&self, vars: Vec<VarInput>) -> CommonOptions {
        CommonOptions {
            lock: self.lock,
            lock_timeout: self.lock_timeout,
            parallelism: self.parallelism,
            ..self.vars.read_only_options(vars, self.state.clone())
        }
    }
}

/// Flags of plan, apply and destroy.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Skip reading the current state of every resource from the backend first.
    #[arg(long, num_args = 0..=1, default_value_t = true, default_missing_value = "true", require_equals = true, action = clap::ArgAction::Set)]
    pub refresh: bool,
    /// Replace this resource instance even if nothing forces it (repeatable).
    #[arg(long, value_name = "ADDRESS")]
    pub replace: Vec<crate::addr::ResourceAddr>,
    /// Only show (plan) or record (apply) what changed outside vnetform.
    #[arg(long = "refresh-only")]
    pub refresh_only: bool,
    /// Plan only this resource, instance or module, and what it needs (repeatable).
    #[arg(long, value_name = "ADDRESS")]
    pub target: Vec<crate::addr::Target>,
}

fn parse_parallelism(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("\"{text}\" is not a positive whole number")),
    }
}

/// `-var` and `-var-file` in the order they were given (later wins, across both kinds).
pub fn var_inputs(args: &[OsString]) -> Vec<VarInput> {
    let mut out = Vec::new();
    let mut iter = args
        .iter()
        .filter_map(|a| a.to_str())
        .take_while(|a| *a != "--");
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_owned())),
            None => (arg, None),
        };
        let mut value = || inline.clone().or_else(|| iter.next().map(str::to_owned));
        match flag {
            "--var" => out.extend(value().map(VarInput::Assign)),
            "--var-file" => out.extend(value().map(|v| VarInput::File(PathBuf::from(v)))),
            _ => {}
        }
    }
    out
}
