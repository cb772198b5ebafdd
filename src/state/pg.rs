//! The PostgreSQL state store: a team's state, shared, one workspace per row.
//!
//! Owns three tables in its schema: `states` (one document per workspace, replaced only by
//! a compare-and-swap on its serial, so a stale writer fails even without the lock),
//! `leases` (the lock: a row per workspace naming its holder, renewed by a heartbeat while
//! the run lives, free for the taking once it expires) and `journal` (what an apply completed
//! since the document was last written, one insert per batch). Creating the tables takes no
//! lock at all, so nothing in another schema ever waits on it. It must not touch the local
//! state file, and knows nothing of plans or backends.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::{Client, NoTls};

use super::State;
use super::file;
use super::journal::{self, StateChange, Unconfirmed};
use super::lock::{LockError, LockInfo};
use super::store::{Persisted, StateError, digest, needs_writing};
use crate::addr::ResourceAddr;

/// How long a lease lives without a heartbeat when none is configured.
pub const DEFAULT_LEASE_TIMEOUT: Duration = Duration::from_secs(60);

/// Where a store keeps its state.
#[derive(Debug, Clone)]
pub struct PgLocation {
    /// A libpq connection string or URL (never shown: it may hold a password).
    pub conn_str: String,
    pub schema: String,
    pub workspace: String,
    /// How long a lease outlives its holder's last heartbeat.
    pub lease_timeout: Duration,
}

impl PgLocation {
    /// How messages name the store: never with the connection string.
    fn label(&self) -> String {
        format!(
            "PostgreSQL schema \"{}\", workspace \"{}\"",
            self.schema, self.workspace
        )
    }
}

/// A workspace's state in PostgreSQL.
pub struct PgStore {
    location: PgLocation,
    client: Client,
    persisted: Option<Persisted>,
    journal_entries: usize,
    /// Creates a killed run started and never confirmed, found by [`PgStore::read`].
    unconfirmed: Vec<Unconfirmed>,
    /// Creates under way in this run, journalled again after a fold.
    in_flight: BTreeMap<ResourceAddr, StateChange>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.location.label())
    }
}

impl PgStore {
    /// Connects and makes sure the schema and its tables exist.
    pub fn open(location: PgLocation) -> Result<PgStore, StateError> {
        let mut client = connect(&location)?;
        create_tables(&mut client, &location)?;
        Ok(PgStore {
            location,
            client,
            persisted: None,
            journal_entries: 0,
            unconfirmed: Vec::new(),
            in_flight: BTreeMap::new(),
        })
    }

    /// The creates a killed run started and never confirmed: they may exist in the cloud.
    pub fn unconfirmed(&self) -> &[Unconfirmed] {
        &self.unconfirmed
    }

