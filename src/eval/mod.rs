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
pub mod value;
pub mod vars;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use hcl_edit::Decorated;
use hcl_edit::Span as _;
use hcl_edit::expr::TraversalOperator;
use hcl_edit::structure::{Body, Structure};

use crate::addr::ResourceAddr;
use crate::config::{Config, Expr, Lifecycle, META_ARGUMENTS};
use crate::model::{self, Block, Kind, PlannedObject, Ty};
use crate::source::{FileId, Sources, Span};
pub use error::{EvalError, EvalErrors, EvalWarning};
use expr::{Evaluator, Frame, Scope};
use value::Value;

/// What evaluation needs besides the configuration.
pub struct EvalRequest<'a> {
    pub config: &'a Config,
    pub variables: &'a BTreeMap<String, Value>,
    /// Refreshed prior attributes of every resource in state.
    pub prior: &'a BTreeMap<ResourceAddr, serde_json::Value>,
    pub working_dir: &'a Path,
    /// `ARM_SUBSCRIPTION_ID`, used when the provider block sets no `subscription_id`.
    pub env_subscription: Option<String>,
}

/// The end state the configuration describes.
#[derive(Debug)]
pub struct DesiredState {
    pub subscription: String,
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
    let subscription = scope.subscription();
    *scope.subscription.borrow_mut() = subscription.clone();
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

enum Slot<T> {
    InProgress,
    Done(T),
    Failed,
}

struct ConfigScope<'a> {
    req: &'a EvalRequest<'a>,
    subscription: RefCell<String>,
    locals: RefCell<BTreeMap<String, Slot<LocalValue>>>,
    resources: RefCell<BTreeMap<ResourceAddr, Slot<Value>>>,
    desired: RefCell<BTreeMap<ResourceAddr, DesiredResource>>,
    /// References collected for the resources and locals being evaluated, innermost last.
    dep_stack: RefCell<Vec<BTreeSet<ResourceAddr>>>,
    errors: RefCell<Vec<EvalError>>,
}

impl<'a> ConfigScope<'a> {
    fn new(req: &'a EvalRequest<'a>) -> Self {
        ConfigScope {
            req,
            subscription: RefCell::new(model::DEFAULT_SUBSCRIPTION.to_owned()),
            locals: RefCell::default(),
            resources: RefCell::default(),
            desired: RefCell::default(),
            dep_stack: RefCell::default(),
            errors: RefCell::default(),
        }
    }

    fn sources_ref(&self) -> &Sources {
        &self.req.config.sources
    }

