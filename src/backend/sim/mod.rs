//! `sim`: a simulated Azure, persisted in an embedded SQLite database.
//!
//! It behaves like ARM for the modelled resource types: deterministic ids, Azure's error
//! codes for what Azure refuses, server-assigned values (public IPs, NIC private addresses,
//! GUIDs), `provisioningState`, and failure injection through `VNETFORM_SIM_FAIL`. The
//! database can be inspected and changed out of band (`vnetform sim list|delete|set`) so that
//! drift can be shown. It never sees plans, configuration or the state file.

mod azure;
mod policy;
mod random;
mod store;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use rusqlite::Connection;

use super::{
    Backend, BackendError, CreateRequest, CreateResponse, DeleteRequest, FindRequest, ReadRequest,
    ReadResponse, UpdateRequest, UpdateResponse,
};
use crate::model;
pub use store::Row;

/// Where the database lives unless `VNETFORM_SIM_DB` says otherwise.
pub const DEFAULT_DB: &str = ".vnetform/sim.db";

/// The operations `VNETFORM_SIM_FAIL` can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Create,
    Update,
    Delete,
}

/// One `VNETFORM_SIM_FAIL` entry: a resource name or id, and optionally one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FailRule {
    target: String,
    op: Option<Op>,
}

fn parse_fail_rules(spec: &str) -> Vec<FailRule> {
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let (target, op) = match entry.rsplit_once(':') {
                Some((t, "create")) => (t, Some(Op::Create)),
                Some((t, "update")) => (t, Some(Op::Update)),
                Some((t, "delete")) => (t, Some(Op::Delete)),
                Some((t, "read")) => (t, Some(Op::Read)),
                _ => (entry, None),
            };
            FailRule {
                target: target.to_lowercase(),
                op,
            }
        })
        .collect()
}

/// The simulated cloud.
pub struct SimCloud {
    conn: Mutex<Connection>,
    path: PathBuf,
    fail: Vec<FailRule>,
}