    /// Takes the workspace's lease for `operation`, waiting up to `timeout` (with backoff)
    /// while another live run holds it. The lease is renewed until the returned guard drops.
    pub fn lock(&self, operation: &str, timeout: Duration) -> Result<Lease, StateError> {
        let location = &self.location;
        let info = LockInfo::new(operation, &location.label());
        let mut client = connect(location)?;
        let started = Instant::now();
        let mut pause = Duration::from_secs(1);
        loop {
            match blocking(|| try_lease(&mut client, location, &info)) {
                Ok(Attempt::Taken) => {
                    return Ok(Lease::start(client, self.location.clone(), info.id));
                }
                Ok(Attempt::Released) => {}
                Ok(Attempt::Held(holder)) if started.elapsed() + pause > timeout => {
                    return Err(LockError::Held(holder).into());
                }
                Ok(Attempt::Held(_)) => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(16));
                }
                Err(e) => return Err(database_error(location, &e)),
            }
        }
    }

    /// Reads the workspace's state (none yet is an empty state), with the operations a
    /// killed run left in the journal replayed onto it.
    pub fn read(&mut self) -> Result<State, StateError> {
        let found = self.run(|client, location| {
            let row = client.query_opt(
                &sql(
                    location,
                    "SELECT document FROM {s}.states WHERE workspace = $1",
                ),
                &[&location.workspace],
            )?;
            let journal = client.query(
                &sql(
                    location,
                    "SELECT lineage, serial, change FROM {s}.journal WHERE workspace = $1 ORDER BY seq",
                ),
                &[&location.workspace],
            )?;
            Ok((row.map(|r| r.get::<_, String>(0)), journal))
        });
        let (document, journal) = found?;
        let mut state = match document {
            Some(text) => {
                let parsed = file::parse(&text).map_err(|source| StateError::Format {
                    path: self.location.label(),
                    source,
                })?;
                self.persisted = Some(Persisted::read(digest(&text), &parsed));
                parsed.state
            }
            None => {
                self.persisted = None;
                State::new()
            }
        };
        self.journal_entries = journal.len();
        if let Some(first) = journal.first() {
            let (lineage, serial): (String, i64) = (first.get(0), first.get(1));
            // A row that does not parse was never committed whole: it ends the replay.
            let changes = journal
                .iter()
                .map_while(|row| serde_json::from_str::<StateChange>(row.get(2)).ok());
            self.unconfirmed = journal::replay_onto(&mut state, &lineage, serial as u64, changes);
        }
        Ok(state)
    }

    /// Persists `state` if its content changed, bumping the serial; the journal, now folded
    /// into the document, is emptied.
    pub fn write(&mut self, state: &mut State) -> Result<(), StateError> {
        let must_write = self.journal_entries > 0;
        if needs_writing(self.persisted.as_ref(), must_write, state) {
            self.put(state)?;
        }
        Ok(())
    }

    /// Replaces the state with `state` at its own serial (`state push`), by the same
    /// compare-and-swap as [`PgStore::write`].
    pub fn replace(&mut self, state: &State) -> Result<(), StateError> {
        self.put(state)
    }

    /// Records completed operations durably, one insert for the batch; folds the journal
    /// into the document once it is as long as the state.
    pub fn append(&mut self, state: &mut State, changes: &[StateChange]) -> Result<(), StateError> {
        let (lineage, serial) = self
            .persisted
            .as_ref()
            .map_or((state.lineage.clone(), 0), |p| {
                (p.lineage.clone(), p.serial)
            });
        let rows: Vec<String> = changes.iter().map(to_json).collect();
        // A batch written twice (the connection lost after its commit) replays the same.
        self.run(|client, location| {
            client.execute(
                &sql(
                    location,
                    "INSERT INTO {s}.journal (workspace, lineage, serial, change) \
                     SELECT $1, $2, $3, unnest($4::text[])",
                ),
                &[&location.workspace, &lineage, &(serial as i64), &rows],
            )
        })?;
        self.journal_entries += changes.len();
        journal::track_in_flight(&mut self.in_flight, changes);
        if journal::due_for_folding(self.journal_entries, state) {
            self.write(state)?;
        }
        Ok(())
    }

    /// Every workspace with a state in this schema, by name.
    pub fn workspaces(&mut self) -> Result<Vec<String>, StateError> {
        let rows = self.run(|client, location| {
            client.query(
                &sql(
                    location,
                    "SELECT workspace FROM {s}.states ORDER BY workspace",
                ),
                &[],
            )
        })?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Every live lease in this schema: workspace, holder and how long it has left unless
    /// renewed, by workspace.
    pub fn leases(&mut self) -> Result<Vec<(String, LockInfo, Duration)>, StateError> {
        let rows = self.run(|client, location| {
            client.query(
                &sql(
                    location,
                    "SELECT workspace, id, holder, \
                     extract(epoch FROM expires - now())::float8 FROM {s}.leases \
                     WHERE expires > now() ORDER BY workspace",
                ),
                &[],
            )
        })?;
        Ok(rows
            .iter()
            .map(|row| {
                let holder = holder_info(&self.location, row.get(1), row.get(2));
                let left = Duration::from_secs_f64(row.get::<_, f64>(3).max(0.0));
                (row.get(0), holder, left)
            })
            .collect())
    }

    /// Releases this workspace's lease if its id is `id`; false when no such lease is held.
    pub fn force_unlock(&mut self, id: &str) -> Result<bool, StateError> {
        let deleted = self.run(|client, location| {
            client.execute(
                &sql(
                    location,
                    "DELETE FROM {s}.leases WHERE workspace = $1 AND id = $2",
                ),
                &[&location.workspace, &id],
            )
        })?;
        Ok(deleted == 1)
    }

    /// Removes this store's workspace: its state, journal and lease.
    pub fn delete_workspace(&mut self) -> Result<(), StateError> {
        self.run(|client, location| {
            let mut tx = client.transaction()?;
            for table in ["states", "journal", "leases"] {
                let statement = format!("DELETE FROM {{s}}.{table} WHERE workspace = $1");
                tx.execute(&sql(location, &statement), &[&location.workspace])?;
            }
            tx.commit()
        })
    }

    /// Writes `state` at its serial if the stored document is still the one this store last
    /// read or wrote, and starts the journal again with the creates still under way, all in
    /// one transaction.
    fn put(&mut self, state: &State) -> Result<(), StateError> {
        let base = self.persisted.as_ref().map_or(0, |p| p.serial);
        let text = file::render(state, state.serial);
        let in_flight: Vec<String> = self.in_flight.values().map(to_json).collect();
        let swapped = self.run(|client, location| {
            let mut tx = client.transaction()?;
            let params: [&(dyn postgres::types::ToSql + Sync); 5] = [
                &location.workspace,
                &state.lineage,
                &(state.serial as i64),
                &text,
                &(base as i64),
            ];
            let written = tx.execute(
                &sql(
                    location,
                    "INSERT INTO {s}.states AS st (workspace, lineage, serial, document) \
                     VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (workspace) DO UPDATE \
                     SET lineage = $2, serial = $3, document = $4 WHERE st.serial = $5",
                ),
                &params,
            )?;
            if written == 0 {
                let found = tx.query_one(
                    &sql(
                        location,
                        "SELECT serial, document = $2 FROM {s}.states WHERE workspace = $1",
                    ),
                    &[&location.workspace, &text],
                )?;
                let (serial, same): (i64, bool) = (found.get(0), found.get(1));
                // This very document, committed before a lost connection hid the answer.
                let already_written = serial as u64 == state.serial && same;
                if !already_written {
                    return Ok(Err(serial as u64));
                }
            }
            tx.execute(
                &sql(location, "DELETE FROM {s}.journal WHERE workspace = $1"),
                &[&location.workspace],
            )?;
            if !in_flight.is_empty() {
                tx.execute(
                    &sql(
                        location,
                        "INSERT INTO {s}.journal (workspace, lineage, serial, change) \
                         SELECT $1, $2, $3, unnest($4::text[])",
                    ),
                    &[
                        &location.workspace,
                        &state.lineage,
                        &(state.serial as i64),
                        &in_flight,
                    ],
                )?;
            }
            tx.commit()?;
            Ok(Ok(()))
        })?;
        if let Err(found) = swapped {
            return Err(StateError::Stale {
                path: self.location.label(),
                found,
                expected: base,
            });
        }
        self.persisted = Some(Persisted {
            lineage: state.lineage.clone(),
            serial: state.serial,
            digest: digest(&text),
        });
        self.journal_entries = in_flight.len();
        Ok(())
    }

    /// Runs `work` on the connection. A connection the server dropped (a restart) is opened
    /// again and `work` run once more: every statement here may run twice (writes are
    /// compare-and-swap, a journal batch replays the same twice).
    fn run<T: Send>(
        &mut self,
        work: impl Fn(&mut Client, &PgLocation) -> Result<T, postgres::Error> + Sync,
    ) -> Result<T, StateError> {
        let (client, location) = (&mut self.client, &self.location);
        blocking(|| match work(client, location) {
            Err(e) if connection_lost(client, &e) => {
                *client = reconnect(location)?;
                work(client, location)
            }
            done => done,
        })
        .map_err(|e| database_error(location, &e))
    }
}

