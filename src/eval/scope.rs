//! Scopes: what a name means inside one module instance, and the state every instance
//! shares while a configuration is evaluated.
//!
//! [`Shared`] holds the memoised results (locals, module inputs and outputs, resource blocks),
//! the desired resources found so far, and the errors and warnings. A [`ConfigScope`] is the
//! view from one module instance: `var.x` is that instance's input, `local.x` and
//! `TYPE.NAME` are its own, `module.NAME.OUTPUT` reaches into a child.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use hcl_edit::Decorated;
use hcl_edit::expr::TraversalOperator;
use hcl_edit::structure::Structure;

use super::expr::{self, Evaluator, Frame, Scope};
use super::value::{Fields, Value};
use super::{DesiredResource, EvalError, EvalRequest, EvalWarning, vars};
use crate::addr::{AddrMap, InstanceKey, Mode, ModulePath, ModuleStep, ResourceAddr};
use crate::config::{Expr, MODULE_META_ARGUMENTS, Module, ModuleCall, Repetition, ResourceBlock};
use crate::model;
use crate::source::{FileId, Sources, Span};

/// The instances a `count` or `for_each` declares, each with its evaluation frame.
pub(super) type Instances = Vec<(Option<InstanceKey>, Frame)>;

/// A memoised evaluation.
pub(super) enum Slot<T> {
    InProgress,
    Done(T),
    Failed,
}

/// What a reference to an evaluated resource block sees.
pub(super) enum Seen {
    /// A block without `count` or `for_each`: its planned object, kept once, in `desired`.
    Planned,
    /// With `count` a list of the planned objects, with `for_each` a map of them by key.
    Collected(Value),
}

/// An evaluated value and the resource blocks it refers to.
#[derive(Clone)]
pub(super) struct Tracked {
    value: Value,
    deps: BTreeSet<ResourceAddr>,
}

/// One module instance: its module, how it was called, and how its provider names map to
/// the root's provider configurations.
#[derive(Clone)]
pub(super) struct Instance<'a> {
    pub module: &'a Module,
    pub call: Option<&'a ModuleCall>,
    /// `count.index` / `each.*` of the call instance, for evaluating its arguments.
    pub frame: Frame,
    /// Provider alias in this module → provider alias in the root module.
    pub providers: BTreeMap<Option<String>, Option<String>>,
    /// What every resource of this instance waits for: the `depends_on` of its module call
    /// and of the calls above it.
    pub depends_on: BTreeSet<ResourceAddr>,
}

/// What every module instance of one evaluation shares.
pub(super) struct Shared<'a> {
    pub req: &'a EvalRequest<'a>,
    /// Root provider alias → subscription.
    subscriptions: RefCell<BTreeMap<Option<String>, String>>,
    instances: RefCell<BTreeMap<ModulePath, Instance<'a>>>,
    locals: RefCell<BTreeMap<(ModulePath, String), Slot<Tracked>>>,
    inputs: RefCell<BTreeMap<(ModulePath, String), Slot<Tracked>>>,
    outputs: RefCell<BTreeMap<(ModulePath, String), Slot<Tracked>>>,
    expansions: RefCell<BTreeMap<(ModulePath, String), Slot<Instances>>>,
    pub resources: RefCell<AddrMap<Slot<Seen>>>,
    pub desired: RefCell<AddrMap<DesiredResource>>,
    declared: RefCell<BTreeSet<ResourceAddr>>,
    opaque_types: RefCell<BTreeSet<String>>,
    /// References collected for the values being evaluated, innermost last.
    pub dep_stack: RefCell<Vec<BTreeSet<ResourceAddr>>>,
    pub errors: RefCell<Vec<EvalError>>,
    /// How many times a value whose evaluation failed (and was reported) has been read, so
    /// that what depends on it is not reported again as a problem of its own.
    pub failed_reads: std::cell::Cell<usize>,
    pub warnings: RefCell<Vec<EvalWarning>>,
}

