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
use crate::eval::value::Value;
pub use journal::{StateChange, Unconfirmed};
pub use lock::{LockError, LockGuard, LockInfo};
pub use pg::{DEFAULT_LEASE_TIMEOUT, Lease, PgLocation, PgStore};
pub use store::{LocalStore, StateError, atomic_write, atomic_write_with};

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
    /// The object as the backend last returned it: plain values (no marks), held in the
    /// evaluator's compact form (written as JSON), shared with plans that read it.
    #[serde(with = "crate::eval::value::plain")]
    pub attributes: Arc<Value>,
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

/// Where the state lives: a local file, or a workspace's row in PostgreSQL.
#[derive(Debug)]
pub enum Store {
    Local(LocalStore),
    Pg(Box<PgStore>),
}

/// A held state lock: the local file's OS lock, or a PostgreSQL lease.
#[derive(Debug)]
pub enum StoreLock {
    File(LockGuard),
    Lease(Lease),
}

impl Store {
    /// Takes the state lock for `operation`, waiting up to `timeout` while another run holds it.
    pub fn lock(
        &self,
        operation: &str,
        timeout: std::time::Duration,
    ) -> Result<StoreLock, StateError> {
        Ok(match self {
            Store::Local(s) => StoreLock::File(s.lock(operation, timeout)?),
            Store::Pg(s) => StoreLock::Lease(s.lock(operation, timeout)?),
        })
    }

    /// The state, with the operations a killed run journalled replayed onto it.
    pub fn read(&mut self) -> Result<State, StateError> {
        match self {
            Store::Local(s) => s.read(),
            Store::Pg(s) => s.read(),
        }
    }

    /// Persists `state` if its content changed, bumping the serial.
    pub fn write(&mut self, state: &mut State) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.write(state),
            Store::Pg(s) => s.write(state),
        }
    }

    /// Replaces the state with `state` at its own serial (`state push`).
    pub fn replace(&mut self, state: &State) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.replace(state),
            Store::Pg(s) => s.replace(state),
        }
    }

    /// Records completed operations durably before anything that depends on them starts.
    pub fn append(&mut self, state: &mut State, changes: &[StateChange]) -> Result<(), StateError> {
        match self {
            Store::Local(s) => s.append(state, changes),
            Store::Pg(s) => s.append(state, changes),
        }
    }

    /// The creates a killed run started and never confirmed.
    pub fn unconfirmed(&self) -> &[Unconfirmed] {
        match self {
            Store::Local(s) => s.unconfirmed(),
            Store::Pg(s) => s.unconfirmed(),
        }
    }
}
