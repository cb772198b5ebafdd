//! The apply journal: completed operations appended beside the state file, one JSON line
//! each, so persistence costs O(1) per operation instead of a rewrite of the whole state.
//!
//! The first line names the state the entries apply to (lineage and serial); a journal for
//! any other state is stale and ignored. A line cut short by a crash ends the replay.

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

/// Replays the journal at `path`, if there is one for `state`, onto it.
pub fn replay(path: &Path, state: &mut State) -> std::io::Result<()> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut lines = BufReader::new(file).lines();
    let header: Option<Header> = lines
        .next()
        .transpose()?
        .and_then(|l| serde_json::from_str(&l).ok());
    let Some(header) = header else { return Ok(()) };
    let empty_state = state.serial == 0 && state.resources.is_empty();
    if header.serial != state.serial || (header.lineage != state.lineage && !empty_state) {
        return Ok(());
    }
    state.lineage = header.lineage;
    for line in lines {
        let Ok(change) = serde_json::from_str::<StateChange>(&line?) else {
            break;
        };
        match change {
            StateChange::Put(addr, resource) => {
                state.resources.insert(addr, resource);
            }
            StateChange::Remove(addr) => {
                state.resources.remove(&addr);
            }
        }
    }
    Ok(())
}
