//! State: what exists, as last recorded.
//!
//! Owns the in-memory [`State`], its file format (Terraform's v4 JSON shape, sorted and
//! pretty, so it reviews well and Terraform-written states of the same resources can be
//! read), and its stores: the local file (atomic writes, temp file + rename, mode 0600, one
//! backup of the state as it was when the command started, stale-serial refusal and the
//! lock) and PostgreSQL (`pg`: compare-and-swap writes, leases). It knows nothing of HCL,
//! plans or backends.

mod file;
mod journal;
mod lock;
mod pg;
mod store;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::addr::ResourceAddr;
pub use journal::{StateChange, Unconfirmed};
pub use lock::{LockError, LockGuard, LockInfo};
pub use pg::{DEFAULT_LEASE_TIMEOUT, Lease, PgLocation, PgStore};
pub use store::{LocalStore, StateError, atomic_write};

/// The recorded state of every resource and root output.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub lineage: String,
    pub serial: u64,
    pub resources: BTreeMap<ResourceAddr, ResourceState>,
    pub outputs: BTreeMap<String, StateOutput>,
}

/// One resource instance as recorded.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResourceState {
    pub attributes: Arc<serde_json::Value>,
    /// Top-level attributes holding secrets (Terraform's `sensitive_attributes`).
    pub sensitive_attributes: Vec<String>,
    /// Everything this resource depends on, transitively, so it can be destroyed in order
    /// even after its configuration is gone.
    pub dependencies: Vec<ResourceAddr>,
    /// A create failed part-way: the next plan replaces it.
    pub tainted: bool,
    pub create_before_destroy: bool,
}

/// A root output as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct StateOutput {
    pub value: serde_json::Value,
    pub sensitive: bool,
}

impl State {
    /// A new, empty state with a fresh lineage.
    pub fn new() -> State {
        State {
            lineage: uuid::Uuid::new_v4().to_string(),
            serial: 0,
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
        }
    }
}

/// The state file's text for `state`, as `state pull` prints it.
pub fn document(state: &State) -> String {
    file::render(state, state.serial)
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}
