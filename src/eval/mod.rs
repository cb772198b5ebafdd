//! Evaluation: turns a [`Config`] into the [`DesiredState`] — every resource's planned object
//! with unknown and sensitive marks — plus the root outputs.
//!
//! Owns variables ([`vars`]), locals, references, functions and the conversion of a resource
//! body to an object per its schema. Resources are evaluated lazily in reference order, so a
//! reference to another resource sees that resource's *planned* value (ids known, server-
//! assigned values unknown until apply). It never reads files other than variable files,
//! never orders resources for execution (that is `graph`), never decides actions (`plan`).

pub mod error;
mod expr;
mod functions;
mod resources;
mod scope;
pub mod value;
pub mod vars;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::addr::ResourceAddr;
use crate::config::{Config, Expr, Lifecycle};
use crate::model::PlannedObject;
use crate::source::Span;
pub use error::{EvalError, EvalErrors, EvalWarning};
use scope::{ConfigScope, Shared};
use value::Value;

/// How a data source names the object it reads.
#[derive(Debug, Clone, Copy)]
pub enum DataQuery<'q> {
    /// By ARM id, as an object of the managed resource type `reads`.
    Id { reads: &'q str, id: &'q str },
    /// The object of `resource_type` holding every one of `arguments` (a JSON object).
    Matching {
        resource_type: &'q str,
        arguments: &'q serde_json::Value,
    },
}

/// Reads the object a data source names: its attributes, `None` when it does not exist,
/// `Err` with a message when the read failed.
pub type DataReader<'a> = dyn Fn(DataQuery<'_>) -> Result<Option<serde_json::Value>, String> + 'a;

/// What evaluation needs besides the configuration.
pub struct EvalRequest<'a> {
    pub config: &'a Config,
    pub variables: &'a BTreeMap<String, Value>,
    /// Refreshed prior attributes of every resource in state.
    pub prior: &'a BTreeMap<ResourceAddr, crate::state::ResourceState>,
    pub working_dir: &'a Path,
    /// The selected workspace (`terraform.workspace`).
    pub workspace: &'a str,
    /// The environment: `ARM_SUBSCRIPTION_ID` is used when the provider block sets no
    /// `subscription_id`, `ARM_TENANT_ID` and `ARM_CLIENT_ID` by `azurerm_client_config`.
    pub env: &'a BTreeMap<String, String>,
    /// Reads existing objects for data sources; `None` defers every read to apply
    /// (`validate` has no backend).
    pub data: Option<&'a DataReader<'a>>,
    /// `validate`: a `count` or `for_each` that is not known yet (its variables have no
    /// value) evaluates its block once, with unknown `count.index` / `each`, instead of
    /// failing as a plan must.
    pub validating: bool,
    /// Nothing evaluates this configuration again (a plan): each resource block's body is
    /// released as soon as it is evaluated, which keeps a large plan's memory down.
    pub evaluate_once: bool,
}

/// The end state the configuration describes.
#[derive(Debug)]
pub struct DesiredState {
    pub subscription: String,
    /// Every resource block of the configuration (addresses without instance keys).
    pub declared: BTreeSet<ResourceAddr>,
    /// Resource types planned without a schema, so without any domain checks.
    pub opaque_types: BTreeSet<String>,
    /// Problems worth knowing that do not stop the run (old argument names, ...).
    pub warnings: Vec<EvalWarning>,
    pub resources: BTreeMap<ResourceAddr, DesiredResource>,
    pub outputs: BTreeMap<String, OutputValue>,
}

/// One resource as configured and planned.
#[derive(Debug, Clone)]
pub struct DesiredResource {
    pub addr: ResourceAddr,
    pub planned: PlannedObject,
    /// Resources this one refers to (directly, through locals, or by `depends_on`).
    pub deps: BTreeSet<ResourceAddr>,
    pub span: Span,
    pub lifecycle: Lifecycle,
    /// For a data source: why it cannot be read until apply (`None`: read during plan).
    pub read_during_apply: Option<DeferredRead>,
    /// Its configuration holds values known only after apply (a random password, another
    /// resource's id), so apply evaluates it again just before creating or updating it.
    pub config_unknown: bool,
}

/// Why a data source is read during apply rather than during plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeferredRead {
    /// Its arguments refer to values known only after apply.
    ConfigUnknown,
    /// It `depends_on` a resource that does not exist yet.
    DependencyPending,
}

/// A root output's value.
#[derive(Debug, Clone)]
pub struct OutputValue {
    pub value: Value,
    pub sensitive: bool,
}

/// Evaluates the whole configuration, every module instance included, reporting every
/// problem at once.
pub fn evaluate(req: &EvalRequest<'_>) -> Result<DesiredState, EvalErrors> {
    let shared = Shared::new(req);
    let root = ConfigScope::root(&shared);
    let subscription = shared.default_subscription();
    root.walk();
    let mut outputs = BTreeMap::new();
    for (name, output) in &req.config.root.outputs {
        if let Some(v) = root.guard(root.eval(&output.value)) {
            if v.contains_sensitive() && !output.sensitive {
                shared.errors.borrow_mut().push(EvalError::invalid(
                    "Output refers to sensitive values",
                    "this value is sensitive",
                    Some("add sensitive = true to the output block to confirm it may be shown only on request".into()),
                    req.config.sources.locate(output.value.span()),
                ));
            }
            outputs.insert(
                name.clone(),
                OutputValue {
                    value: v,
                    sensitive: output.sensitive,
                },
            );
        }
    }
    drop(root);
    let shared = shared.finish();
    if !shared.errors.is_empty() {
        return Err(EvalErrors {
            errors: shared.errors,
        });
    }
    Ok(DesiredState {
        subscription,
        declared: shared.declared,
        opaque_types: shared.opaque_types,
        warnings: shared.warnings,
        resources: shared.desired,
        outputs,
    })
}

/// Evaluates the configuration, then `expr` in the root module, as `console` does: the
/// expression sees variables, locals, resources, data sources and functions.
pub fn evaluate_in_root(req: &EvalRequest<'_>, expr: &Expr) -> Result<Value, EvalErrors> {
    let shared = Shared::new(req);
    let root = ConfigScope::root(&shared);
    root.walk();
    root.eval(expr).map_err(|error| EvalErrors {
        errors: vec![error],
    })
}

impl DesiredState {
    /// Every warning of the evaluation, with the one that lists the resource types planned
    /// without domain checks last.
    pub fn take_warnings(&mut self) -> Vec<EvalWarning> {
        let mut warnings = std::mem::take(&mut self.warnings);
        warnings.sort_by_key(EvalWarning::position);
        // A warning inside a repeated block is found once per instance; report it once.
        warnings.dedup_by(|a, b| a.position() == b.position() && a.to_string() == b.to_string());
        if !self.opaque_types.is_empty() {
            let types = self
                .opaque_types
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            warnings.push(EvalWarning::Opaque { types });
        }
        warnings
    }
}
