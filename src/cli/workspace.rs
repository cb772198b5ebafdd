//! `workspace list|show|new|select|delete`.

use std::time::Duration;

use clap::Subcommand;

use super::common::parse_duration;
use crate::error::Result;
use crate::ops::{self, Ui, Workdir};

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// List the workspaces, the selected one marked with `*`.
    List,
    /// Print the selected workspace.
    Show,
    /// Create an empty workspace and select it.
    New { name: String },
    /// Select a workspace.
    Select { name: String },
    /// Delete a workspace whose state manages nothing.
    Delete {
        /// Delete even if its state still manages objects (they stay in the cloud).
        #[arg(long)]
        force: bool,
        /// How long to wait for the workspace's state lock, e.g. 30s or 5m.
        #[arg(long = "lock-timeout", value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
        lock_timeout: Duration,
        name: String,
    },
}

impl WorkspaceCommand {
    pub fn run(self, ui: &Ui, wd: &Workdir) -> Result<()> {
        match self {
            WorkspaceCommand::List => ops::workspace_list(ui, wd),
            WorkspaceCommand::Show => ops::workspace_show(ui, wd),
            WorkspaceCommand::New { name } => ops::workspace_new(ui, wd, &name),
            WorkspaceCommand::Select { name } => ops::workspace_select(ui, wd, &name),
            WorkspaceCommand::Delete {
                force,
                lock_timeout,
                name,
            } => ops::workspace_delete(ui, wd, &name, force, lock_timeout),
        }
    }
}