/// A held lease: renewed on its own connection until dropped, then released.
pub struct Lease {
    id: String,
    stop: Option<mpsc::Sender<()>>,
    heartbeat: Option<JoinHandle<()>>,
}

impl Lease {
    fn start(mut client: Client, location: PgLocation, id: String) -> Lease {
        let (stop, stopped) = mpsc::channel::<()>();
        let lease_id = id.clone();
        let heartbeat = std::thread::spawn(move || {
            let every = location.lease_timeout / 3;
            let renew = sql(
                &location,
                "UPDATE {s}.leases SET expires = now() + make_interval(secs => $3) \
                 WHERE workspace = $1 AND id = $2",
            );
            let seconds = location.lease_timeout.as_secs_f64();
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                // A renewal that fails (the server restarting) is tried again at the next
                // beat, on a new connection if the old one is gone; the lease holds until it
                // expires.
                if client.is_closed()
                    && let Ok(fresh) = Client::connect(&location.conn_str, NoTls)
                {
                    client = fresh;
                }
                let _ = client.execute(&renew, &[&location.workspace, &lease_id, &seconds]);
            }
            let release = sql(
                &location,
                "DELETE FROM {s}.leases WHERE workspace = $1 AND id = $2",
            );
            // Not released (the server gone): it expires on its own.
            let _ = client.execute(&release, &[&location.workspace, &lease_id]);
        });
        Lease {
            id,
            stop: Some(stop),
            heartbeat: Some(heartbeat),
        }
    }

    /// The lease's id, as `force-unlock` takes it.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(heartbeat) = self.heartbeat.take() {
            let _ = heartbeat.join();
        }
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lease({})", self.id)
    }
}