/// A map by address sized for the root module's blocks, which are most of a configuration.
fn sized_for_root<V>(req: &EvalRequest<'_>) -> AddrMap<V> {
    AddrMap::with_capacity_and_hasher(req.config.root.resources.len(), Default::default())
}

/// What an evaluation produced, once no scope borrows it any more.
pub(super) struct Finished {
    pub desired: BTreeMap<ResourceAddr, DesiredResource>,
    pub declared: BTreeSet<ResourceAddr>,
    pub opaque_types: BTreeSet<String>,
    pub errors: Vec<EvalError>,
    pub warnings: Vec<EvalWarning>,
}

impl<'a> Shared<'a> {
    pub fn new(req: &'a EvalRequest<'a>) -> Shared<'a> {
        let shared = Shared {
            req,
            subscriptions: RefCell::default(),
            instances: RefCell::default(),
            locals: RefCell::default(),
            inputs: RefCell::default(),
            outputs: RefCell::default(),
            expansions: RefCell::default(),
            resources: RefCell::new(sized_for_root(req)),
            desired: RefCell::new(sized_for_root(req)),
            declared: RefCell::default(),
            opaque_types: RefCell::default(),
            dep_stack: RefCell::default(),
            failed_reads: std::cell::Cell::default(),
            errors: RefCell::default(),
            warnings: RefCell::default(),
        };
        let root = &req.config.root;
        let mut providers = BTreeMap::from([(None, None)]);
        providers.extend(
            root.providers
                .iter()
                .filter(|p| p.name == "azurerm")
                .map(|p| (p.alias.clone(), p.alias.clone())),
        );
        shared.instances.borrow_mut().insert(
            Vec::new(),
            Instance {
                module: root,
                call: None,
                frame: Frame::new(),
                providers,
                depends_on: BTreeSet::new(),
            },
        );
        let subscriptions = ConfigScope::root(&shared).subscriptions();
        *shared.subscriptions.borrow_mut() = subscriptions;
        shared
    }

    pub fn default_subscription(&self) -> String {
        self.subscriptions.borrow()[&None].clone()
    }

    pub fn finish(self) -> Finished {
        Finished {
            desired: self.desired.into_inner().into_iter().collect(),
            declared: self.declared.into_inner(),
            opaque_types: self.opaque_types.into_inner(),
            errors: self.errors.into_inner(),
            warnings: self.warnings.into_inner(),
        }
    }
}

/// The view from one module instance.
pub(super) struct ConfigScope<'s, 'a> {
    pub shared: &'s Shared<'a>,
    pub path: ModulePath,
    pub instance: Instance<'a>,
}

impl<'a> std::ops::Deref for ConfigScope<'_, 'a> {
    type Target = Shared<'a>;

    fn deref(&self) -> &Shared<'a> {
        self.shared
    }
}

impl<'s, 'a> ConfigScope<'s, 'a> {
    pub fn root(shared: &'s Shared<'a>) -> ConfigScope<'s, 'a> {
        ConfigScope::at(shared, Vec::new())
    }

    fn at(shared: &'s Shared<'a>, path: ModulePath) -> ConfigScope<'s, 'a> {
        let instance = shared.instances.borrow()[&path].clone();
        ConfigScope {
            shared,
            path,
            instance,
        }
    }

    /// Evaluates every resource of this instance and, recursively, of the instances of
    /// every module it calls.
    pub fn walk(&self) {
        for addr in self.instance.module.resources.keys() {
            let full = addr.in_module(&self.path);
            self.declared.borrow_mut().insert(full.clone());
            let opaque = match addr.mode {
                Mode::Managed if model::schema(&addr.resource_type).is_none() => {
                    Some(addr.resource_type.to_string())
                }
                Mode::Data if model::data_schema(&addr.resource_type).is_none() => {
                    Some(format!("data.{}", addr.resource_type))
                }
                _ => None,
            };
            self.opaque_types.borrow_mut().extend(opaque);
            // Evaluated for its own sake: nothing is read, so nothing is copied.
            self.read_resource(&full, |_| ());
        }
        for name in self.instance.module.calls.keys() {
            for child in self.expand(name).unwrap_or_default() {
                ConfigScope::at(self.shared, child).walk();
            }
        }
        self.run_checks();
    }

