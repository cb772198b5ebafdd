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
mod timing;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::Connection;

use super::{
    Backend, BackendError, CreateRequest, CreateResponse, DeleteRequest, FindRequest, ReadRequest,
    ReadResponse, UpdateRequest, UpdateResponse,
};
use crate::model;
pub(crate) use azure::{list, text};
pub use store::Row;
pub use timing::SimOptions;
use timing::{Timing, Work};

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
    timing: Timing,
    public_ranges: Vec<ipnet::Ipv4Net>,
}

/// Milliseconds since the epoch: when pending operations fall due, across processes.
fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl SimCloud {
    /// Opens the simulated cloud at `path`, behaving as `options` say.
    pub fn open(path: &Path, options: &SimOptions) -> Result<SimCloud, BackendError> {
        Ok(SimCloud {
            conn: Mutex::new(store::open(path)?),
            path: path.to_owned(),
            fail: options
                .fail
                .as_deref()
                .map(parse_fail_rules)
                .unwrap_or_default(),
            timing: Timing::new(options),
            public_ranges: options.public_ranges.clone(),
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
        settle(&tx)?;
        let out = f(&tx)?;
        tx.commit().map_err(store::db_error)?;
        Ok(out)
    }

    /// Creates (or, with `must_exist`, updates) an object: checked and stored at once, as
    /// Azure accepts a request, then done after the operation's duration.
    async fn write(
        &self,
        resource_type: &str,
        attributes: serde_json::Value,
        must_exist: bool,
    ) -> Result<serde_json::Value, BackendError> {
        self.timing.fault()?;
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
        let (op, work) = if must_exist {
            (Op::Update, Work::Update)
        } else {
            (Op::Create, Work::Create)
        };
        let failure = self.injected_failure(op, &id, &name).err();
        let delay = self.timing.duration(resource_type, work);
        let stored = self.with_tx(|tx| {
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
            let attributes = azure::admit(
                tx,
                resource_type,
                attributes,
                prior.as_ref(),
                &self.public_ranges,
            )?;
            let mut row = Row::from_attributes(resource_type, attributes);
            if failure.is_some() {
                // Accepted, then failed while provisioning: Azure keeps the object.
                row.provisioning_state = "Failed".into();
            }
            store::put(tx, &row)?;
            azure::after_write(tx, &row)?;
            if failure.is_none() && !delay.is_zero() {
                store::accept(tx, &row.id, "write", now_millis() + delay.as_millis() as i64)?;
            }
            Ok(row.attributes)
        })?;
        if let Some(mut failure) = failure {
            if op == Op::Create {
                failure.left_behind = Some(stored);
            }
            return Err(failure);
        }
        self.wait_until_done(delay).await?;
        Ok(stored)
    }

    /// Waits out an accepted operation, then finishes it (unless someone already did).
    async fn wait_until_done(&self, delay: Duration) -> Result<(), BackendError> {
        if delay.is_zero() {
            return Ok(());
        }
        tokio::time::sleep(delay).await;
        // Settling finishes whatever is due, this operation included.
        self.with_tx(|_| Ok(()))
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
            store::put(tx, &row)?;
            azure::after_write(tx, &row)
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
        self.timing.fault()?;
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
            attributes: self
                .write(&req.resource_type, req.attributes, false)
                .await?,
        })
    }

    async fn update(&self, req: UpdateRequest) -> Result<UpdateResponse, BackendError> {
        Ok(UpdateResponse {
            attributes: self.write(&req.resource_type, req.attributes, true).await?,
        })
    }

    async fn delete(&self, req: DeleteRequest) -> Result<(), BackendError> {
        self.timing.fault()?;
        let name = req.id.rsplit('/').next().unwrap_or_default().to_owned();
        self.injected_failure(Op::Delete, &req.id, &name)?;
        let delay = self.timing.duration(&req.resource_type, Work::Delete);
        // A delete already under way (by a client killed while it waited) is waited for.
        let wait = self.with_tx(|tx| {
            let Some(row) = store::get(tx, &req.id)? else {
                return Ok(Duration::ZERO);
            };
            if row.provisioning_state == "Deleting" {
                let due = store::pending_due(tx, &row.id)?.unwrap_or_default();
                return Ok(Duration::from_millis((due - now_millis()).max(0) as u64));
            }
            azure::check_delete(tx, &row)?;
            if delay.is_zero() {
                store::remove(tx, &row.id)?;
                azure::after_delete(tx, &row)?;
            } else {
                store::accept(
                    tx,
                    &row.id,
                    "delete",
                    now_millis() + delay.as_millis() as i64,
                )?;
            }
            Ok(delay)
        })?;
        self.wait_until_done(wait).await
    }

    fn time_scale(&self) -> f64 {
        self.timing.latency()
    }
}

/// Finishes the accepted operations that are due: writes succeed, deletes remove the object.
fn settle(tx: &Connection) -> Result<(), BackendError> {
    for (key, work) in store::due_operations(tx, now_millis())? {
        if work == "delete" {
            if let Some(row) = store::get(tx, &key)? {
                store::remove(tx, &row.id)?;
                azure::after_delete(tx, &row)?;
            }
        } else {
            store::set_provisioning_state(tx, &key, "Succeeded")?;
        }
        store::finish(tx, &key)?;
    }
    Ok(())
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
