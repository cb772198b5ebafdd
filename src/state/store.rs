//! The local state file store.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::State;
use super::file::{self, FormatError};
use super::journal::{self, Journal, StateChange, Unconfirmed};
use super::lock::{LockError, LockGuard, LockInfo};
use crate::addr::ResourceAddr;

/// Why state could not be read or written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum StateError {
    #[error("Failed to read state file {path}: {source}")]
    #[diagnostic(code(state::read))]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("Invalid state file {path}: {source}")]
    #[diagnostic(
        code(state::format),
        help("the file must be a Terraform version 4 state document")
    )]
    Format { path: String, source: FormatError },
    #[error("Failed to write state file {path}: {source}")]
    #[diagnostic(code(state::write))]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "State file {path} was changed by another run (serial {found}, expected at most {expected})"
    )]
    #[diagnostic(
        code(state::stale),
        help(
            "another process wrote the state while this run was working; run plan again to see the current state"
        )
    )]
    Stale {
        path: String,
        found: u64,
        expected: u64,
    },
    #[error("{store}: {message}")]
    #[diagnostic(
        code(state::database),
        help(
            "check the connection string (conn_str or PG_CONN_STR), that the server is up, and that the user may create tables in the schema"
        )
    )]
    Database { store: String, message: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Lock(#[from] LockError),
}

/// A state file on local disk, with its backup, journal and lock beside it.
#[derive(Debug)]
pub struct LocalStore {
    path: PathBuf,
    /// Whether the state file as this command found it is saved as the backup yet.
    backup_written: bool,
    /// What the file holds as this store last read or wrote it: whether a write changes
    /// anything, and the serial it bumps.
    persisted: Option<Persisted>,
    /// The identity of the state file as this store last saw it, to notice other writers
    /// without re-reading the whole file.
    fingerprint: Option<Fingerprint>,
    journal: Option<Journal>,
    /// Creates a killed run started and never confirmed, found by [`LocalStore::read`].
    unconfirmed: Vec<Unconfirmed>,
    /// Creates under way in this run, written again to a journal started after a fold.
    in_flight: BTreeMap<ResourceAddr, StateChange>,
}

/// The identity and content digest of the state last read or written, kept instead of a copy
/// of the state (which can run to tens of megabytes).
#[derive(Debug, Clone)]
pub(super) struct Persisted {
    pub lineage: String,
    pub serial: u64,
    pub digest: u64,
}

impl Persisted {
    /// What a text whose [`digest`] is `text_digest` holds; a file this version wrote is
    /// digested as it is, any other as this version would write it, so that rewriting it
    /// unchanged still counts as no change.
    pub(super) fn read(text_digest: u64, parsed: &file::Parsed) -> Persisted {
        let state = &parsed.state;
        let digest = if parsed.rendered_here {
            text_digest
        } else {
            rendered_digest(state, state.serial)
        };
        Persisted {
            lineage: state.lineage.clone(),
            serial: state.serial,
            digest,
        }
    }
}

/// Sets the serial `state` is written at and says whether it needs writing: not when it holds
/// what is stored already (unless `must_write`), else at one past the stored serial.
pub(super) fn needs_writing(
    persisted: Option<&Persisted>,
    must_write: bool,
    state: &mut State,
) -> bool {
    if let Some(previous) = persisted
        && !must_write
        && previous.lineage == state.lineage
        && previous.digest == rendered_digest(state, previous.serial)
    {
        state.serial = previous.serial;
        return false;
    }
    state.serial = persisted.map_or(0, |p| p.serial) + 1;
    true
}

pub(super) fn digest(text: &str) -> u64 {
    let mut digester = Digester::default();
    std::hash::Hasher::write(&mut digester.0, text.as_bytes());
    digester.finish()
}

/// The digest of the state file's text for `state` at `serial`, rendered piece by piece
/// rather than held (it is megabytes for thousands of resources).
fn rendered_digest(state: &State, serial: u64) -> u64 {
    let mut digester = std::io::BufWriter::with_capacity(1 << 16, Digester::default());
    file::render_into(state, serial, &mut digester).expect("hashing does not fail");
    digester
        .into_inner()
        .map_err(|_| ())
        .expect("hashing does not fail")
        .finish()
}

/// Hashes what is written to it, in any pieces, as [`digest`] hashes the whole text.
#[derive(Default)]
struct Digester(std::collections::hash_map::DefaultHasher);

impl Digester {
    fn finish(mut self) -> u64 {
        use std::hash::Hasher;
        // As `str`'s `Hash` ends a string.
        self.0.write_u8(0xff);
        self.0.finish()
    }
}

impl Write for Digester {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        std::hash::Hasher::write(&mut self.0, bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads from a file, digesting what it reads.
struct Digesting {
    file: File,
    digester: Digester,
}

impl std::io::Read for Digesting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.file.read(buf)?;
        self.digester.write_all(&buf[..read])?;
        Ok(read)
    }
}

/// Writes to a file and a digester at once.
struct Tee<'a, W> {
    file: &'a mut W,
    digester: &'a mut Digester,
}

