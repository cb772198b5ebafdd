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
    let empty_state = state.serial == 0 && state.resources.is_empty();
    if header.lineage != state.lineage && !empty_state {
        return Ok(Vec::new());
    }
    // A journal for an older serial was folded into the state already (the process died
    // before replacing it): only its unconfirmed creates still count.
    let folded = match header.serial.cmp(&state.serial) {
        std::cmp::Ordering::Equal => false,
        std::cmp::Ordering::Less if !empty_state => true,
        _ => return Ok(Vec::new()),
    };
    state.lineage = header.lineage;
    let mut open: BTreeMap<ResourceAddr, Unconfirmed> = BTreeMap::new();
    for line in lines {
        let Ok(change) = serde_json::from_str::<StateChange>(&line?) else {
            break;
        };
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
    Ok(open.into_values().collect())
}
