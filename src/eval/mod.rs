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
pub mod value;
pub mod vars;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use hcl_edit::Decorated;
use hcl_edit::expr::TraversalOperator;

use crate::addr::ResourceAddr;
use crate::config::{Config, Expr, Lifecycle};
use crate::model::{self, PlannedObject};
use crate::source::{Sources, Span};
pub use error::{EvalError, EvalErrors, EvalWarning};
use expr::{Evaluator, Frame, Scope};
use value::Value;

/// Reads the object a data source names: (managed resource type, ARM id) → its attributes,
/// `None` when it does not exist, `Err` with a message when the read failed.
pub type DataReader<'a> = dyn Fn(&str, &str) -> Result<Option<serde_json::Value>, String> + 'a;

/// What evaluation needs besides the configuration.
pub struct EvalRequest<'a> {
    pub config: &'a Config,
    pub variables: &'a BTreeMap<String, Value>,
    /// Refreshed prior attributes of every resource in state.
    pub prior: &'a BTreeMap<ResourceAddr, serde_json::Value>,
    pub working_dir: &'a Path,
    /// The environment: `ARM_SUBSCRIPTION_ID` is used when the provider block sets no
    /// `subscription_id`, `ARM_TENANT_ID` and `ARM_CLIENT_ID` by `azurerm_client_config`.
    pub env: &'a BTreeMap<String, String>,
    /// Reads existing objects for data sources; `None` defers every read to apply
    /// (`validate` has no backend).
    pub data: Option<&'a DataReader<'a>>,
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