impl<W: Write> Write for Tee<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.file.write(bytes)?;
        self.digester.write_all(&bytes[..written])?;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Enough of a file's metadata to tell whether someone else replaced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_nanos: i128,
}

impl Fingerprint {
    fn of(path: &Path) -> Option<Fingerprint> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        Some(Fingerprint {
            dev: m.dev(),
            ino: m.ino(),
            len: m.len(),
            mtime_nanos: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
        })
    }
}

impl LocalStore {
    pub fn new(path: PathBuf) -> LocalStore {
        LocalStore {
            path,
            backup_written: false,
            persisted: None,
            fingerprint: None,
            journal: None,
            unconfirmed: Vec::new(),
            in_flight: BTreeMap::new(),
        }
    }

    /// The creates a killed run started and never confirmed: they may exist in the cloud.
    pub fn unconfirmed(&self) -> &[Unconfirmed] {
        &self.unconfirmed
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn backup_path(&self) -> PathBuf {
        with_suffix(&self.path, ".backup")
    }

    fn journal_path(&self) -> PathBuf {
        with_suffix(&self.path, ".journal")
    }

    fn lock_path(&self) -> PathBuf {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.path.with_file_name(format!(".{name}.lock.info"))
    }

    /// Takes the state lock for `operation` (`Plan`, `Apply`, ...).
    pub fn lock(&self, operation: &str, timeout: Duration) -> Result<LockGuard, StateError> {
        Ok(LockGuard::acquire(
            &self.lock_path(),
            &LockInfo::new(operation, &self.path.display()),
            timeout,
        )?)
    }

    /// Reads the state (a missing file is an empty state), with the operations a killed run
    /// left in the journal replayed onto it.
    pub fn read(&mut self) -> Result<State, StateError> {
        self.fingerprint = Fingerprint::of(&self.path);
        let mut state = match File::open(&self.path) {
            Ok(opened) => {
                // Parsed as it is read: the text of a large state is megabytes more to hold.
                let mut digesting = Digesting {
                    file: opened,
                    digester: Digester::default(),
                };
                let parsed = match file::read(std::io::BufReader::new(&mut digesting)) {
                    Ok(parsed) => parsed,
                    Err(FormatError::Json(e)) if e.is_io() => {
                        return Err(StateError::Read {
                            path: self.display(),
                            source: e.into(),
                        });
                    }
                    Err(source) => {
                        return Err(StateError::Format {
                            path: self.display(),
                            source,
                        });
                    }
                };
                self.persisted = Some(Persisted::read(digesting.digester.finish(), &parsed));
                parsed.state
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.persisted = None;
                State::new()
            }
            Err(source) => {
                return Err(StateError::Read {
                    path: self.display(),
                    source,
                });
            }
        };
        self.unconfirmed = journal::replay(&self.journal_path(), &mut state).map_err(|source| {
            StateError::Read {
                path: self.journal_path().display().to_string(),
                source,
            }
        })?;
        Ok(state)
    }

    /// Persists `state` in full if its content changed, bumping the serial; the journal,
    /// now folded into the file, is removed.
    pub fn write(&mut self, state: &mut State) -> Result<(), StateError> {
        // With a journal open the content has changed: no need to compare.
        let must_write = self.journal.is_some() || !self.path.exists();
        if needs_writing(self.persisted.as_ref(), must_write, state) {
            self.put(state)?;
        }
        Ok(())
    }

    /// Replaces the state with `state` as it is (its serial kept: `state push`), after the
    /// same checks and backup as [`LocalStore::write`].
    pub fn replace(&mut self, state: &State) -> Result<(), StateError> {
        self.put(state)
    }

    /// Writes `state` at its serial, once no other writer has replaced the file, with the
    /// backup made first; the journal is folded in, and creates still under way are announced
    /// in a new one.
    fn put(&mut self, state: &State) -> Result<(), StateError> {
        let base = self.persisted.as_ref().map_or(0, |p| p.serial);
        self.check_not_replaced(base)?;
        if !self.backup_written {
            self.back_up()?;
        }
        let mut digester = Digester::default();
        atomic_write_with(&self.path, |file| {
            // Buffered before the digester too, which hashes large pieces far faster.
            let tee = BufWriter::with_capacity(
                1 << 16,
                Tee {
                    file,
                    digester: &mut digester,
                },
            );
            file::render_into(state, state.serial, tee)
        })
        .map_err(|source| StateError::Write {
            path: self.display(),
            source,
        })?;
        self.fingerprint = Fingerprint::of(&self.path);
        self.persisted = Some(Persisted {
            lineage: state.lineage.clone(),
            serial: state.serial,
            digest: digester.finish(),
        });
        self.journal = None;
        let in_flight: Vec<StateChange> = self.in_flight.values().cloned().collect();
        let journal_path = self.journal_path();
        let result = if in_flight.is_empty() {
            match std::fs::remove_file(&journal_path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                other => other,
            }
        } else {
            Journal::replace(&journal_path, &state.lineage, state.serial, &in_flight)
                .map(|j| self.journal = Some(j))
        };
        result.map_err(|source| StateError::Write {
            path: journal_path.display().to_string(),
            source,
        })
    }

    /// Records completed operations durably in O(1) each: they are appended to the journal
    /// beside the state and synced before this returns. `state` is the state with the
    /// changes already applied; the journal is folded into the state file once it holds as
    /// many entries as the state has resources (so the cost per operation stays constant).
    /// The state file must hold the state these changes apply to (write it first).
    pub fn append(&mut self, state: &mut State, changes: &[StateChange]) -> Result<(), StateError> {
        let journal_path = self.journal_path();
        let io = |source| StateError::Write {
            path: journal_path.display().to_string(),
            source,
        };
        if self.journal.is_none() {
            let (lineage, serial) = self
                .persisted
                .as_ref()
                .map_or((state.lineage.as_str(), 0), |p| {
                    (p.lineage.as_str(), p.serial)
                });
            self.journal = Some(Journal::create(&journal_path, lineage, serial).map_err(io)?);
        }
        let journal = self.journal.as_mut().expect("opened above");
        journal.append(changes).map_err(io)?;
        journal::track_in_flight(&mut self.in_flight, changes);
        if journal::due_for_folding(journal.entries(), state) {
            self.write(state)?;
        }
        Ok(())
    }

    /// Saves the state file as this command found it (unchanged since: `check_not_replaced`
    /// has run) as the backup, once; the first state of a directory has nothing to back up.
    fn back_up(&mut self) -> Result<(), StateError> {
        let backup = self.backup_path();
        let io = |source| StateError::Write {
            path: backup.display().to_string(),
            source,
        };
        match std::fs::read(&self.path) {
            Ok(found) => atomic_write(&backup, &found).map_err(io)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        self.backup_written = true;
        Ok(())
    }

    /// Fails if another writer replaced the state file since this store last wrote or read it
    /// with a newer serial.
    fn check_not_replaced(&self, base: u64) -> Result<(), StateError> {
        if Fingerprint::of(&self.path) == self.fingerprint {
            return Ok(());
        }
        if let Ok(text) = std::fs::read_to_string(&self.path)
            && let Ok(on_disk) = file::parse(&text)
            && on_disk.state.serial > base
        {
            return Err(StateError::Stale {
                path: self.display(),
                found: on_disk.state.serial,
                expected: base,
            });
        }
        Ok(())
    }

    fn display(&self) -> String {
        self.path.display().to_string()
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Writes a file so that readers see either the old or the new content, never a mix: a
/// temporary file (mode 0600) in the same directory, fsynced, then renamed over the target.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    atomic_write_with(path, |file| file.write_all(bytes))
}

/// As [`atomic_write`], with the content streamed by `write` (through a buffer) rather than
/// held in memory whole.
pub fn atomic_write_with(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&mut File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".vnetform-")
        .tempfile_in(dir)?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    let mut buffered = BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
    write(&mut buffered)?;
    buffered.flush()?;
    drop(buffered);
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateChange;
    use std::os::unix::fs::PermissionsExt;

    /// A state whose file is written and read in more than one piece.
    fn large_state() -> State {
        let mut state = State::new();
        for i in 0..500 {
            state.outputs.insert(
                format!("o{i}"),
                super::super::StateOutput {
                    value: "x".repeat(i).into(),
                    sensitive: false,
                },
            );
        }
        state
    }

    #[test]
    fn a_rendered_digest_is_the_digest_of_the_rendered_text() {
        let state = large_state();
        let text = file::render(&state, 7);
        assert!(text.len() > 1 << 16, "written in more than one piece");
        assert_eq!(rendered_digest(&state, 7), digest(&text));
        assert_ne!(rendered_digest(&state, 8), digest(&text));
    }

    #[test]
    fn a_state_read_in_pieces_is_digested_as_its_whole_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vnetform.tfstate");
        let mut state = large_state();
        LocalStore::new(path.clone()).write(&mut state).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.len() > 1 << 16, "read in more than one piece");
        let mut store = LocalStore::new(path);
        let read = store.read().unwrap();
        assert_eq!(store.persisted.as_ref().unwrap().digest, digest(&text));
        assert_eq!(read.outputs, state.outputs);
    }