    fn eval(&self, expr: &Expr) -> Result<Value, EvalError> {
        Evaluator {
            scope: self,
            file: expr.file,
        }
        .eval(&expr.expr, &Frame::new())
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

    /// The subscription ids are formed in: the azurerm provider's, else the environment's.
    fn subscription(&self) -> String {
        let configured = self
            .req
            .config
            .providers
            .iter()
            .filter(|p| p.name == "azurerm")
            .find_map(|p| {
                let attr = p.body.get_attribute("subscription_id")?;
                self.guard(self.eval(&Expr {
                    expr: attr.value.clone(),
                    file: p.file,
                }))
            });
        configured
            .and_then(|v| v.as_str().map(str::to_owned))
            .or_else(|| self.req.env_subscription.clone())
            .unwrap_or_else(|| model::DEFAULT_SUBSCRIPTION.to_owned())
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

    /// The planned value of a resource, evaluating it first if needed.
    fn resource(&self, addr: &ResourceAddr) -> Option<Value> {
        match self.resources.borrow().get(addr) {
            Some(Slot::Done(v)) => return Some(v.clone()),
            Some(Slot::InProgress | Slot::Failed) => return None,
            None => {}
        }
        self.resources
            .borrow_mut()
            .insert(addr.clone(), Slot::InProgress);
        let planned = self.evaluate_resource(addr);
        let slot = planned
            .as_ref()
            .map_or(Slot::Failed, |v| Slot::Done(v.clone()));
        self.resources.borrow_mut().insert(addr.clone(), slot);
        planned
    }

    fn evaluate_resource(&self, addr: &ResourceAddr) -> Option<Value> {
        let block = &self.req.config.resources[addr];
        let Some(schema) = model::schema(&addr.resource_type) else {
            let types: Vec<&str> = model::resource_types().collect();
            self.errors.borrow_mut().push(self.error_at(
                &format!("Unsupported resource type \"{}\"", addr.resource_type),
                "not a resource type this tool models",
                Some(format!("supported types: {}", types.join(", "))),
                block.span,
            ));
            return None;
        };
        self.dep_stack
            .borrow_mut()
            .push(block.depends_on.iter().map(|(a, _)| a.clone()).collect());
        for (dep, span) in &block.depends_on {
            if !self.req.config.resources.contains_key(dep) {
                self.errors
                    .borrow_mut()
                    .push(self.undeclared_resource(dep, *span));
            }
        }
        let config = self.body(&schema.body, &block.body, block.file, block.span);
        let deps = self.dep_stack.borrow_mut().pop().unwrap_or_default();
        let mut config = config?;
        let prior = self.req.prior.get(addr);
        apply_ignore_changes(&mut config, &block.lifecycle.ignore_changes, prior);
        let planned = model::plan_object(schema, &self.subscription.borrow(), &config, prior);
        let value = planned.value.clone();
        self.desired.borrow_mut().insert(
            addr.clone(),
            DesiredResource {
                addr: addr.clone(),
                planned,
                deps,
                span: block.span,
                lifecycle: block.lifecycle.clone(),
            },
        );
        Some(value)
    }

    fn undeclared_resource(&self, addr: &ResourceAddr, span: Span) -> EvalError {
        self.error_at(
            "Reference to undeclared resource",
            format!("no resource {addr} is declared"),
            Some("declare it with a resource block, or correct the reference".into()),
            span,
        )
    }

    /// Converts a resource body (or nested block body) to an object per its schema.
    fn body(&self, schema: &Block, body: &Body, file: FileId, owner: Span) -> Option<Value> {
        let mut out = BTreeMap::new();
        let mut ok = true;
        let mut blocks: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        // Arguments written in the body, whether or not they evaluated.
        let mut present: BTreeSet<&str> = BTreeSet::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let key = attr.key.as_str();
                    let key_span = Span::new(file, attr.key.span().unwrap_or(0..0));
                    if schema.name.is_empty() && META_ARGUMENTS.contains(&key) {
                        continue;
                    }
                    let Some(attr_schema) = schema.attr(key) else {
                        ok = false;
                        self.errors.borrow_mut().push(self.error_at(
                            "Unsupported argument",
                            format!("an argument named \"{key}\" is not expected here"),
                            suggestion(key, schema.attrs.iter().map(|a| a.name)),
                            key_span,
                        ));
                        continue;
                    };
                    if attr_schema.kind == Kind::Computed {
                        ok = false;
                        self.errors.borrow_mut().push(self.error_at(
                            "Value for unconfigurable attribute",
                            format!("\"{key}\" is computed by Azure and cannot be set"),
                            None,
                            key_span,
                        ));
                        continue;
                    }
                    present.insert(key);
                    let expr = Expr {
                        expr: attr.value.clone(),
                        file,
                    };
                    match self.eval(&expr).and_then(|v| {
                        convert_attribute(attr_schema.ty, &v).map_err(|why| {
                            self.error_at("Incorrect attribute value type", why, None, expr.span())
                        })
                    }) {
                        Ok(v) => {
                            out.insert(key.to_owned(), v);
                        }
                        Err(e) => {
                            ok = false;
                            self.errors.borrow_mut().push(e);
                        }
                    }
                }
                Structure::Block(nested) => {
                    let name = nested.ident.as_str();
                    if schema.name.is_empty() && name == "lifecycle" {
                        continue;
                    }
                    let span = Span::new(file, nested.ident.span().unwrap_or(0..0));
                    let Some(nested_schema) = schema.block(name) else {
                        ok = false;
                        self.errors.borrow_mut().push(self.error_at(
                            "Unsupported block type",
                            format!("blocks of type \"{name}\" are not expected here"),
                            suggestion(name, schema.blocks.iter().map(|b| b.name)),
                            span,
                        ));
                        continue;
                    };
                    match self.body(nested_schema, &nested.body, file, span) {
                        Some(v) => blocks.entry(nested_schema.name).or_default().push(v),
                        None => ok = false,
                    }
                }
            }
        }
        for attr in schema.attrs.iter().filter(|a| a.kind == Kind::Required) {
            if !present.contains(attr.name) {
                ok = false;
                self.errors.borrow_mut().push(self.error_at(
                    "Missing required argument",
                    format!(
                        "the argument \"{}\" is required, but no definition was found",
                        attr.name
                    ),
                    None,
                    owner,
                ));
            }
        }
        for nested in schema.blocks {
            let count = blocks.get(nested.name).map_or(0, Vec::len);
            if count < nested.min_items || (nested.max_items > 0 && count > nested.max_items) {
                ok = false;
                let expected = match (nested.min_items, nested.max_items) {
                    (min, max) if min == max => format!("exactly {min}"),
                    (0, max) => format!("at most {max}"),
                    (min, 0) => format!("at least {min}"),
                    (min, max) => format!("between {min} and {max}"),
                };
                self.errors.borrow_mut().push(self.error_at(
                    &format!("Wrong number of {} blocks", nested.name),
                    format!(
                        "{expected} \"{}\" block(s) expected, {count} found",
                        nested.name
                    ),
                    None,
                    owner,
                ));
            }
        }
        for (name, items) in blocks {
            out.insert(name.to_owned(), Value::List(items));
        }
        ok.then_some(Value::Map(out))
    }
}