impl SimCloud {
    /// Opens the simulated cloud at `path`, with failures injected per `fail_spec`.
    pub fn open(path: &Path, fail_spec: Option<&str>) -> Result<SimCloud, BackendError> {
        Ok(SimCloud {
            conn: Mutex::new(store::open(path)?),
            path: path.to_owned(),
            fail: fail_spec.map(parse_fail_rules).unwrap_or_default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn injected_failure(&self, op: Op, id: &str, name: &str) -> Result<(), BackendError> {
        let hit = self.fail.iter().any(|rule| {
            (rule.target == id.to_lowercase() || rule.target == name.to_lowercase())
                && rule.op.is_none_or(|o| o == op)
        });
        if hit {
            let verb = format!("{op:?}").to_lowercase();
            return Err(BackendError::new(
                "SimulatedFailure",
                format!("the simulator was told to fail the {verb} of {name} (VNETFORM_SIM_FAIL)"),
            ));
        }
        Ok(())
    }

    fn with_tx<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, BackendError>,
    ) -> Result<T, BackendError> {
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tx = store::begin(&mut conn)?;
        let out = f(&tx)?;
        tx.commit().map_err(store::db_error)?;
        Ok(out)
    }

    fn write(
        &self,
        resource_type: &str,
        attributes: serde_json::Value,
        must_exist: bool,
    ) -> Result<serde_json::Value, BackendError> {
        // Random values get their id when they are made, as the random provider does.
        let attributes = if !must_exist && resource_type.starts_with("random_") {
            random::generate(resource_type, attributes)?
        } else {
            attributes
        };
        let id = model::id_of(&attributes).unwrap_or_default().to_owned();
        if id.is_empty() {
            return Err(BackendError::new(
                "InvalidRequestFormat",
                format!("a {resource_type} needs a name to form its id"),
            ));
        }
        let name = attributes
            .get("name")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        self.injected_failure(if must_exist { Op::Update } else { Op::Create }, &id, &name)?;
        self.with_tx(|tx| {
            let prior = store::get(tx, &id)?;
            match (&prior, must_exist) {
                (Some(_), false) => {
                    return Err(BackendError::new(
                        "ResourceAlreadyExists",
                        format!("a resource with the ID \"{id}\" already exists; to be managed it needs to be imported into the state"),
                    ));
                }
                (None, true) => {
                    return Err(BackendError::new("ResourceNotFound", format!("the resource {id} was not found")));
                }
                _ => {}
            }
            let attributes = azure::admit(tx, resource_type, attributes, prior.as_ref())?;
            let row = Row::from_attributes(resource_type, attributes);
            store::put(tx, &row)?;
            Ok(row.attributes)
        })
    }

    /// Every resource, sorted by lower-cased id.
    pub fn list(&self) -> Result<Vec<Row>, BackendError> {
        self.with_tx(store::all)
    }

    /// Deletes a resource out of band (no in-use checks: the portal's "force").
    pub fn remove(&self, id: &str) -> Result<(), BackendError> {
        self.with_tx(|tx| match store::get(tx, id)? {
            Some(row) => {
                store::remove(tx, &row.id)?;
                azure::after_delete(tx, &row)
            }
            None => Err(BackendError::new(
                "ResourceNotFound",
                format!("no resource with id {id} in the simulated cloud"),
            )),
        })
    }

    /// Changes one attribute out of band; `path` is dotted (`ip_configuration.0.subnet_id`).
    pub fn set_attribute(
        &self,
        id: &str,
        path: &str,
        value: serde_json::Value,
    ) -> Result<(), BackendError> {
        self.with_tx(|tx| {
            let mut row = store::get(tx, id)?.ok_or_else(|| {
                BackendError::new(
                    "ResourceNotFound",
                    format!("no resource with id {id} in the simulated cloud"),
                )
            })?;
            let slot = path
                .split('.')
                .try_fold(&mut row.attributes, |node, step| match node {
                    serde_json::Value::Object(map) => Some(
                        map.entry(step.to_owned())
                            .or_insert(serde_json::Value::Null),
                    ),
                    serde_json::Value::Array(items) => {
                        step.parse::<usize>().ok().and_then(|i| items.get_mut(i))
                    }
                    serde_json::Value::Null => {
                        *node = serde_json::Value::Object(serde_json::Map::new());
                        node.as_object_mut()
                            .map(|m| m.entry(step.to_owned()).or_insert(serde_json::Value::Null))
                    }
                    _ => None,
                });
            match slot {
                Some(slot) => *slot = value,
                None => {
                    return Err(BackendError::new(
                        "InvalidAttributePath",
                        format!("{path} does not name an attribute of {id}"),
                    ));
                }
            }
            let row = Row {
                attributes: row.attributes.clone(),
                ..Row::from_attributes(&row.resource_type, row.attributes)
            };
            store::put(tx, &row)
        })
    }
}

#[async_trait]
impl Backend for SimCloud {
    fn name(&self) -> &'static str {
        "sim"
    }

    /// The simulator holds any resource type: those without a schema as written.
    fn models(&self, _resource_type: &str) -> bool {
        true
    }

    async fn read(&self, req: ReadRequest) -> Result<ReadResponse, BackendError> {
        let row = self.with_tx(|tx| store::get(tx, &req.id))?;
        if let Some(row) = &row {
            self.injected_failure(Op::Read, &row.id, &row.name)?;
        }
        let attributes = match row {
            Some(row) => Some(row.attributes),
            // As in Azure, a subnet declared inside its VNet can be read on its own.
            None if req.resource_type == "azurerm_subnet" => {
                self.with_tx(|tx| azure::inline_subnet(tx, &req.id))?
            }
            None => None,
        };
        Ok(ReadResponse { attributes })
    }

    async fn find(&self, req: FindRequest) -> Result<ReadResponse, BackendError> {
        let wanted = req.arguments.as_object().cloned().unwrap_or_default();
        let found = self.list()?.into_iter().find(|row| {
            row.resource_type == req.resource_type
                && wanted
                    .iter()
                    .all(|(key, value)| row.attributes.get(key) == Some(value))
        });
        Ok(ReadResponse {
            attributes: found.map(|row| row.attributes),
        })
    }

    async fn create(&self, req: CreateRequest) -> Result<CreateResponse, BackendError> {
        Ok(CreateResponse {
            attributes: self.write(&req.resource_type, req.attributes, false)?,
        })
    }

    async fn update(&self, req: UpdateRequest) -> Result<UpdateResponse, BackendError> {
        Ok(UpdateResponse {
            attributes: self.write(&req.resource_type, req.attributes, true)?,
        })
    }

    async fn delete(&self, req: DeleteRequest) -> Result<(), BackendError> {
        let name = req.id.rsplit('/').next().unwrap_or_default().to_owned();
        self.injected_failure(Op::Delete, &req.id, &name)?;
        self.with_tx(|tx| {
            let Some(row) = store::get(tx, &req.id)? else {
                return Ok(());
            };
            azure::check_delete(tx, &row)?;
            store::remove(tx, &row.id)?;
            azure::after_delete(tx, &row)
        })
    }
}

/// The attributes of a row with secrets removed, for `sim list`.
pub fn redacted(row: &Row) -> serde_json::Value {
    let mut attributes = row.attributes.clone();
    if let (Some(schema), Some(map)) = (
        model::schema(&row.resource_type),
        attributes.as_object_mut(),
    ) {
        for name in model::sensitive_attribute_names(schema) {
            map.remove(name);
        }
    }
    attributes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_failure_rules() {
        let rules = parse_fail_rules("gw1:create, VNet2 ,x:bogus");
        assert_eq!(
            rules[0],
            FailRule {
                target: "gw1".into(),
                op: Some(Op::Create)
            }
        );
        assert_eq!(
            rules[1],
            FailRule {
                target: "vnet2".into(),
                op: None
            }
        );
        assert_eq!(
            rules[2],
            FailRule {
                target: "x:bogus".into(),
                op: None
            }
        );
    }
}
