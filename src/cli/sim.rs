//! `vnetform sim list|delete|set`.

use clap::Subcommand;

use crate::error::Result;
use crate::ops::{self, Ui, Workdir};

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// List every resource in the simulated cloud.
    List {
        /// An array sorted by id, secrets left out.
        #[arg(long)]
        json: bool,
    },
    /// Delete a resource out of band.
    Delete {
        /// The resource's ARM id.
        id: String,
    },
    /// Change one attribute out of band (dotted names for nested blocks).
    Set {
        /// The resource's ARM id.
        id: String,
        /// ATTR=VALUE; VALUE is read as JSON where it parses, else as a string.
        assignment: String,
    },
}

impl SimCommand {
    pub fn run(self, ui: &Ui, wd: &Workdir) -> Result<()> {
        match self {
            SimCommand::List { json } => ops::sim_list(ui, wd, json),
            SimCommand::Delete { id } => ops::sim_delete(ui, wd, &id),
            SimCommand::Set { id, assignment } => ops::sim_set(ui, wd, &id, &assignment),
        }
    }
}