/// What an attempt to take a lease found.
enum Attempt {
    Taken,
    /// A live lease, and who holds it.
    Held(Box<LockInfo>),
    /// Held when tried, released before its holder could be read: try again.
    Released,
}

/// Takes the workspace's lease for `info` unless a live one is held.
fn try_lease(
    client: &mut Client,
    location: &PgLocation,
    info: &LockInfo,
) -> Result<Attempt, postgres::Error> {
    let holder = serde_json::to_string(info).expect("lock info serialises");
    let taken = client.execute(
        &sql(
            location,
            "INSERT INTO {s}.leases AS l (workspace, id, holder, expires) \
             VALUES ($1, $2, $3, now() + make_interval(secs => $4)) \
             ON CONFLICT (workspace) DO UPDATE \
             SET id = $2, holder = $3, expires = now() + make_interval(secs => $4) \
             WHERE l.expires < now()",
        ),
        &[
            &location.workspace,
            &info.id,
            &holder,
            &location.lease_timeout.as_secs_f64(),
        ],
    )?;
    if taken == 1 {
        return Ok(Attempt::Taken);
    }
    let row = client.query_opt(
        &sql(
            location,
            "SELECT id, holder FROM {s}.leases WHERE workspace = $1",
        ),
        &[&location.workspace],
    )?;
    Ok(row.map_or(Attempt::Released, |row| {
        Attempt::Held(Box::new(holder_info(location, row.get(0), row.get(1))))
    }))
}

/// Who holds lease `id`, as recorded; a holder written by something else than this version
/// still holds the lease.
fn holder_info(location: &PgLocation, id: String, recorded: &str) -> LockInfo {
    serde_json::from_str(recorded).unwrap_or_else(|_| LockInfo {
        id,
        operation: "unknown".into(),
        info: "the holder did not record itself".into(),
        who: "unknown".into(),
        version: "unknown".into(),
        created: "unknown".into(),
        path: location.label(),
    })
}