    #[test]
    fn writes_atomically_with_backup_mode_and_serial() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vnetform.tfstate");
        let mut store = LocalStore::new(path.clone());
        let mut state = store.read().unwrap();
        state.outputs.insert(
            "o".into(),
            super::super::StateOutput {
                value: "x".into(),
                sensitive: false,
            },
        );
        store.write(&mut state).unwrap();
        assert_eq!(state.serial, 1);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(
            !dir.path().join("vnetform.tfstate.backup").exists(),
            "no backup on the first write"
        );

        let mut store = LocalStore::new(path.clone());
        let mut state = store.read().unwrap();
        store.write(&mut state).unwrap();
        assert_eq!(state.serial, 1, "unchanged content keeps the serial");
        state.outputs.clear();
        store.write(&mut state).unwrap();
        assert_eq!(state.serial, 2);
        let backup = std::fs::read_to_string(dir.path().join("vnetform.tfstate.backup")).unwrap();
        assert!(backup.contains("\"serial\": 1"));
    }

    #[test]
    fn refuses_to_overwrite_a_newer_serial() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.tfstate");
        let mut a = LocalStore::new(path.clone());
        let mut sa = a.read().unwrap();
        let mut b = LocalStore::new(path.clone());
        let mut sb = b.read().unwrap();
        sb.lineage = sa.lineage.clone();
        sa.outputs.insert(
            "a".into(),
            super::super::StateOutput {
                value: 1.into(),
                sensitive: false,
            },
        );
        a.write(&mut sa).unwrap();
        sb.outputs.insert(
            "b".into(),
            super::super::StateOutput {
                value: 2.into(),
                sensitive: false,
            },
        );
        assert!(matches!(b.write(&mut sb), Err(StateError::Stale { .. })));
    }

    fn resource(name: &str) -> (crate::addr::ResourceAddr, super::super::ResourceState) {
        let addr = crate::addr::ResourceAddr::managed("azurerm_resource_group", name);
        let state = super::super::ResourceState {
            attributes: std::sync::Arc::new(serde_json::json!({"id": format!("/subscriptions/s/resourceGroups/{name}"), "name": name}).into()),
            sensitive_attributes: vec![],
            dependencies: vec![],
            tainted: false,
            create_before_destroy: false,
        };
        (addr, state)
    }

    #[test]
    fn a_journal_left_by_a_killed_run_is_replayed_up_to_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vnetform.tfstate");
        let mut store = LocalStore::new(path.clone());
        let mut state = store.read().unwrap();
        let (a, ra) = resource("a");
        state.resources.insert(a.clone(), ra.clone());
        store.write(&mut state).unwrap();
        let (b, rb) = resource("b");
        state.resources.insert(b.clone(), rb.clone());
        state.resources.remove(&a);
        store
            .append(
                &mut state,
                &[
                    StateChange::Put(b.clone(), rb),
                    StateChange::Remove(a.clone()),
                ],
            )
            .unwrap();
        drop(store); // killed: no final write
        let journal = dir.path().join("vnetform.tfstate.journal");
        assert_eq!(
            std::fs::metadata(&journal).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let mut torn = std::fs::read_to_string(&journal).unwrap();
        torn.push_str("{\"put\":[\"azurerm_resource_group.c\",{\"attri");
        std::fs::write(&journal, torn).unwrap();

        let mut store = LocalStore::new(path.clone());
        let mut recovered = store.read().unwrap();
        let names: Vec<String> = recovered
            .resources
            .keys()
            .map(ToString::to_string)
            .collect();
        assert_eq!(names, ["azurerm_resource_group.b"]);
        store.write(&mut recovered).unwrap();
        assert_eq!(recovered.serial, 2);
        assert!(!journal.exists(), "a full write folds the journal in");
    }

    #[test]
    fn creates_under_way_survive_a_fold_and_a_kill_and_are_reported_unconfirmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vnetform.tfstate");
        let mut store = LocalStore::new(path.clone());
        let mut state = store.read().unwrap();
        store.write(&mut state).unwrap();
        let started = |name: &str| {
            StateChange::Started(crate::state::Unconfirmed {
                addr: format!("azurerm_resource_group.{name}").parse().unwrap(),
                id: format!("/subscriptions/s/resourceGroups/{name}"),
                dependencies: Vec::new(),
            })
        };
        store
            .append(&mut state, &[started("slow"), started("quick")])
            .unwrap();
        let (quick, resource) = resource("quick");
        state.resources.insert(quick.clone(), resource.clone());
        store
            .append(&mut state, &[StateChange::Put(quick, resource)])
            .unwrap();
        // Folded into the state file while "slow" is still under way, then killed.
        store.write(&mut state).unwrap();
        drop(store);

        let mut store = LocalStore::new(path);
        let recovered = store.read().unwrap();
        assert_eq!(recovered.resources.len(), 1);
        let open: Vec<String> = store
            .unconfirmed()
            .iter()
            .map(|u| u.addr.to_string())
            .collect();
        assert_eq!(open, ["azurerm_resource_group.slow"]);
    }

    #[test]
    fn a_journal_for_another_serial_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.tfstate");
        let mut store = LocalStore::new(path.clone());
        let mut state = store.read().unwrap();
        store.write(&mut state).unwrap();
        let (b, rb) = resource("b");
        state.resources.insert(b.clone(), rb.clone());
        store
            .append(&mut state, &[StateChange::Put(b, rb)])
            .unwrap();
        let journal = std::fs::read_to_string(dir.path().join("s.tfstate.journal")).unwrap();
        store.write(&mut state).unwrap();
        state.resources.clear();
        store.write(&mut state).unwrap();
        std::fs::write(dir.path().join("s.tfstate.journal"), journal).unwrap();
        let recovered = LocalStore::new(path).read().unwrap();
        assert!(
            recovered.resources.is_empty(),
            "a stale journal must not resurrect resources"
        );
    }

    #[test]
    fn a_second_lock_fails_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("vnetform.tfstate"));
        let _held = store.lock("Apply", Duration::ZERO).unwrap();
        let err = store.lock("Plan", Duration::from_millis(150)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("OperationTypeApply"), "{text}");
        drop(_held);
        store.lock("Plan", Duration::ZERO).unwrap();
    }
}
