//! The simulator's embedded database: one row per resource, keyed by its lower-cased ARM id.
//!
//! Several vnetform processes may share one database (a data source in one configuration can
//! find what another created); every operation runs in its own immediate transaction.

use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::backend::BackendError;

/// One resource held by the simulated cloud.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: String,
    pub resource_type: String,
    pub name: String,
    pub resource_group: String,
    pub location: String,
    pub provisioning_state: String,
    pub attributes: serde_json::Value,
}

impl Row {
    pub fn from_attributes(resource_type: &str, attributes: serde_json::Value) -> Row {
        let s = |k: &str| {
            attributes
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let resource_group = if resource_type == "azurerm_resource_group" {
            s("name")
        } else {
            s("resource_group_name")
        };
        Row {
            id: s("id"),
            resource_type: resource_type.to_owned(),
            name: s("name"),
            resource_group,
            location: s("location"),
            provisioning_state: "Succeeded".into(),
            attributes,
        }
    }
}

pub(super) fn db_error(e: rusqlite::Error) -> BackendError {
    BackendError::new("SimulatorDatabaseError", e.to_string())
}

/// How long an operation waits for another process's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens (creating if needed, mode 0600) the database at `path`.
pub(super) fn open(path: &Path) -> Result<Connection, BackendError> {
    let io = |e: std::io::Error| {
        BackendError::new("SimulatorDatabaseError", format!("{}: {e}", path.display()))
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    let conn = Connection::open(path).map_err(db_error)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db_error)?;
    // A write-ahead log without a sync per transaction: a killed process loses nothing that
    // committed (the operating system holds it), and the simulator does not pretend to
    // survive power loss, which a sync per operation would cost thousands of times over.
    // Two processes opening a new database at once race to switch it to WAL, and SQLite
    // reports the loser busy without waiting: it tries again.
    when_not_busy(|| conn.pragma_update(None, "journal_mode", "WAL"))?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(db_error)?;
    when_not_busy(|| {
        conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS resources (
            key TEXT PRIMARY KEY,
            id TEXT NOT NULL,
            type TEXT NOT NULL,
            name TEXT NOT NULL,
            resource_group TEXT NOT NULL,
            location TEXT NOT NULL,
            provisioning_state TEXT NOT NULL,
            attributes TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS resources_by_group ON resources (resource_group COLLATE NOCASE);
        -- Public addresses in use, so that handing out a free one is a lookup, not a scan.
        CREATE INDEX IF NOT EXISTS public_addresses ON resources (json_extract(attributes, '$.ip_address'))
          WHERE type = 'azurerm_public_ip';
        -- Which resource names which other resource's id in which argument: in-use checks and
        -- per-gateway limits are lookups here, not scans of every resource.
        CREATE TABLE IF NOT EXISTS refs (from_key TEXT NOT NULL, attr TEXT NOT NULL, to_key TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS refs_by_target ON refs (to_key);
        CREATE INDEX IF NOT EXISTS refs_by_source ON refs (from_key);
        -- Operations accepted but not finished (with latency): what a client killed while it
        -- waited leaves behind, finished by whoever looks once they are due.
        CREATE TABLE IF NOT EXISTS operations (key TEXT PRIMARY KEY, work TEXT NOT NULL, due INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS operations_by_due ON operations (due);",
    )
    })?;
    Ok(conn)
}

/// Runs `f` again while SQLite reports the database busy, for up to the busy timeout.
fn when_not_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> Result<T, BackendError> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other.map_err(db_error),
        }
    }
}

pub(super) fn begin(conn: &mut Connection) -> Result<Transaction<'_>, BackendError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_error)
}

pub(super) fn get(tx: &Connection, id: &str) -> Result<Option<Row>, BackendError> {
    // Cached: a refresh reads every object, one statement each.
    tx.prepare_cached(
        "SELECT id, type, name, resource_group, location, provisioning_state, attributes FROM resources WHERE key = ?1",
    )
    .and_then(|mut statement| {
        statement
            .query_row(params![id.to_lowercase()], row_from_sql)
            .optional()
    })
    .map_err(db_error)
}

pub(super) fn put(tx: &Connection, row: &Row) -> Result<(), BackendError> {
    tx.execute(
        "INSERT INTO resources (key, id, type, name, resource_group, location, provisioning_state, attributes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(key) DO UPDATE SET id = ?2, type = ?3, name = ?4, resource_group = ?5, location = ?6,
           provisioning_state = ?7, attributes = ?8",
        params![
            row.id.to_lowercase(),
            row.id,
            row.resource_type,
            row.name,
            row.resource_group,
            row.location,
            row.provisioning_state,
            row.attributes.to_string()
        ],
    )
    .map_err(db_error)?;
    let key = row.id.to_lowercase();
    tx.execute("DELETE FROM refs WHERE from_key = ?1", params![key])
        .map_err(db_error)?;
    let mut insert = tx
        .prepare_cached("INSERT INTO refs (from_key, attr, to_key) VALUES (?1, ?2, ?3)")
        .map_err(db_error)?;
    for (attr, target) in references(&key, &row.attributes) {
        insert
            .execute(params![key, attr, target])
            .map_err(db_error)?;
    }
    Ok(())
}