/// Whether `error` means the server dropped the connection: closed, a connection exception
/// (class 08), or the server shutting down (57P01 to 57P03), which can arrive before the
/// connection reads as closed.
fn connection_lost(client: &Client, error: &postgres::Error) -> bool {
    let code = error.code().map(SqlState::code).unwrap_or_default();
    client.is_closed() || error.is_closed() || code.starts_with("08") || code.starts_with("57P")
}

/// How long a store keeps trying to reach a server that went away (restarting, say).
const RECONNECT_FOR: Duration = Duration::from_secs(30);

/// A new connection, tried every half second for [`RECONNECT_FOR`].
fn reconnect(location: &PgLocation) -> Result<Client, postgres::Error> {
    let started = Instant::now();
    loop {
        match Client::connect(&location.conn_str, NoTls) {
            Err(_) if started.elapsed() < RECONNECT_FOR => {
                std::thread::sleep(Duration::from_millis(500));
            }
            done => return done,
        }
    }
}

fn connect(location: &PgLocation) -> Result<Client, StateError> {
    blocking(|| Client::connect(&location.conn_str, NoTls))
        .map_err(|e| database_error(location, &e))
}

/// Creates the schema and its tables when missing, so a user who may only use tables an
/// administrator created needs no other privilege. Two runs creating them at once both
/// succeed: the loser of the race sees the winner's objects and tries again.
fn create_tables(client: &mut Client, location: &PgLocation) -> Result<(), StateError> {
    let present = sql(
        location,
        "SELECT to_regclass('{s}.states') IS NOT NULL AND to_regclass('{s}.leases') IS NOT NULL \
         AND to_regclass('{s}.journal') IS NOT NULL",
    );
    let all_there = blocking(|| client.query_one(&present, &[]))
        .map_err(|e| database_error(location, &e))?
        .get::<_, bool>(0);
    if all_there {
        return Ok(());
    }
    let ddl = sql(
        location,
        "CREATE SCHEMA IF NOT EXISTS {s};
         CREATE TABLE IF NOT EXISTS {s}.states (
             workspace text PRIMARY KEY, lineage text NOT NULL, serial bigint NOT NULL,
             document text NOT NULL);
         CREATE TABLE IF NOT EXISTS {s}.leases (
             workspace text PRIMARY KEY, id text NOT NULL, holder text NOT NULL,
             expires timestamptz NOT NULL);
         CREATE TABLE IF NOT EXISTS {s}.journal (
             seq bigserial PRIMARY KEY, workspace text NOT NULL, lineage text NOT NULL,
             serial bigint NOT NULL, change text NOT NULL);",
    );
    let raced = |e: &postgres::Error| {
        e.code().is_some_and(|c| {
            [
                SqlState::UNIQUE_VIOLATION,
                SqlState::DUPLICATE_SCHEMA,
                SqlState::DUPLICATE_TABLE,
            ]
            .contains(c)
        })
    };
    let mut attempt = || blocking(|| client.batch_execute(&ddl));
    match attempt() {
        Err(e) if raced(&e) => attempt(),
        other => other,
    }
    .map_err(|e| database_error(location, &e))
}

/// `template` with `{s}` replaced by the schema, quoted as an identifier.
fn sql(location: &PgLocation, template: &str) -> String {
    let quoted = format!("\"{}\"", location.schema.replace('"', "\"\""));
    template.replace("{s}", &quoted)
}

fn to_json(change: &StateChange) -> String {
    serde_json::to_string(change).expect("changes serialise")
}

fn database_error(location: &PgLocation, error: &postgres::Error) -> StateError {
    StateError::Database {
        store: location.label(),
        message: error
            .as_db_error()
            .map_or_else(|| error.to_string(), |db| db.message().to_owned()),
    }
}

/// Runs `f`, which blocks on the database, off any async runtime's thread: the blocking
/// client drives its own runtime, which cannot run inside another (apply persists from one).
fn blocking<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|scope| scope.spawn(f).join().expect("database calls do not panic"))
    } else {
        f()
    }
}
