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
    conn.busy_timeout(Duration::from_secs(30))
        .map_err(db_error)?;
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
        );",
    )
    .map_err(db_error)?;
    Ok(conn)
}

pub(super) fn begin(conn: &mut Connection) -> Result<Transaction<'_>, BackendError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_error)
}

pub(super) fn get(tx: &Connection, id: &str) -> Result<Option<Row>, BackendError> {
    tx.query_row(
        "SELECT id, type, name, resource_group, location, provisioning_state, attributes FROM resources WHERE key = ?1",
        params![id.to_lowercase()],
        row_from_sql,
    )
    .optional()
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
    Ok(())
}

pub(super) fn remove(tx: &Connection, id: &str) -> Result<bool, BackendError> {
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

/// Every resource of one type, sorted by lower-cased id.
pub(super) fn of_type(tx: &Connection, resource_type: &str) -> Result<Vec<Row>, BackendError> {
    Ok(all(tx)?
        .into_iter()
        .filter(|r| r.resource_type == resource_type)
        .collect())
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
