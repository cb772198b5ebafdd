//! `state list|show|rm|mv|pull|push`, `import`, `taint` and `untaint`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::common::{CommonArgs, parse_duration};
use crate::error::Result;
use crate::eval::vars::VarInput;
use crate::ops::{self, SurgeryOptions, Ui, Workdir};

/// The state file and lock flags of the commands that change state by hand.
#[derive(Debug, Args)]
pub struct LockArgs {
    /// Use this state file instead of the configured one.
    #[arg(long = "state", value_name = "PATH")]
    state: Option<PathBuf>,
    /// Take the state lock (-lock=false skips it; not recommended).
    #[arg(long, num_args = 0..=1, default_value_t = true, default_missing_value = "true", require_equals = true, action = clap::ArgAction::Set)]
    lock: bool,
    /// How long to wait for the state lock, e.g. 30s or 5m.
    #[arg(long = "lock-timeout", value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    lock_timeout: Duration,
}

impl LockArgs {
    fn options(self) -> SurgeryOptions {
        SurgeryOptions {
            state_path: self.state,
            lock: self.lock,
            lock_timeout: self.lock_timeout,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the resources in state.
    List {
        /// Use this state file instead of the configured one.
        #[arg(long = "state", value_name = "PATH")]
        state: Option<PathBuf>,
    },
    /// Show one resource in state.
    Show {
        /// Use this state file instead of the configured one.
        #[arg(long = "state", value_name = "PATH")]
        state: Option<PathBuf>,
        /// The resource address, e.g. azurerm_virtual_network.vnet1.
        address: String,
    },
    /// Forget objects without destroying them.
    Rm {
        #[command(flatten)]
        lock: LockArgs,
        /// Resource, instance or module addresses.
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// Rename objects in state: resources, instances or modules.
    Mv {
        #[command(flatten)]
        lock: LockArgs,
        /// Show what would move without changing the state.
        #[arg(long = "dry-run")]
        dry_run: bool,
        /// The address objects are now at.
        source: String,
        /// The address they move to.
        destination: String,
    },
    /// Print the state document.
    Pull {
        /// Use this state file instead of the configured one.
        #[arg(long = "state", value_name = "PATH")]
        state: Option<PathBuf>,
    },
    /// Adopt a Terraform state (terraform.tfstate, version 4) into an empty state.
    ImportTerraform {
        #[command(flatten)]
        lock: LockArgs,
        /// The Terraform state file.
        file: PathBuf,
    },
    /// Show who holds the state lock (every workspace's, with PostgreSQL).
    Locks,
    /// Replace the state with a state file.
    Push {
        #[command(flatten)]
        lock: LockArgs,
        /// Push a state of another lineage or an older serial anyway.
        #[arg(long)]
        force: bool,
        /// The state file to push.
        file: PathBuf,
    },
}

impl StateCommand {
    pub fn run(self, ui: &Ui, wd: &Workdir) -> Result<()> {
        match self {
            StateCommand::List { state } => ops::state_list(ui, wd, state.as_deref()),
            StateCommand::Show { state, address } => {
                ops::state_show(ui, wd, &address, state.as_deref())
            }
            StateCommand::Rm { lock, addresses } => {
                ops::state_rm(ui, wd, &lock.options(), &addresses)
            }
            StateCommand::Mv {
                lock,
                dry_run,
                source,
                destination,
            } => ops::state_mv(ui, wd, &lock.options(), &source, &destination, dry_run),
            StateCommand::Pull { state } => ops::state_pull(ui, wd, state.as_deref()),
            StateCommand::ImportTerraform { lock, file } => {
                ops::state_import_terraform(ui, wd, &lock.options(), &file)
            }
            StateCommand::Locks => ops::state_locks(ui, wd),
            StateCommand::Push { lock, force, file } => {
                ops::state_push(ui, wd, &lock.options(), &file, force)
            }
        }
    }
}

#[derive(Debug, Args)]
pub struct TaintArgs {
    #[command(flatten)]
    lock: LockArgs,
    /// The resource instance, e.g. azurerm_virtual_network_gateway.gw1.
    address: String,
}

impl TaintArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir, taint: bool) -> Result<()> {
        ops::taint(ui, wd, &self.lock.options(), &self.address, taint)
    }
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The resource instance address the object is to be managed as.
    address: String,
    /// The object's id in the cloud (its ARM id).
    id: String,
}

impl ImportArgs {
    pub fn run(self, ui: &Ui, wd: &Workdir, vars: Vec<VarInput>) -> Result<()> {
        ops::import(ui, wd, &self.common.options(vars), &self.address, &self.id)
    }
}