    /// Evaluates the `check` blocks: a failed (or failing) assertion is a warning, an unknown
    /// one waits for apply.
    fn run_checks(&self) {
        for check in &self.instance.module.checks {
            for assert in &check.asserts {
                let message = match self.eval(&assert.condition).map(|v| v.unmark_deep()) {
                    Ok(Value::Bool(true) | Value::Unknown) => continue,
                    Ok(Value::Bool(false)) => {
                        let text = self.eval(&assert.error_message).ok();
                        text.and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_else(|| "the assertion is false".into())
                    }
                    Ok(other) => format!("the condition must be a bool, not {}", other.type_name()),
                    Err(e) => format!("the condition could not be evaluated: {e}"),
                };
                let at = self.sources_ref().locate(assert.condition.span());
                self.warnings.borrow_mut().push(EvalWarning::CheckFailed {
                    check: check.name.clone(),
                    message,
                    src: at.src,
                    span: at.span,
                });
            }
        }
    }

    pub fn sources_ref(&self) -> &'a Sources {
        &self.shared.req.config.sources
    }

    pub fn eval(&self, expr: &Expr) -> Result<Value, EvalError> {
        self.eval_in(expr, &Frame::new())
    }

    /// Evaluates with iteration variables (`count`, `each`, a dynamic block's iterator).
    pub fn eval_in(&self, expr: &Expr, frame: &Frame) -> Result<Value, EvalError> {
        self.eval_at(&expr.expr, expr.file, frame)
    }

    /// Evaluates an expression of `file` where it is written in its body.
    pub fn eval_at(
        &self,
        expr: &hcl_edit::expr::Expression,
        file: FileId,
        frame: &Frame,
    ) -> Result<Value, EvalError> {
        Evaluator { scope: self, file }.eval(expr, frame)
    }

    /// Records an error and turns it into `None`.
    pub fn guard<T>(&self, result: Result<T, EvalError>) -> Option<T> {
        result.map_err(|e| self.errors.borrow_mut().push(e)).ok()
    }

    fn read_failed_value(&self) {
        self.failed_reads.set(self.failed_reads.get() + 1);
    }

    /// As [`Self::guard`] for `compute`, except that an error it meets after reading a value
    /// whose failure is already reported is a consequence, not a problem to report again.
    fn guard_consequence<T>(&self, compute: impl FnOnce() -> Result<T, EvalError>) -> Option<T> {
        let before = self.failed_reads.get();
        let result = compute();
        if result.is_err() && self.failed_reads.get() > before {
            return None;
        }
        self.guard(result)
    }

    pub fn error_at(
        &self,
        summary: &str,
        label: impl Into<String>,
        detail: Option<String>,
        span: Span,
    ) -> EvalError {
        EvalError::invalid(summary, label, detail, self.sources_ref().locate(span))
    }

    /// Records that what is being evaluated reads these resource blocks (an address is
    /// copied only the first time).
    pub fn note_dependencies<'d>(&self, deps: impl IntoIterator<Item = &'d ResourceAddr>) {
        if let Some(top) = self.dep_stack.borrow_mut().last_mut() {
            for dep in deps {
                if !top.contains(dep) {
                    top.insert(dep.clone());
                }
            }
        }
    }

    /// The resource block at a full address, from this instance's module.
    pub fn block(&self, addr: &ResourceAddr) -> Option<&'a ResourceBlock> {
        self.instance.module.resources.get(&addr.local())
    }

    /// The subscription of every azurerm provider configuration of the root module, by
    /// alias: its `subscription_id`, else `ARM_SUBSCRIPTION_ID`, else the all-zero GUID.
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
            .root
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
    pub fn subscription_of(&self, block: &ResourceBlock) -> Result<String, EvalError> {
        let alias = block.provider_alias.as_ref().map(|(a, _)| a.clone());
        let root_alias = self.instance.providers.get(&alias);
        let found = root_alias.and_then(|r| self.shared.subscriptions.borrow().get(r).cloned());
        match found {
            Some(subscription) => Ok(subscription),
            None => {
                let (alias, span) = block
                    .provider_alias
                    .clone()
                    .unwrap_or_else(|| (String::new(), block.span));
                Err(self.error_at(
                    "Provider configuration not present",
                    format!("no provider \"azurerm\" configuration with alias = \"{alias}\" is available here"),
                    Some(format!(
                        "add provider \"azurerm\" {{ alias = \"{alias}\" ... }} to the root module, and pass it to modules with providers = {{ azurerm.{alias} = azurerm.{alias} }}"
                    )),
                    span,
                ))
            }
        }
    }

    /// A memoised value with dependency tracking: locals, module inputs and outputs.
    fn tracked(
        &self,
        slots: &RefCell<BTreeMap<(ModulePath, String), Slot<Tracked>>>,
        key: (ModulePath, String),
        cycle: impl FnOnce() -> EvalError,
        compute: impl FnOnce() -> Result<Value, EvalError>,
    ) -> Result<Value, EvalError> {
        match slots.borrow().get(&key) {
            Some(Slot::Done(t)) => {
                self.note_dependencies(&t.deps);
                return Ok(t.value.clone());
            }
            Some(Slot::InProgress) => return Err(cycle()),
            Some(Slot::Failed) => {
                self.read_failed_value();
                return Ok(Value::Unknown);
            }
            None => {}
        }
        slots.borrow_mut().insert(key.clone(), Slot::InProgress);
        self.dep_stack.borrow_mut().push(BTreeSet::new());
        let result = compute();
        let deps = self.dep_stack.borrow_mut().pop().unwrap_or_default();
        match result {
            Ok(value) => {
                self.note_dependencies(&deps);
                slots.borrow_mut().insert(
                    key,
                    Slot::Done(Tracked {
                        value: value.clone(),
                        deps,
                    }),
                );
                Ok(value)
            }
            Err(e) => {
                slots.borrow_mut().insert(key, Slot::Failed);
                self.errors.borrow_mut().push(e);
                self.read_failed_value();
                Ok(Value::Unknown)
            }
        }
    }

    fn local(&self, name: &str, span: Span) -> Result<Value, EvalError> {
        let Some(expr) = self.instance.module.locals.get(name) else {
            return Err(self.error_at(
                "Reference to undeclared local value",
                format!("no local value named \"{name}\" is declared"),
                None,
                span,
            ));
        };
        let cycle = || {
            self.error_at(
                "Cycle in local values",
                format!("local.{name} refers to itself"),
                None,
                span,
            )
        };
        self.tracked(
            &self.locals,
            (self.path.clone(), name.to_owned()),
            cycle,
            || self.eval(expr),
        )
    }

    /// `var.NAME`: the root's resolved variables, or a module instance's input argument.
    fn variable(&self, name: &str, span: Span) -> Result<Value, EvalError> {
        let undeclared = || {
            self.error_at(
                "Reference to undeclared input variable",
                format!("no variable named \"{name}\" is declared"),
                Some(format!("declare it with a variable \"{name}\" {{}} block")),
                span,
            )
        };
        let Some(call) = self.instance.call else {
            return self.req.variables.get(name).cloned().ok_or_else(undeclared);
        };
        let var = self
            .instance
            .module
            .variables
            .get(name)
            .ok_or_else(undeclared)?;
        let cycle = || {
            self.error_at(
                "Cycle in module inputs",
                format!("var.{name} refers to itself"),
                None,
                span,
            )
        };
        self.tracked(
            &self.inputs,
            (self.path.clone(), name.to_owned()),
            cycle,
            || {
                let parent =
                    ConfigScope::at(self.shared, self.path[..self.path.len() - 1].to_vec());
                let argument = call.body.get_attribute(name).map(|a| Expr {
                    expr: a.value.clone(),
                    file: call.file,
                });
                let given = match &argument {
                    Some(expr) => Some(parent.eval_in(expr, &self.instance.frame)?),
                    None => None,
                };
                let value = match given {
                    Some(v) if !v.is_null() || var.nullable => {
                        vars::convert(&v, &var.ty).map_err(|why| {
                            self.error_at(
                                "Invalid value for module argument",
                                why,
                                None,
                                argument.as_ref().map_or(call.span, Expr::span),
                            )
                        })?
                    }
                    _ => match &var.default {
                        Some(default) => {
                            let v = vars::eval_constant(self.sources_ref(), default)?;
                            vars::convert(&v, &var.ty).map_err(|why| {
                                self.error_at(
                                    "Invalid default value for variable",
                                    why,
                                    None,
                                    default.span(),
                                )
                            })?
                        }
                        None => {
                            return Err(self.error_at(
                                "Missing required argument",
                                format!("the module needs a value for its variable \"{name}\""),
                                None,
                                call.span,
                            ));
                        }
                    },
                };
                vars::check_validations(self.req.config, var, value)
                    .map(|v| v.mark_if(var.sensitive))
            },
        )
    }

    /// The instances of module call `name` in this instance, registered for evaluation.
    fn expand(&self, name: &str) -> Option<Vec<ModulePath>> {
        let call = self.instance.module.calls.get(name)?;
        let key = (self.path.clone(), name.to_owned());
        match self.expansions.borrow().get(&key) {
            Some(Slot::Done(instances)) => return Some(self.child_paths(name, instances)),
            Some(Slot::InProgress | Slot::Failed) => return None,
            None => {}
        }
        self.expansions
            .borrow_mut()
            .insert(key.clone(), Slot::InProgress);
        self.check_arguments(call);
        let instances = self.repeat(call.repetition.as_ref());
        let providers = self.guard(self.child_providers(call));
        let (Some(instances), Some(providers)) = (instances, providers) else {
            self.expansions.borrow_mut().insert(key, Slot::Failed);
            return None;
        };
        let depends_on = self.call_dependencies(call);
        for (instance_key, frame) in &instances {
            let mut path = self.path.clone();
            path.push(ModuleStep {
                name: name.to_owned(),
                key: instance_key.clone(),
            });
            let instance = Instance {
                module: &call.module,
                call: Some(call),
                frame: frame.clone(),
                providers: providers.clone(),
                depends_on: depends_on.clone(),
            };
            self.instances.borrow_mut().insert(path, instance);
        }
        let paths = self.child_paths(name, &instances);
        self.expansions
            .borrow_mut()
            .insert(key, Slot::Done(instances));
        Some(paths)
    }

    /// The dependencies a call's instances inherit: this instance's own, and the call's
    /// `depends_on` (each of which must be declared).
    fn call_dependencies(&self, call: &ModuleCall) -> BTreeSet<ResourceAddr> {
        let mut deps = self.instance.depends_on.clone();
        for (dep, span) in &call.depends_on {
            let dep = dep.in_module(&self.path);
            if self.block(&dep).is_none() {
                self.errors
                    .borrow_mut()
                    .push(self.undeclared_resource(&dep, *span));
            }
            deps.insert(dep);
        }
        deps
    }

    fn child_paths(&self, name: &str, instances: &Instances) -> Vec<ModulePath> {
        instances
            .iter()
            .map(|(key, _)| {
                let mut path = self.path.clone();
                path.push(ModuleStep {
                    name: name.to_owned(),
                    key: key.clone(),
                });
                path
            })
            .collect()
    }

    /// Reports arguments of a module call that the module declares no variable for.
    fn check_arguments(&self, call: &ModuleCall) {
        for structure in call.body.iter() {
            let Structure::Attribute(attr) = structure else {
                continue;
            };
            let name = attr.key.as_str();
            if MODULE_META_ARGUMENTS.contains(&name) || call.module.variables.contains_key(name) {
                continue;
            }
            let span = Span::new(call.file, hcl_edit::Span::span(&attr.key).unwrap_or(0..0));
            self.errors.borrow_mut().push(self.error_at(
                "Unsupported argument",
                format!(
                    "the module \"{}\" declares no variable named \"{name}\"",
                    call.name
                ),
                Some(format!(
                    "declare variable \"{name}\" {{}} in {}, or remove the argument",
                    call.source
                )),
                span,
            ));
        }
    }

    /// The provider aliases of a called module, mapped to the root's: the default one is
    /// inherited, others are passed with `providers = { ... }`.
    fn child_providers(
        &self,
        call: &ModuleCall,
    ) -> Result<BTreeMap<Option<String>, Option<String>>, EvalError> {
        let mut map = BTreeMap::new();
        if let Some(default) = self.instance.providers.get(&None) {
            map.insert(None, default.clone());
        }
        for (child, parent, span) in &call.providers {
            let alias_of = |name: &str| name.split_once('.').map(|(_, alias)| alias.to_owned());
            let root = self
                .instance
                .providers
                .get(&alias_of(parent))
                .ok_or_else(|| {
                    self.error_at(
                        "Provider configuration not present",
                        format!("no provider configuration {parent} here"),
                        None,
                        *span,
                    )
                })?;
            map.insert(alias_of(child), root.clone());
        }
        Ok(map)
    }

    /// The instances a `count` or `for_each` declares, each with the frame its body is
    /// evaluated in (`count.index`, `each.key`, `each.value`); one unkeyed instance without.
    pub fn repeat(&self, repetition: Option<&Repetition>) -> Option<Instances> {
        if let Some(Repetition::Count(expr) | Repetition::ForEach(expr)) = repetition
            && self.req.validating
            && self.eval(expr).is_ok_and(|v| !v.is_wholly_known())
        {
            let unknown = Value::Map(Fields::from_iter([
                ("index".into(), Value::Unknown),
                ("key".into(), Value::Unknown),
                ("value".into(), Value::Unknown),
            ]));
            return Some(vec![(
                None,
                Frame::from_iter([("count".into(), unknown.clone()), ("each".into(), unknown)]),
            )]);
        }
        match repetition {
            None => Some(vec![(None, Frame::new())]),
            Some(Repetition::Count(expr)) => {
                let count = self.guard_consequence(|| self.count(expr))?;
                Some(
                    (0..count)
                        .map(|i| {
                            let index = Value::Map(Fields::from_iter([(
                                "index".into(),
                                Value::Number(i as f64),
                            )]));
                            (
                                Some(InstanceKey::Index(i)),
                                Frame::from_iter([("count".into(), index)]),
                            )
                        })
                        .collect(),
                )
            }
            Some(Repetition::ForEach(expr)) => {
                let items = self.guard_consequence(|| self.for_each(expr, "for_each"))?;
                Some(
                    items
                        .into_iter()
                        .map(|(k, v)| {
                            let each = Value::Map(Fields::from_iter([
                                ("key".into(), Value::string(&k)),
                                ("value".into(), v),
                            ]));
                            (
                                Some(InstanceKey::Key(k)),
                                Frame::from_iter([("each".into(), each)]),
                            )
                        })
                        .collect(),
                )
            }
        }
    }

    /// `module.NAME`, or `module.NAME.OUTPUT` when the next step names one output (consumed).
    fn module_reference(
        &self,
        name: &str,
        ops: &[Decorated<TraversalOperator>],
        span: Span,
    ) -> Result<(Value, usize), EvalError> {
        let Some(call) = self.instance.module.calls.get(name) else {
            return Err(self.error_at(
                "Reference to undeclared module",
                format!("no module call named \"{name}\" is declared"),
                Some(format!(
                    "declare it with a module \"{name}\" {{ source = ... }} block"
                )),
                span,
            ));
        };
        let Some(paths) = self.expand(name) else {
            return Ok((Value::Unknown, 1));
        };
        let one_output = ops.get(1..).and_then(expr::leading_name);
        match (&call.repetition, one_output) {
            (None, Some(output)) => Ok((
                ConfigScope::at(self.shared, paths[0].clone()).output(output, span)?,
                2,
            )),
            (None, None) => Ok((
                ConfigScope::at(self.shared, paths[0].clone()).all_outputs(span)?,
                1,
            )),
            (Some(Repetition::Count(_)), _) => {
                let items = paths
                    .into_iter()
                    .map(|p| ConfigScope::at(self.shared, p).all_outputs(span))
                    .collect::<Result<_, _>>()?;
                Ok((Value::List(items), 1))
            }
            (Some(Repetition::ForEach(_)), _) => {
                let mut map = Fields::new();
                for path in paths {
                    if let Some(ModuleStep {
                        key: Some(InstanceKey::Key(k)),
                        ..
                    }) = path.last().cloned()
                    {
                        map.insert(
                            k.into(),
                            ConfigScope::at(self.shared, path).all_outputs(span)?,
                        );
                    }
                }
                Ok((Value::Map(map), 1))
            }
        }
    }

    /// One output of this module instance.
    fn output(&self, name: &str, span: Span) -> Result<Value, EvalError> {
        let Some(output) = self.instance.module.outputs.get(name) else {
            return Err(self.error_at(
                "Unsupported attribute",
                format!("the module declares no output named \"{name}\""),
                None,
                span,
            ));
        };
        let cycle = || {
            self.error_at(
                "Cycle through module outputs",
                format!("output \"{name}\" refers to itself"),
                None,
                span,
            )
        };
        self.tracked(
            &self.outputs,
            (self.path.clone(), name.to_owned()),
            cycle,
            || {
                self.eval(&output.value)
                    .map(|v| v.mark_if(output.sensitive))
            },
        )
    }

    /// Every output of this module instance, as an object.
    fn all_outputs(&self, span: Span) -> Result<Value, EvalError> {
        let mut map = Fields::new();
        for name in self.instance.module.outputs.keys() {
            map.insert(name.as_str().into(), self.output(name, span)?);
        }
        Ok(Value::Map(map))
    }

    /// `path.module`: this module's directory, relative to the root's.
    fn module_path(&self) -> String {
        let dir = &self.instance.module.dir;
        if dir.as_os_str().is_empty() {
            ".".to_owned()
        } else {
            dir.display().to_string()
        }
    }

    pub fn undeclared_resource(&self, addr: &ResourceAddr, span: Span) -> EvalError {
        self.error_at(
            "Reference to undeclared resource",
            format!("no resource {} is declared", addr.local()),
            Some("declare it with a resource block, or correct the reference".into()),
            span,
        )
    }

    /// The value a reference to a resource or data block sees, recording the dependency.
    fn block_reference(&self, local: &ResourceAddr, span: Span) -> Result<Value, EvalError> {
        let addr = self.enter_reference(local, span)?;
        Ok(self.resource(&addr).unwrap_or_else(|| {
            self.read_failed_value();
            Value::Unknown
        }))
    }

    /// `TYPE.NAME.attribute` of a block without `count` or `for_each`, when the object has the
    /// attribute: that attribute alone is copied, not the whole object.
    fn attribute_reference(
        &self,
        local: &ResourceAddr,
        rest: &[Decorated<TraversalOperator>],
        span: Span,
    ) -> Result<Option<Value>, EvalError> {
        let addr = local.in_module(&self.path);
        let single = self.block(&addr).is_some_and(|b| b.repetition.is_none());
        let Some(attribute) = expr::leading_name(rest).filter(|_| single) else {
            return Ok(None);
        };
        let addr = self.enter_reference(local, span)?;
        let found = self.read_resource(&addr, |object| match object {
            Value::Map(map) => map.get(attribute).cloned(),
            _ => None,
        });
        Ok(found.flatten())
    }

    /// Checks a reference to a resource block (declared, not a cycle) and records the
    /// dependency; returns the block's address in this module.
    fn enter_reference(&self, local: &ResourceAddr, span: Span) -> Result<ResourceAddr, EvalError> {
        let addr = local.in_module(&self.path);
        if self.block(&addr).is_none() {
            return Err(self.undeclared_resource(&addr, span));
        }
        self.note_dependencies([&addr]);
        if matches!(self.resources.borrow().get(&addr), Some(Slot::InProgress)) {
            return Err(self.error_at(
                "Cycle between resources",
                format!("{local} refers back to a resource that refers to it"),
                Some("break the cycle by removing one of the references".into()),
                span,
            ));
        }
        Ok(addr)
    }

    /// `TYPE.NAME.attribute` (or `data.TYPE.NAME.attribute`) of a type the tool does not
    /// model, when the attribute is not in the object: a resource's backend may set it, so it
    /// is unknown until the object exists (and null after, if it did not); a data source that
    /// was read simply does not have it, so it is null.
    fn opaque_attribute(
        &self,
        local: &ResourceAddr,
        value: &Value,
        attribute: &[Decorated<TraversalOperator>],
    ) -> Option<Value> {
        let addr = local.in_module(&self.path);
        let repeated = self.block(&addr).is_some_and(|b| b.repetition.is_some());
        let modelled = match addr.mode {
            Mode::Managed => model::schema(&addr.resource_type).is_some(),
            Mode::Data => model::data_schema(&addr.resource_type).is_some(),
        };
        if modelled || repeated {
            return None;
        }
        let attribute = expr::leading_name(attribute)?;
        if value.as_map().is_none_or(|m| m.contains_key(attribute)) {
            return None;
        }
        let absent = addr.mode == Mode::Data || self.req.prior.contains_key(&addr);
        Some(if absent { Value::Null } else { Value::Unknown })
    }
}

