//! The apply journal: completed operations appended beside the state file, one JSON line
//! each, so persistence costs O(1) per operation instead of a rewrite of the whole state.
//!
//! The first line names the state the entries apply to (lineage and serial); a journal for
//! any other state is stale and ignored. A line cut short by a crash ends the replay.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{ResourceState, State};
use crate::addr::ResourceAddr;

/// One change to the recorded state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateChange {
    Put(ResourceAddr, ResourceState),
    Remove(ResourceAddr),
    /// A create is about to be sent: until a `Put` or `Refused` for the same address follows,
    /// the object may exist in the cloud, and the next run reads it by `id`.
    Started(Unconfirmed),
    /// The create was refused: nothing was made.
    Refused(ResourceAddr),
}

/// A create that was sent but never confirmed (the process died while it ran).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unconfirmed {
    pub addr: ResourceAddr,
    pub id: String,
    pub dependencies: Vec<ResourceAddr>,
}

impl StateChange {
    /// The address a change is about.
    pub fn addr(&self) -> &ResourceAddr {
        match self {
            StateChange::Put(addr, _) | StateChange::Remove(addr) | StateChange::Refused(addr) => {
                addr
            }
            StateChange::Started(u) => &u.addr,
        }
    }
}

/// The creates under way, by address, after `changes`: a store keeps them to announce again
/// in the journal it starts after folding the old one into the state.
pub(super) fn track_in_flight(
    in_flight: &mut BTreeMap<ResourceAddr, StateChange>,
    changes: &[StateChange],
) {
    for change in changes {
        match change {
            StateChange::Started(_) => {
                in_flight.insert(change.addr().clone(), change.clone());
            }
            other => {
                in_flight.remove(other.addr());
            }
        }
    }
}

/// Whether a journal of `entries` is folded into the state document now: once it holds as
/// many entries as the state has resources, so the cost per operation stays constant.
pub(super) fn due_for_folding(entries: usize, state: &State) -> bool {
    entries > 1024.max(state.resources.len())
}

#[derive(Serialize, Deserialize)]
struct Header {
    journal: u32,
    lineage: String,
    serial: u64,
}

/// An open journal.
#[derive(Debug)]
pub struct Journal {
    file: File,
    entries: usize,
}

impl Journal {
    /// Starts a journal for the state of `lineage` at `serial` (replacing any old one).
    pub fn create(path: &Path, lineage: &str, serial: u64) -> std::io::Result<Journal> {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        let header = Header {
            journal: 1,
            lineage: lineage.to_owned(),
            serial,
        };
        writeln!(
            file,
            "{}",
            serde_json::to_string(&header).expect("header serialises")
        )?;
        file.sync_data()?;
        Ok(Journal { file, entries: 0 })
    }

    /// Replaces the journal at `path`, atomically, with one for the state of `lineage` at
    /// `serial` holding `entries` (the creates still under way when the state was written).
    pub fn replace(
        path: &Path,
        lineage: &str,
        serial: u64,
        entries: &[StateChange],
    ) -> std::io::Result<Journal> {
        let fresh = path.with_extension("journal.new");
        let mut journal = Journal::create(&fresh, lineage, serial)?;
        journal.append(entries)?;
        std::fs::rename(&fresh, path)?;
        Ok(journal)
    }

    /// Appends changes and makes them durable.
    pub fn append(&mut self, changes: &[StateChange]) -> std::io::Result<()> {
        let mut text = String::new();
        for change in changes {
            text.push_str(&serde_json::to_string(change).expect("changes serialise"));
            text.push('\n');
        }
        self.file.write_all(text.as_bytes())?;
        self.file.sync_data()?;
        self.entries += changes.len();
        Ok(())
    }

    pub fn entries(&self) -> usize {
        self.entries
    }
}

/// Replays the journal at `path`, if there is one for `state`, onto it; returns the creates
/// it started and never confirmed.
pub fn replay(path: &Path, state: &mut State) -> std::io::Result<Vec<Unconfirmed>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut lines = BufReader::new(file).lines();
    let header: Option<Header> = lines
        .next()
        .transpose()?
        .and_then(|l| serde_json::from_str(&l).ok());
    let Some(header) = header else {
        return Ok(Vec::new());
    };
    // A line cut short by a crash ends the replay.
    let mut changes = Vec::new();
    for line in lines {
        let Ok(change) = serde_json::from_str::<StateChange>(&line?) else {
            break;
        };
        changes.push(change);
    }
    Ok(replay_onto(state, &header.lineage, header.serial, changes))
}

/// Replays `changes`, journalled against the state of `lineage` at `serial`, onto `state` if
/// that is the state they apply to; returns the creates they started and never confirmed.
pub(super) fn replay_onto(
    state: &mut State,
    lineage: &str,
    serial: u64,
    changes: impl IntoIterator<Item = StateChange>,
) -> Vec<Unconfirmed> {
    let empty_state = state.serial == 0 && state.resources.is_empty();
    if lineage != state.lineage && !empty_state {
        return Vec::new();
    }
    // A journal for an older serial was folded into the state already (the process died
    // before replacing it): only its unconfirmed creates still count.
    let folded = match serial.cmp(&state.serial) {
        std::cmp::Ordering::Equal => false,
        std::cmp::Ordering::Less if !empty_state => true,
        _ => return Vec::new(),
    };
    lineage.clone_into(&mut state.lineage);
    let mut open: BTreeMap<ResourceAddr, Unconfirmed> = BTreeMap::new();
    for change in changes {
        open.remove(change.addr());
        match change {
            StateChange::Started(unconfirmed) => {
                open.insert(unconfirmed.addr.clone(), unconfirmed);
            }
            _ if folded => {}
            StateChange::Put(addr, resource) => {
                state.resources.insert(addr, resource);
            }
            StateChange::Remove(addr) => {
                state.resources.remove(&addr);
            }
            StateChange::Refused(_) => {}
        }
    }
    open.retain(|addr, _| !state.resources.contains_key(addr));
    open.into_values().collect()
}