/// The ids of other resources an object's arguments name, lower-cased, with the top-level
/// argument naming each (its own id and its sub-resources' ids are not references).
fn references(own: &str, attributes: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) if s.starts_with("/subscriptions/") => {
                out.push(s.to_lowercase())
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (attr, value) in attributes.as_object().into_iter().flatten() {
        let mut targets = Vec::new();
        walk(value, &mut targets);
        targets.retain(|t| t != own && !t.starts_with(&format!("{own}/")));
        targets.sort();
        targets.dedup();
        out.extend(targets.into_iter().map(|t| (attr.clone(), t)));
    }
    out
}

/// A resource that names another in one of its arguments.
#[derive(Debug, Clone)]
pub struct Referrer {
    pub id: String,
    pub resource_type: String,
    pub name: String,
    pub attr: String,
}

/// The resources whose arguments name `id`, or with `prefix`, any id under it.
pub(super) fn referrers(
    tx: &Connection,
    id: &str,
    prefix: bool,
) -> Result<Vec<Referrer>, BackendError> {
    let (low, high) = key_range(id, prefix);
    let mut stmt = tx
        .prepare_cached(
            "SELECT r.id, r.type, r.name, refs.attr FROM refs JOIN resources r ON r.key = refs.from_key
             WHERE refs.to_key >= ?1 AND refs.to_key < ?2 ORDER BY r.key",
        )
        .map_err(db_error)?;
    let rows = stmt
        .query_map(params![low, high], |r| {
            Ok(Referrer {
                id: r.get(0)?,
                resource_type: r.get(1)?,
                name: r.get(2)?,
                attr: r.get(3)?,
            })
        })
        .map_err(db_error)?;
    rows.collect::<Result<_, _>>().map_err(db_error)
}

/// The keys (lower-cased ids) of the VNet-to-VNet connections (those naming a peer
/// gateway) from gateway `from` to gateway `to`.
pub(super) fn connections_between(
    tx: &Connection,
    from: &str,
    to: &str,
) -> Result<Vec<String>, BackendError> {
    let mut stmt = tx
        .prepare_cached(
            "SELECT a.from_key FROM refs a
             JOIN refs b ON b.from_key = a.from_key
             WHERE a.to_key = ?1 AND a.attr = 'virtual_network_gateway_id'
               AND b.to_key = ?2 AND b.attr = 'peer_virtual_network_gateway_id'
             ORDER BY a.from_key",
        )
        .map_err(db_error)?;
    let ids = stmt
        .query_map(params![from.to_lowercase(), to.to_lowercase()], |r| {
            r.get(0)
        })
        .map_err(db_error)?;
    ids.collect::<Result<_, _>>().map_err(db_error)
}

/// Sets one top-level attribute of a stored object in place (one that is no reference).
pub(super) fn set_plain_attribute(
    tx: &Connection,
    id: &str,
    name: &str,
    value: &str,
) -> Result<(), BackendError> {
    tx.prepare_cached(
        "UPDATE resources SET attributes = json_set(attributes, ?2, ?3) WHERE key = ?1",
    )
    .and_then(|mut stmt| stmt.execute(params![id.to_lowercase(), format!("$.{name}"), value]))
    .map(|_| ())
    .map_err(db_error)
}

/// The resources of one type whose ids start with `prefix` (a VNet's subnets), by id.
pub(super) fn under(
    tx: &Connection,
    prefix: &str,
    resource_type: &str,
) -> Result<Vec<Row>, BackendError> {
    let (low, high) = key_range(prefix, true);
    let mut stmt = tx
        .prepare_cached(
            "SELECT id, type, name, resource_group, location, provisioning_state, attributes FROM resources
             WHERE key >= ?1 AND key < ?2 AND type = ?3 ORDER BY key",
        )
        .map_err(db_error)?;
    let rows = stmt
        .query_map(params![low, high, resource_type], row_from_sql)
        .map_err(db_error)?;
    rows.collect::<Result<_, _>>().map_err(db_error)
}

/// The keys equal to `id` (lower-cased) or, with `prefix`, starting with it, as a half-open
/// range an index can answer (keys are ASCII, so U+FFFF sorts after every continuation).
fn key_range(id: &str, prefix: bool) -> (String, String) {
    let low = id.to_lowercase();
    let high = if prefix {
        format!("{low}\u{FFFF}")
    } else {
        format!("{low}\0")
    };
    (low, high)
}

