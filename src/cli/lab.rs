//! `vnetform lab status|exec|ping|check`.

use clap::Subcommand;

use crate::error::Result;
use crate::ops::{self, Ui, Workdir};

#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Show the lab's networks, VMs, gateways, sites and tunnels.
    Status {
        /// As a JSON document.
        #[arg(long)]
        json: bool,
    },
    /// Run a command inside a VM's namespace.
    Exec {
        /// The VM: its address (azurerm_linux_virtual_machine.vm1) or its Azure name.
        vm: String,
        /// The command and its arguments, after `--`.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Ping between every two VMs and compare with the reachability analysis.
    Check {
        /// As a JSON document: {pairs: [{from, to, predicted, observed}], mismatches}.
        #[arg(long)]
        json: bool,
    },
    /// Tell whether one VM reaches another (or an IP address).
    Ping {
        /// The VM that pings.
        from: String,
        /// A VM or an IP address.
        to: String,
    },
}

impl LabCommand {
    pub fn run(self, ui: &Ui, wd: &Workdir) -> Result<i32> {
        match self {
            LabCommand::Status { json } => ops::lab_status(ui, wd, json).map(|()| 0),
            LabCommand::Exec { vm, command } => ops::lab_exec(wd, &vm, &command),
            LabCommand::Ping { from, to } => ops::lab_ping(ui, wd, &from, &to),
            LabCommand::Check { json } => ops::lab_check(ui, wd, json),
        }
    }
}