impl Scope for ConfigScope<'_, '_> {
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
            "var" => Ok((
                self.variable(&first.ok_or_else(|| need_name("var"))?, span)?,
                1,
            )),
            "local" => Ok((
                self.local(&first.ok_or_else(|| need_name("local"))?, span)?,
                1,
            )),
            "module" => {
                self.module_reference(&first.ok_or_else(|| need_name("module"))?, ops, span)
            }
            "path" => match first.as_deref() {
                Some("module") => Ok((Value::string(self.module_path()), 1)),
                Some("root") => Ok((Value::string("."), 1)),
                Some("cwd") => Ok((Value::string(self.req.working_dir.display().to_string()), 1)),
                _ => Err(self.error_at(
                    "Invalid path reference",
                    "expected path.module, path.root or path.cwd",
                    None,
                    span,
                )),
            },
            "terraform" => match first.as_deref() {
                Some("workspace") => Ok((Value::string(self.req.workspace), 1)),
                _ => Err(self.error_at(
                    "Invalid terraform reference",
                    "only terraform.workspace is available",
                    None,
                    span,
                )),
            },
            "count" => Err(self.error_at(
                "Reference to \"count\" in non-counted context",
                "count.index is only available in a block that sets count",
                None,
                span,
            )),
            "each" => Err(self.error_at(
                "Reference to \"each\" in context without for_each",
                "each.key and each.value are only available in a block that sets for_each",
                None,
                span,
            )),
            "self" => Err(self.error_at(
                "\"self\" references are not supported yet",
                "not supported yet",
                Some("self is only meaningful in provisioners, which vnetform does not run".into()),
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
                    mode: Mode::Data,
                    ..ResourceAddr::managed(data_type, name)
                };
                let value = self.block_reference(&addr, span)?;
                Ok(self
                    .opaque_attribute(&addr, &value, ops.get(2..).unwrap_or_default())
                    .map_or((value, 2), |v| (v, 3)))
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
                let rest = ops.get(1..).unwrap_or_default();
                if let Some(attribute) = self.attribute_reference(&addr, rest, span)? {
                    return Ok((attribute, 2));
                }
                let value = self.block_reference(&addr, span)?;
                Ok(self
                    .opaque_attribute(&addr, &value, ops.get(1..).unwrap_or_default())
                    .map_or((value, 1), |v| (v, 2)))
            }
        }
    }
}