/// The name of some resource in resource group `group` other than `except_id`.
pub(super) fn any_in_group(
    tx: &Connection,
    group: &str,
    except_id: &str,
) -> Result<Option<String>, BackendError> {
    tx.query_row(
        "SELECT name FROM resources WHERE resource_group = ?1 COLLATE NOCASE AND key != ?2 ORDER BY key LIMIT 1",
        params![group, except_id.to_lowercase()],
        |r| r.get(0),
    )
    .optional()
    .map_err(db_error)
}

/// Whether a public IP other than `except_id` holds `address`.
pub(super) fn public_address_taken(
    tx: &Connection,
    address: &str,
    except_id: &str,
) -> Result<bool, BackendError> {
    tx.query_row(
        "SELECT 1 FROM resources WHERE type = 'azurerm_public_ip' AND key != ?2
         AND json_extract(attributes, '$.ip_address') = ?1 LIMIT 1",
        params![address, except_id.to_lowercase()],
        |_| Ok(()),
    )
    .optional()
    .map(|found| found.is_some())
    .map_err(db_error)
}

/// Records that `work` ("write" or "delete") on `id` was accepted and finishes at `due`
/// (milliseconds since the epoch), and shows it in the resource's provisioning state.
pub(super) fn accept(tx: &Connection, id: &str, work: &str, due: i64) -> Result<(), BackendError> {
    let key = id.to_lowercase();
    tx.execute(
        "INSERT INTO operations (key, work, due) VALUES (?1, ?2, ?3)
         ON CONFLICT(key) DO UPDATE SET work = ?2, due = ?3",
        params![key, work, due],
    )
    .map_err(db_error)?;
    let shown = if work == "delete" {
        "Deleting"
    } else {
        "Updating"
    };
    set_provisioning_state(tx, &key, shown)
}

/// The operations due by `now`, as (lower-cased id, work).
pub(super) fn due_operations(
    tx: &Connection,
    now: i64,
) -> Result<Vec<(String, String)>, BackendError> {
    let mut stmt = tx
        .prepare_cached("SELECT key, work FROM operations WHERE due <= ?1 ORDER BY due, key")
        .map_err(db_error)?;
    let rows = stmt
        .query_map(params![now], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db_error)?;
    rows.collect::<Result<_, _>>().map_err(db_error)
}

/// When the operation accepted on `id` is due, if one is pending.
pub(super) fn pending_due(tx: &Connection, id: &str) -> Result<Option<i64>, BackendError> {
    tx.query_row(
        "SELECT due FROM operations WHERE key = ?1",
        params![id.to_lowercase()],
        |r| r.get(0),
    )
    .optional()
    .map_err(db_error)
}

/// Forgets the pending operation on `id`.
pub(super) fn finish(tx: &Connection, id: &str) -> Result<(), BackendError> {
    tx.execute(
        "DELETE FROM operations WHERE key = ?1",
        params![id.to_lowercase()],
    )
    .map_err(db_error)?;
    Ok(())
}

pub(super) fn set_provisioning_state(
    tx: &Connection,
    id: &str,
    state: &str,
) -> Result<(), BackendError> {
    tx.execute(
        "UPDATE resources SET provisioning_state = ?2 WHERE key = ?1",
        params![id.to_lowercase(), state],
    )
    .map_err(db_error)?;
    Ok(())
}

pub(super) fn remove(tx: &Connection, id: &str) -> Result<bool, BackendError> {
    tx.execute(
        "DELETE FROM refs WHERE from_key = ?1",
        params![id.to_lowercase()],
    )
    .map_err(db_error)?;
    Ok(tx
        .execute(
            "DELETE FROM resources WHERE key = ?1",
            params![id.to_lowercase()],
        )
        .map_err(db_error)?
        > 0)
}

/// Every resource, sorted by lower-cased id.
pub(super) fn all(tx: &Connection) -> Result<Vec<Row>, BackendError> {
    let mut stmt = tx
        .prepare("SELECT id, type, name, resource_group, location, provisioning_state, attributes FROM resources ORDER BY key")
        .map_err(db_error)?;
    let rows = stmt.query_map([], row_from_sql).map_err(db_error)?;
    rows.collect::<Result<_, _>>().map_err(db_error)
}

fn row_from_sql(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let attributes: String = r.get(6)?;
    Ok(Row {
        id: r.get(0)?,
        resource_type: r.get(1)?,
        name: r.get(2)?,
        resource_group: r.get(3)?,
        location: r.get(4)?,
        provisioning_state: r.get(5)?,
        attributes: serde_json::from_str(&attributes).unwrap_or_default(),
    })
}
