//! vnetform: declarative provisioning of Azure VNet-to-VNet VPN topologies.
//!
//! The pipeline, one module per phase (see docs/architecture.md):
//!
//! ```text
//! *.tf ──config──▶ Config ──eval──▶ DesiredState ──graph──▶ ResourceGraph
//! state ──▶ State ──(backend read: refresh)──┴──plan──▶ Plan ──render──▶ text | JSON | DOT
//! Plan ──apply──▶ Backend operations, in dependency order, in parallel ──▶ State
//! ```
//!
//! Dependencies point one way: `cli → ops → phases`; only `ops` calls more than one phase,
//! `plan` never sees a backend, and `render` only formats.

pub mod addr;
pub mod apply;
pub mod backend;
pub mod cli;
pub mod config;
pub mod error;
pub mod eval;
pub mod format;
pub mod graph;
pub mod model;
pub mod ops;
pub mod plan;
pub mod render;
pub mod rules;
pub mod source;
pub mod state;

/// A hash map for lookups where a sorted map's string comparisons cost too much. Its seed
/// is fixed, so even its iteration order is the same from run to run.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// Runs the command line; returns the process exit code.
pub fn run(args: Vec<std::ffi::OsString>) -> i32 {
    cli::run(args)
}