impl Scope for ConfigScope<'_> {
    fn sources(&self) -> &Sources {
        self.sources_ref()
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
            "count" | "each" | "self" | "data" | "module" => Err(self.error_at(
                &format!("\"{root}\" references are not supported yet"),
                "not supported yet",
                Some("see docs/language.md for the supported language".into()),
                span,
            )),
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
                if !self.req.config.resources.contains_key(&addr) {
                    return Err(self.undeclared_resource(&addr, span));
                }
                self.note_dependencies([addr.clone()]);
                if matches!(self.resources.borrow().get(&addr), Some(Slot::InProgress)) {
                    return Err(self.error_at(
                        "Cycle between resources",
                        format!("{addr} refers back to a resource that refers to it"),
                        Some("break the cycle by removing one of the references".into()),
                        span,
                    ));
                }
                Ok((self.resource(&addr).unwrap_or(Value::Unknown), 1))
            }
        }
    }
}

/// `lifecycle { ignore_changes }`: the prior values of the named attributes replace the
/// configured ones, so changes to them never show.
fn apply_ignore_changes(config: &mut Value, ignore: &[String], prior: Option<&serde_json::Value>) {
    let (Value::Map(map), Some(prior)) = (config, prior) else {
        return;
    };
    let all = ignore.iter().any(|n| n == "all");
    let names: Vec<String> = if all {
        map.keys().cloned().collect()
    } else {
        ignore.to_vec()
    };
    for name in names {
        if let Some(p) = prior.get(&name) {
            map.insert(name, Value::from_json(p));
        }
    }
}

/// Converts a configured value to an attribute's type.
fn convert_attribute(ty: Ty, value: &Value) -> Result<Value, String> {
    let (inner, sensitive) = value.unmark();
    let out = match (ty, inner) {
        (_, Value::Null | Value::Unknown) => inner.clone(),
        (Ty::String | Ty::Location, Value::String(_)) => inner.clone(),
        (Ty::String | Ty::Location, Value::Number(n)) => Value::String(value::format_number(*n)),
        (Ty::String | Ty::Location, Value::Bool(b)) => Value::String(b.to_string()),
        (Ty::Number, Value::Number(_)) => inner.clone(),
        (Ty::Number, Value::String(s)) => Value::Number(
            s.parse()
                .map_err(|_| format!("a number is required, not \"{s}\""))?,
        ),
        (Ty::Bool, Value::Bool(_)) => inner.clone(),
        (Ty::Bool, Value::String(s)) if s == "true" || s == "false" => Value::Bool(s == "true"),
        (Ty::List | Ty::Set, Value::List(_)) | (Ty::Map, Value::Map(_)) => inner.clone(),
        (ty, v) => {
            let want = match ty {
                Ty::String | Ty::Location => "a string",
                Ty::Number => "a number",
                Ty::Bool => "a bool",
                Ty::List => "a list",
                Ty::Set => "a set",
                Ty::Map => "a map",
            };
            return Err(format!("{want} is required, not {}", v.type_name()));
        }
    };
    Ok(out.mark_if(sensitive))
}

/// "Did you mean ...?" for a misspelt name.
fn suggestion<'n>(name: &str, candidates: impl Iterator<Item = &'n str>) -> Option<String> {
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min()
        .map(|(_, c)| format!("did you mean \"{c}\"?"))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(cur)
            };
            prev = cur;
        }
    }
    row[b.len()]
}