/// Evaluates the whole configuration, reporting every problem at once.
pub fn evaluate(req: &EvalRequest<'_>) -> Result<DesiredState, EvalErrors> {
    let scope = ConfigScope::new(req);
    let subscriptions = scope.subscriptions();
    let subscription = subscriptions[&None].clone();
    *scope.subscriptions.borrow_mut() = subscriptions;
    for addr in req.config.resources.keys() {
        scope.resource(addr);
    }
    let mut outputs = BTreeMap::new();
    for (name, output) in &req.config.outputs {
        if let Some(v) = scope.guard(scope.eval(&output.value)) {
            if v.contains_sensitive() && !output.sensitive {
                scope.errors.borrow_mut().push(EvalError::invalid(
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
    let errors = scope.errors.into_inner();
    if !errors.is_empty() {
        return Err(EvalErrors { errors });
    }
    Ok(DesiredState {
        subscription,
        declared: req.config.resources.keys().cloned().collect(),
        opaque_types: req
            .config
            .resources
            .keys()
            .filter(|a| {
                a.mode == crate::addr::Mode::Managed && model::schema(&a.resource_type).is_none()
            })
            .map(|a| a.resource_type.clone())
            .collect(),
        warnings: scope.warnings.into_inner(),
        resources: scope.desired.into_inner(),
        outputs,
    })
}

/// An evaluated local value and the resources it refers to.
#[derive(Clone)]
struct LocalValue {
    value: Value,
    deps: BTreeSet<ResourceAddr>,
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

enum Slot<T> {
    InProgress,
    Done(T),
    Failed,
}

struct ConfigScope<'a> {
    req: &'a EvalRequest<'a>,
    subscriptions: RefCell<BTreeMap<Option<String>, String>>,
    locals: RefCell<BTreeMap<String, Slot<LocalValue>>>,
    resources: RefCell<BTreeMap<ResourceAddr, Slot<Value>>>,
    desired: RefCell<BTreeMap<ResourceAddr, DesiredResource>>,
    /// References collected for the resources and locals being evaluated, innermost last.
    dep_stack: RefCell<Vec<BTreeSet<ResourceAddr>>>,
    errors: RefCell<Vec<EvalError>>,
    warnings: RefCell<Vec<EvalWarning>>,
}

impl<'a> ConfigScope<'a> {
    fn new(req: &'a EvalRequest<'a>) -> Self {
        ConfigScope {
            req,
            subscriptions: RefCell::default(),
            locals: RefCell::default(),
            resources: RefCell::default(),
            desired: RefCell::default(),
            dep_stack: RefCell::default(),
            errors: RefCell::default(),
            warnings: RefCell::default(),
        }
    }

    fn sources_ref(&self) -> &Sources {
        &self.req.config.sources
    }

    fn eval(&self, expr: &Expr) -> Result<Value, EvalError> {
        self.eval_in(expr, &Frame::new())
    }

    /// Evaluates with iteration variables (`count`, `each`, a dynamic block's iterator).
    fn eval_in(&self, expr: &Expr, frame: &Frame) -> Result<Value, EvalError> {
        Evaluator {
            scope: self,
            file: expr.file,
        }
        .eval(&expr.expr, frame)
    }

    /// Records an error and turns it into `None`.
    fn guard<T>(&self, result: Result<T, EvalError>) -> Option<T> {
        result.map_err(|e| self.errors.borrow_mut().push(e)).ok()
    }

    fn error_at(
        &self,
        summary: &str,
        label: impl Into<String>,
        detail: Option<String>,
        span: Span,
    ) -> EvalError {
        EvalError::invalid(summary, label, detail, self.sources_ref().locate(span))
    }

    /// The subscription of every azurerm provider configuration, by alias (`None`: the
    /// default one): its `subscription_id`, else `ARM_SUBSCRIPTION_ID`, else the all-zero GUID.
    fn subscriptions(&self) -> BTreeMap<Option<String>, String> {
        let fallback = self
            .req
            .env
            .get("ARM_SUBSCRIPTION_ID")
            .cloned()
            .unwrap_or_else(|| model::DEFAULT_SUBSCRIPTION.to_owned());
        let mut out = BTreeMap::from([(None, fallback.clone())]);
        for p in self
            .req
            .config
            .providers
            .iter()
            .filter(|p| p.name == "azurerm")
        {
            let configured = p.body.get_attribute("subscription_id").and_then(|attr| {
                self.guard(self.eval(&Expr {
                    expr: attr.value.clone(),
                    file: p.file,
                }))
            });
            let subscription = configured
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| fallback.clone());
            out.insert(p.alias.clone(), subscription);
        }
        out
    }

    /// The subscription a resource block's ids are formed in, by its `provider` alias.
    fn subscription_of(&self, block: &crate::config::ResourceBlock) -> Result<String, EvalError> {
        let subscriptions = self.subscriptions.borrow();
        match &block.provider_alias {
            None => Ok(subscriptions[&None].clone()),
            Some((alias, span)) => {
                subscriptions
                    .get(&Some(alias.clone()))
                    .cloned()
                    .ok_or_else(|| {
                        self.error_at(
                            "Provider configuration not present",
                            format!("no provider \"azurerm\" block has alias = \"{alias}\""),
                            Some(format!(
                                "add provider \"azurerm\" {{ alias = \"{alias}\" ... }}"
                            )),
                            *span,
                        )
                    })
            }
        }
    }

    fn note_dependencies(&self, deps: impl IntoIterator<Item = ResourceAddr>) {
        if let Some(top) = self.dep_stack.borrow_mut().last_mut() {
            top.extend(deps);
        }
    }

    fn local(&self, name: &str, span: Span) -> Result<Value, EvalError> {
        let Some(expr) = self.req.config.locals.get(name) else {
            return Err(self.error_at(
                "Reference to undeclared local value",
                format!("no local value named \"{name}\" is declared"),
                None,
                span,
            ));
        };
        match self.locals.borrow().get(name) {
            Some(Slot::Done(LocalValue { value: v, deps })) => {
                self.note_dependencies(deps.iter().cloned());
                return Ok(v.clone());
            }
            Some(Slot::InProgress) => {
                return Err(self.error_at(
                    "Cycle in local values",
                    format!("local.{name} refers to itself"),
                    None,
                    span,
                ));
            }
            Some(Slot::Failed) => return Ok(Value::Unknown),
            None => {}
        }
        self.locals
            .borrow_mut()
            .insert(name.to_owned(), Slot::InProgress);
        self.dep_stack.borrow_mut().push(BTreeSet::new());
        let result = self.eval(expr);
        let deps = self.dep_stack.borrow_mut().pop().unwrap_or_default();
        let slot = match &result {
            Ok(v) => Slot::Done(LocalValue {
                value: v.clone(),
                deps: deps.clone(),
            }),
            Err(_) => Slot::Failed,
        };
        self.locals.borrow_mut().insert(name.to_owned(), slot);
        match result {
            Ok(v) => {
                self.note_dependencies(deps);
                Ok(v)
            }
            Err(e) => {
                self.errors.borrow_mut().push(e);
                Ok(Value::Unknown)
            }
        }
    }

    fn undeclared_resource(&self, addr: &ResourceAddr, span: Span) -> EvalError {
        self.error_at(
            "Reference to undeclared resource",
            format!("no resource {addr} is declared"),
            Some("declare it with a resource block, or correct the reference".into()),
            span,
        )
    }
}

impl Scope for ConfigScope<'_> {
    fn sources(&self) -> &Sources {
        self.sources_ref()
    }

    fn warn(&self, warning: EvalWarning) {
        self.warnings.borrow_mut().push(warning);
    }

    fn module_dir(&self) -> Option<&Path> {
        Some(self.req.working_dir)
    }

    fn resolve(
        &self,
        root: &str,
        ops: &[Decorated<TraversalOperator>],
        span: Span,
    ) -> Result<(Value, usize), EvalError> {
        let first = expr::leading_name(ops).map(str::to_owned);
        let need_name = |what: &str| {
            self.error_at(
                &format!("Invalid {what} reference"),
                format!("expected {what}.NAME"),
                None,
                span,
            )
        };
        match root {
            "var" => {
                let name = first.ok_or_else(|| need_name("var"))?;
                let value = self.req.variables.get(&name).cloned().ok_or_else(|| {
                    self.error_at(
                        "Reference to undeclared input variable",
                        format!("no variable named \"{name}\" is declared"),
                        Some(format!("declare it with a variable \"{name}\" {{}} block")),
                        span,
                    )
                })?;
                Ok((value, 1))
            }
            "local" => Ok((
                self.local(&first.ok_or_else(|| need_name("local"))?, span)?,
                1,
            )),
            "path" => match first.as_deref() {
                Some("module" | "root") => Ok((Value::string("."), 1)),
                Some("cwd") => Ok((Value::string(self.req.working_dir.display().to_string()), 1)),
                _ => Err(self.error_at(
                    "Invalid path reference",
                    "expected path.module, path.root or path.cwd",
                    None,
                    span,
                )),
            },
            "terraform" => match first.as_deref() {
                Some("workspace") => Ok((Value::string("default"), 1)),
                _ => Err(self.error_at(
                    "Invalid terraform reference",
                    "only terraform.workspace is available",
                    None,
                    span,
                )),
            },
            "count" => Err(self.error_at(
                "Reference to \"count\" in non-counted context",
                "count.index is only available in a resource that sets count",
                None,
                span,
            )),
            "each" => Err(self.error_at(
                "Reference to \"each\" in context without for_each",
                "each.key and each.value are only available in a resource that sets for_each",
                None,
                span,
            )),
            "self" | "module" => Err(self.error_at(
                &format!("\"{root}\" references are not supported yet"),
                "not supported yet",
                Some("see docs/language.md for the supported language".into()),
                span,
            )),
            "data" => {
                let names = (
                    first,
                    ops.get(1)
                        .and_then(|op| expr::leading_name(std::slice::from_ref(op))),
                );
                let (Some(data_type), Some(name)) = names else {
                    return Err(self.error_at(
                        "Invalid data reference",
                        "expected data.TYPE.NAME",
                        None,
                        span,
                    ));
                };
                let addr = ResourceAddr {
                    mode: crate::addr::Mode::Data,
                    ..ResourceAddr::managed(data_type, name)
                };
                Ok((self.block_reference(&addr, span)?, 2))
            }
            resource_type => {
                let name = first.ok_or_else(|| {
                    self.error_at(
                        "Invalid reference",
                        format!("\"{resource_type}\" alone is not a value; a resource reference is TYPE.NAME"),
                        None,
                        span,
                    )
                })?;
                let addr = ResourceAddr::managed(resource_type, name);
                let value = self.block_reference(&addr, span)?;
                Ok(self
                    .opaque_attribute(&addr, &value, ops)
                    .unwrap_or((value, 1)))
            }
        }
    }
}

impl ConfigScope<'_> {
    /// `TYPE.NAME.attribute` of a resource type the tool does not model, when the attribute
    /// was not configured: the backend may set it, so it is unknown until the object exists
    /// (and null after, if it did not). Consumes the attribute step.
    fn opaque_attribute(
        &self,
        addr: &ResourceAddr,
        value: &Value,
        ops: &[Decorated<TraversalOperator>],
    ) -> Option<(Value, usize)> {
        let repeated = self
            .req
            .config
            .resources
            .get(addr)
            .is_some_and(|b| b.repetition.is_some());
        if model::schema(&addr.resource_type).is_some() || repeated {
            return None;
        }
        let attribute = expr::leading_name(ops.get(1..)?)?;
        if value.as_map().is_none_or(|m| m.contains_key(attribute)) {
            return None;
        }
        let exists = self.req.prior.contains_key(addr);
        Some((if exists { Value::Null } else { Value::Unknown }, 2))
    }

    /// The value a reference to a resource or data block sees, recording the dependency.
    fn block_reference(&self, addr: &ResourceAddr, span: Span) -> Result<Value, EvalError> {
        if !self.req.config.resources.contains_key(addr) {
            return Err(self.undeclared_resource(addr, span));
        }
        self.note_dependencies([addr.clone()]);
        if matches!(self.resources.borrow().get(addr), Some(Slot::InProgress)) {
            return Err(self.error_at(
                "Cycle between resources",
                format!("{addr} refers back to a resource that refers to it"),
                Some("break the cycle by removing one of the references".into()),
                span,
            ));
        }
        Ok(self.resource(addr).unwrap_or(Value::Unknown))
    }
}
