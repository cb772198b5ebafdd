//! Resource blocks: expanding `count` and `for_each` into instances, converting each body to
//! an object per its schema (with `dynamic` blocks), and planning every instance.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block as HclBlock, Body, Structure};

use super::expr::Frame;
use super::scope::{ConfigScope, Seen, Slot};
use super::value::{self, Fields, Key, Value};
use super::{DataQuery, DataReader, DeferredRead, DesiredResource, EvalError};
use crate::addr::{InstanceKey, Mode, ResourceAddr};
use crate::config::{Expr, META_ARGUMENTS, Repetition, ResourceBlock};
use crate::model::schema::Convert;
use crate::model::{self, Block, DataSchema, Kind, Ty};
use crate::source::{FileId, Span};

impl ConfigScope<'_, '_> {
    /// What a reference to a resource block sees, evaluating the block first if needed: the
    /// planned object, or with `count` a list of them, or with `for_each` a map by key.
    pub(super) fn resource(&self, addr: &ResourceAddr) -> Option<Value> {
        self.read_resource(addr, Value::clone)
    }

    /// Applies `read` to what a reference to the resource block sees (evaluating the block
    /// first if needed), without copying the whole of it.
    pub(super) fn read_resource<T>(
        &self,
        addr: &ResourceAddr,
        read: impl FnOnce(&Value) -> T,
    ) -> Option<T> {
        let evaluated = matches!(self.resources.borrow().get(addr), Some(Slot::Done(_)));
        if !evaluated {
            if self.resources.borrow().contains_key(addr) {
                return None;
            }
            self.resources
                .borrow_mut()
                .insert(addr.clone(), Slot::InProgress);
            let slot = self
                .evaluate_resource(addr)
                .map_or(Slot::Failed, Slot::Done);
            self.resources.borrow_mut().insert(addr.clone(), slot);
        }
        match self.resources.borrow().get(addr) {
            Some(Slot::Done(Seen::Planned)) => self
                .desired
                .borrow()
                .get(addr)
                .map(|d| read(&d.planned.value)),
            Some(Slot::Done(Seen::Collected(v))) => Some(read(v)),
            _ => None,
        }
    }

    fn evaluate_resource(&self, addr: &ResourceAddr) -> Option<Seen> {
        let block = self
            .block(addr)
            .expect("resources are evaluated through their module's scope");
        let kind = BlockKind::of(addr);
        let body_schema = match kind {
            BlockKind::Managed(schema) => &schema.body,
            BlockKind::Data(data) => &data.schema.body,
            BlockKind::Opaque | BlockKind::OpaqueData => &model::OPEN,
        };
        self.dep_stack.borrow_mut().push(
            block
                .depends_on
                .iter()
                .map(|(a, _)| a.in_module(&self.path))
                .chain(self.instance.depends_on.iter().cloned())
                .collect(),
        );
        for (dep, span) in &block.depends_on {
            if self.block(&dep.in_module(&self.path)).is_none() {
                self.errors
                    .borrow_mut()
                    .push(self.undeclared_resource(&dep.in_module(&self.path), *span));
            }
        }
        let instances = self.repeat(block.repetition.as_ref());
        let held = block.body.read();
        let body = held
            .as_ref()
            .expect("a body is released only once its block is evaluated for good");
        let configs: Option<Vec<(Option<InstanceKey>, Value)>> = instances.and_then(|instances| {
            let evaluated: Vec<_> = instances
                .into_iter()
                .map(|(key, frame)| {
                    Some((
                        key,
                        self.body(body_schema, body, block.file, block.span, &frame)?,
                    ))
                })
                .collect();
            evaluated.into_iter().collect()
        });
        drop(held);
        // A module called with `count` or `for_each` evaluates its blocks once per instance.
        if self.req.evaluate_once && self.path.iter().all(|step| step.key.is_none()) {
            block.body.release();
        }
        let mut deps = self.dep_stack.borrow_mut().pop().unwrap_or_default();
        let subscription = self.guard(self.subscription_of(block))?;
        let mut planned = Vec::new();
        let configs = configs?;
        let last = configs.len().saturating_sub(1);
        for (i, (key, mut config)) in configs.into_iter().enumerate() {
            let instance = addr.instance(key);
            let config_unknown = !config.is_wholly_known();
            let (object, read_during_apply) = match kind {
                BlockKind::Managed(schema) => {
                    let prior = self.req.prior.get(&instance).map(|r| &r.attributes);
                    apply_ignore_changes(
                        &mut config,
                        &block.lifecycle.ignore_changes,
                        prior.map(|p| &**p),
                    );
                    model::apply_version_defaults(
                        &addr.resource_type,
                        self.req.config.terraform.azurerm_major(),
                        &mut config,
                    );
                    (
                        model::plan_object(schema, &subscription, &config, prior),
                        None,
                    )
                }
                BlockKind::Opaque => {
                    let address = instance.to_string();
                    (
                        model::plan_opaque(&addr.resource_type, &address, &subscription, &config),
                        None,
                    )
                }
                BlockKind::Data(data) => {
                    let (value, deferred) =
                        self.guard(self.read_data(data, &config, block, &deps, &subscription))?;
                    (
                        model::PlannedObject {
                            value: Arc::new(value),
                            replace_paths: Vec::new(),
                        },
                        deferred,
                    )
                }
                BlockKind::OpaqueData => {
                    let (value, deferred) = self.guard(self.read_opaque_data(
                        &instance,
                        &config,
                        block,
                        &deps,
                        &subscription,
                    ))?;
                    (
                        model::PlannedObject {
                            value: Arc::new(value),
                            replace_paths: Vec::new(),
                        },
                        deferred,
                    )
                }
            };
            if block.repetition.is_some() {
                planned.push((instance.key.clone(), Value::clone(&object.value)));
            }
            self.desired.borrow_mut().insert(
                instance.clone(),
                DesiredResource {
                    addr: instance,
                    planned: object,
                    // Every instance has the block's references; the last takes them.
                    deps: if i == last {
                        std::mem::take(&mut deps)
                    } else {
                        deps.clone()
                    },
                    span: block.span,
                    lifecycle: block.lifecycle.clone(),
                    read_during_apply,
                    config_unknown,
                },
            );
        }
        Some(match &block.repetition {
            None => Seen::Planned,
            Some(repetition) => Seen::Collected(collected(repetition, planned)),
        })
    }

    /// A data source's object: read now when its arguments are known and what it depends on
    /// exists, else unknown until apply.
    fn read_data(
        &self,
        data: &DataSchema,
        config: &Value,
        block: &ResourceBlock,
        deps: &BTreeSet<ResourceAddr>,
        subscription: &str,
    ) -> Result<(Value, Option<DeferredRead>), EvalError> {
        let schema = &data.schema;
        let Some(reads) = data.reads else {
            return Ok((self.client_config(config, subscription), None));
        };
        let deferred = self.deferral(config, deps);
        let (Some(reader), None) = (self.req.data, deferred) else {
            return Ok((
                with_computed(schema, config, None),
                Some(deferred.unwrap_or(DeferredRead::ConfigUnknown)),
            ));
        };
        let id = model::arm_id(schema.id_shape, subscription, config);
        let id = id.as_str().unwrap_or_default();
        let found = self.look_up(reader, reads, id, schema.type_name, block)?;
        Ok((with_computed(schema, config, Some(&found)), None))
    }

    /// A data source of a type the tool does not model. With a name and resource group it
    /// reads the object of that type and id (as an opaque resource of the type is stored),
    /// and not finding it is an error; without, it reads the object of that type holding all
    /// of its arguments, or, when the backend holds none (another provider's data, say), is
    /// what its arguments say. Unknown until apply while it cannot be read yet.
    fn read_opaque_data(
        &self,
        instance: &ResourceAddr,
        config: &Value,
        block: &ResourceBlock,
        deps: &BTreeSet<ResourceAddr>,
        subscription: &str,
    ) -> Result<(Value, Option<DeferredRead>), EvalError> {
        let data_type = &instance.resource_type;
        let deferred = self.deferral(config, deps);
        let (Some(reader), None) = (self.req.data, deferred) else {
            return Ok((
                Value::Unknown,
                Some(deferred.unwrap_or(DeferredRead::ConfigUnknown)),
            ));
        };
        let planned = model::plan_opaque(data_type, &instance.to_string(), subscription, config);
        let id = planned
            .value
            .get("id")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if id.starts_with("/subscriptions/") {
            let found = self.look_up(reader, data_type, &id, data_type, block)?;
            return Ok((Value::from(found), None));
        }
        let arguments = config.to_json();
        let query = DataQuery::Matching {
            resource_type: data_type,
            arguments: &arguments,
        };
        match reader(query) {
            Ok(Some(found)) => Ok((Value::from(found), None)),
            Ok(None) => Ok((Arc::unwrap_or_clone(planned.value), None)),
            Err(why) => Err(self.read_failed(data_type, why, block)),
        }
    }

    /// Why a data source cannot be read now, if it cannot: unknown arguments, or a managed
    /// resource it depends on that does not exist yet (this very apply may create the object).
    fn deferral(&self, config: &Value, deps: &BTreeSet<ResourceAddr>) -> Option<DeferredRead> {
        let pending_dependency = deps
            .iter()
            .filter(|dep| dep.mode == Mode::Managed)
            .any(|dep| !self.req.prior.keys().any(|a| a.config() == *dep));
        if !config.is_wholly_known() {
            Some(DeferredRead::ConfigUnknown)
        } else if pending_dependency {
            Some(DeferredRead::DependencyPending)
        } else {
            None
        }
    }

    /// Reads the object `id` (of the managed type `reads`) for a data source of `type_name`;
    /// not finding it is an error, as in Azure.
    fn look_up(
        &self,
        reader: &DataReader<'_>,
        reads: &str,
        id: &str,
        type_name: &str,
        block: &ResourceBlock,
    ) -> Result<serde_json::Value, EvalError> {
        match reader(DataQuery::Id { reads, id }) {
            Ok(Some(found)) => Ok(found),
            Ok(None) => Err(self.error_at(
                &format!("{type_name} not found"),
                format!("no object with the id {id} exists"),
                Some("check the name and resource group, or create the object first".into()),
                block.span,
            )),
            Err(why) => Err(self.read_failed(type_name, why, block)),
        }
    }

    fn read_failed(&self, type_name: &str, why: String, block: &ResourceBlock) -> EvalError {
        self.error_at(
            &format!("Failed to read {type_name}"),
            why,
            None,
            block.span,
        )
    }

    /// `azurerm_client_config`: who the provider acts as.
    fn client_config(&self, config: &Value, subscription: &str) -> Value {
        let zero = model::DEFAULT_SUBSCRIPTION;
        let env = |key: &str| {
            self.req
                .env
                .get(key)
                .cloned()
                .unwrap_or_else(|| zero.to_owned())
        };
        let (tenant, client) = (env("ARM_TENANT_ID"), env("ARM_CLIENT_ID"));
        let id = format!(
            "clientConfigs/clientId={client};objectId={zero};subscriptionId={subscription};tenantId={tenant}"
        );
        let found = serde_json::json!({
            "client_id": client, "tenant_id": tenant, "subscription_id": subscription, "object_id": zero, "id": id,
        });
        let data =
            model::data_schema("azurerm_client_config").expect("client config is a data source");
        with_computed(&data.schema, config, Some(&found))
    }

    pub(super) fn count(&self, expr: &Expr) -> Result<usize, EvalError> {
        let value = self.eval(expr)?;
        let invalid = |why: String, detail: Option<String>| {
            self.error_at("Invalid count argument", why, detail, expr.span())
        };
        match value.unmark() {
            (_, true) => Err(invalid("the count value is sensitive".into(), Some("a sensitive value cannot decide how many instances exist, since plans would reveal it".into()))),
            (Value::Unknown, _) => Err(invalid(
                "the count value cannot be determined until apply".into(),
                Some("count depends on resource attributes known only after apply, so the number of instances cannot be predicted; apply the resources it depends on first".into()),
            )),
            (Value::Number(n), _) if *n >= 0.0 && n.fract() == 0.0 => Ok(*n as usize),
            (Value::String(s), _) if s.parse::<usize>().is_ok() => Ok(s.parse().unwrap_or_default()),
            (other, _) => Err(invalid(format!("count must be a whole number of zero or more, not {other}"), None)),
        }
    }

    /// The (key, value) pairs of a `for_each` collection: a map, or a set of strings.
    pub(super) fn for_each(
        &self,
        expr: &Expr,
        what: &str,
    ) -> Result<Vec<(String, Value)>, EvalError> {
        let value = self.eval(expr)?;
        let invalid = |why: String, detail: Option<String>| {
            self.error_at(
                &format!("Invalid {what} argument"),
                why,
                detail,
                expr.span(),
            )
        };
        let (inner, sensitive) = value.unmark();
        if sensitive {
            return Err(invalid(format!("the {what} value is sensitive"), Some("sensitive values cannot be used as instance keys, since addresses would reveal them".into())));
        }
        match inner {
            Value::Unknown => Err(invalid(
                format!("the {what} value cannot be determined until apply"),
                Some(format!(
                    "{what} depends on resource attributes known only after apply, so the instance keys cannot be predicted; use keys known from configuration (the values may stay unknown), or apply those resources first"
                )),
            )),
            Value::Map(map) => {
                if map.keys().any(|k| k.is_empty()) {
                    return Err(invalid(
                        "an empty string cannot be an instance key".into(),
                        None,
                    ));
                }
                Ok(map
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect())
            }
            Value::List(items) => {
                let mut out: Vec<(String, Value)> = Vec::new();
                for item in items {
                    match item.unmark().0 {
                        Value::String(s) if !out.iter().any(|(k, _)| k == s) => {
                            out.push((s.clone(), item.clone()))
                        }
                        Value::String(_) => {}
                        Value::Unknown => {
                            return Err(invalid(
                                format!(
                                    "the {what} set includes values that cannot be determined until apply"
                                ),
                                None,
                            ));
                        }
                        other => {
                            return Err(invalid(
                                format!(
                                    "a {what} set must hold strings, not {}",
                                    other.type_name()
                                ),
                                Some("convert with toset([for x in ... : tostring(x)])".into()),
                            ));
                        }
                    }
                }
                out.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(out)
            }
            Value::Null => Err(invalid(
                format!("the {what} value is null"),
                Some("use an empty map or set for no instances".into()),
            )),
            other => Err(invalid(
                format!(
                    "{what} must be a map or a set of strings, not {}",
                    other.type_name()
                ),
                None,
            )),
        }
    }

    /// Converts a resource body (or nested block body) to an object per its schema.
    fn body(
        &self,
        schema: &Block,
        body: &Body,
        file: FileId,
        owner: Span,
        frame: &Frame,
    ) -> Option<Value> {
        let mut built = Built::default();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let key = attr.key.as_str();
                    if schema.name.is_empty() && META_ARGUMENTS.contains(&key) {
                        continue;
                    }
                    let span = Span::new(file, attr.key.span().unwrap_or(0..0));
                    let key = self.current_name(schema, key, span);
                    if !built.present.insert(key.clone()) {
                        self.errors.borrow_mut().push(self.error_at(
                            "Conflicting arguments",
                            format!("\"{key}\" is already set under its other name"),
                            Some("set the argument once, under its current name".into()),
                            span,
                        ));
                        built.ok = false;
                        continue;
                    }
                    let expr = Written {
                        expr: &attr.value,
                        file,
                    };
                    match self.attribute(schema, &key, attr.key.as_str(), span, expr, frame) {
                        Some(v) => {
                            built.out.insert(key.into(), v);
                        }
                        None => built.ok = false,
                    }
                }
                Structure::Block(nested) if nested.ident.as_str() == "dynamic" => {
                    built.ok &= self.dynamic_block(
                        schema,
                        nested,
                        file,
                        frame,
                        &mut built.blocks,
                        &mut built.unknown,
                    );
                }
                Structure::Block(nested) => {
                    let name = nested.ident.as_str();
                    if schema.name.is_empty() && name == "lifecycle" {
                        continue;
                    }
                    let span = Span::new(file, nested.ident.span().unwrap_or(0..0));
                    let Some(nested_schema) = self.nested_schema(schema, name, span) else {
                        built.ok = false;
                        continue;
                    };
                    match self.body(nested_schema, &nested.body, file, span, frame) {
                        Some(v) => built
                            .blocks
                            .entry(block_key(schema, nested_schema, name))
                            .or_default()
                            .push(v),
                        None => built.ok = false,
                    }
                }
            }
        }
        built.ok &= self.check_required(schema, &built.present, owner);
        built.ok &= self.check_block_counts(schema, &built.blocks, &built.unknown, owner);
        for (name, items) in built.blocks {
            built.out.insert(name.into(), Value::List(items));
        }
        for name in built.unknown {
            built.out.insert(name.into(), Value::Unknown);
        }
        built.ok.then_some(Value::Map(built.out))
    }

    /// One argument, evaluated and converted to its schema type; `None` after an error.
    /// One argument (`written` under `key` or an older name), evaluated and converted to
    /// its schema type; `None` after an error.
    fn attribute(
        &self,
        schema: &Block,
        key: &str,
        written: &str,
        span: Span,
        expr: Written<'_>,
        frame: &Frame,
    ) -> Option<Value> {
        if schema.open {
            return self.guard(self.eval_at(expr.expr, expr.file, frame));
        }
        let Some(attr_schema) = schema.attr(key) else {
            self.errors.borrow_mut().push(self.error_at(
                "Unsupported argument",
                format!("an argument named \"{key}\" is not expected here"),
                suggestion(key, schema.attrs.iter().map(|a| a.name)),
                span,
            ));
            return None;
        };
        if attr_schema.kind == Kind::Computed {
            self.errors.borrow_mut().push(self.error_at(
                "Value for unconfigurable attribute",
                format!("\"{key}\" is computed by Azure and cannot be set"),
                None,
                span,
            ));
            return None;
        }
        let value = self.eval_at(expr.expr, expr.file, frame).and_then(|v| {
            convert_attribute(attr_schema.ty, &convert_renamed(schema, written, v)).map_err(|why| {
                self.error_at("Incorrect attribute value type", why, None, expr.span())
            })
        });
        self.guard(value)
    }

    /// The current name of an argument, warning when it was written under an older
    /// provider version's name.
    fn current_name(&self, schema: &Block, written: &str, span: Span) -> String {
        match schema.renamed.iter().find(|r| r.old == written) {
            Some(r) => {
                let at = self.sources_ref().locate(span);
                self.warnings
                    .borrow_mut()
                    .push(super::EvalWarning::Renamed {
                        old: r.old.to_owned(),
                        new: r.new.to_owned(),
                        src: at.src,
                        span: at.span,
                    });
                r.new.to_owned()
            }
            None => written.to_owned(),
        }
    }

    fn nested_schema<'s>(&self, schema: &'s Block, name: &str, span: Span) -> Option<&'s Block> {
        if schema.open {
            return Some(&model::OPEN_NESTED);
        }
        let found = schema.block(name);
        if found.is_none() {
            self.errors.borrow_mut().push(self.error_at(
                "Unsupported block type",
                format!("blocks of type \"{name}\" are not expected here"),
                suggestion(name, schema.blocks.iter().map(|b| b.name)),
                span,
            ));
        }
        found
    }

    /// `dynamic "NAME" { for_each = ..., iterator = IT, content { ... } }`: one `NAME` block
    /// per element, with `IT.key` and `IT.value` (the iterator defaults to NAME).
    fn dynamic_block(
        &self,
        schema: &Block,
        dynamic: &HclBlock,
        file: FileId,
        frame: &Frame,
        blocks: &mut BTreeMap<String, Vec<Value>>,
        unknown: &mut BTreeSet<String>,
    ) -> bool {
        let span = Span::new(file, dynamic.ident.span().unwrap_or(0..0));
        let Some(name) = dynamic.labels.first().map(|l| l.as_str().to_owned()) else {
            self.errors.borrow_mut().push(self.error_at(
                "Missing dynamic block type",
                "expected dynamic \"BLOCK_TYPE\" { ... }",
                None,
                span,
            ));
            return false;
        };
        let Some(nested_schema) = self.nested_schema(schema, &name, span) else {
            return false;
        };
        let (Some(for_each), Some(content)) = (
            dynamic.body.get_attribute("for_each"),
            dynamic.body.get_blocks("content").next(),
        ) else {
            self.errors.borrow_mut().push(self.error_at(
                "Incomplete dynamic block",
                "a dynamic block needs for_each and a content block",
                None,
                span,
            ));
            return false;
        };
        let iterator = match dynamic.body.get_attribute("iterator").map(|a| &a.value) {
            Some(Expression::Variable(v)) => v.as_str().to_owned(),
            _ => name.clone(),
        };
        let collection = match self.eval_at(&for_each.value, file, frame) {
            Ok(v) => v,
            Err(e) => {
                self.errors.borrow_mut().push(e);
                return false;
            }
        };
        if collection.is_unknown() {
            // How many blocks there will be is known only after apply.
            unknown.insert(block_key(schema, nested_schema, &name));
            return true;
        }
        let Some(pairs) = self.guard(super::expr::iteration_pairs(&collection).ok_or_else(|| {
            self.error_at(
                "Invalid dynamic for_each value",
                "expected a known list, set or map",
                None,
                Written {
                    expr: &for_each.value,
                    file,
                }
                .span(),
            )
        })) else {
            return false;
        };
        let mut ok = true;
        for (key, value) in pairs {
            let mut inner = frame.clone();
            inner.insert(
                iterator.as_str().into(),
                Value::Map(Fields::from_iter([
                    ("key".into(), key),
                    ("value".into(), value),
                ])),
            );
            match self.body(nested_schema, &content.body, file, span, &inner) {
                Some(v) => blocks
                    .entry(block_key(schema, nested_schema, &name))
                    .or_default()
                    .push(v),
                None => ok = false,
            }
        }
        ok
    }

    fn check_required(&self, schema: &Block, present: &BTreeSet<String>, owner: Span) -> bool {
        let mut ok = true;
        for attr in schema
            .attrs
            .iter()
            .filter(|a| a.kind == Kind::Required && !present.contains(a.name))
        {
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
        ok
    }

    fn check_block_counts(
        &self,
        schema: &Block,
        blocks: &BTreeMap<String, Vec<Value>>,
        unknown: &BTreeSet<String>,
        owner: Span,
    ) -> bool {
        let mut ok = true;
        for nested in schema.blocks.iter().filter(|b| !unknown.contains(b.name)) {
            let count = blocks.get(nested.name).map_or(0, Vec::len);
            if count >= nested.min_items && (nested.max_items == 0 || count <= nested.max_items) {
                continue;
            }
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
        ok
    }
}

/// The schema a block is evaluated against.
#[derive(Clone, Copy)]
enum BlockKind {
    Managed(&'static model::ResourceSchema),
    Data(&'static DataSchema),
    /// A resource type without a schema: planned and applied as written, unchecked.
    Opaque,
    /// A data source type without a schema: read as an opaque object.
    OpaqueData,
}

impl BlockKind {
    fn of(addr: &ResourceAddr) -> BlockKind {
        match addr.mode {
            Mode::Managed => {
                model::schema(&addr.resource_type).map_or(BlockKind::Opaque, BlockKind::Managed)
            }
            Mode::Data => model::data_schema(&addr.resource_type)
                .map_or(BlockKind::OpaqueData, BlockKind::Data),
        }
    }
}

/// A data source's arguments plus its computed attributes, from what was read (`None`:
/// unknown until apply).
fn with_computed(
    schema: &model::ResourceSchema,
    config: &Value,
    found: Option<&serde_json::Value>,
) -> Value {
    let mut out = config.as_map().cloned().unwrap_or_default();
    for attr in schema
        .body
        .attrs
        .iter()
        .filter(|a| a.kind == Kind::Computed)
    {
        let value = match found {
            Some(found) => found
                .get(attr.name)
                .cloned()
                .map_or(Value::Null, Value::from),
            None => Value::Unknown,
        };
        out.insert(Key::const_new(attr.name), value);
    }
    for attr in schema
        .body
        .attrs
        .iter()
        .filter(|a| a.kind != Kind::Computed)
    {
        out.entry(Key::const_new(attr.name)).or_insert(Value::Null);
    }
    Value::Map(out)
}

/// What a body conversion has gathered so far.
#[derive(Default)]
struct Built {
    out: Fields,
    blocks: BTreeMap<String, Vec<Value>>,
    /// Arguments written in the body, whether or not they evaluated.
    present: BTreeSet<String>,
    /// Nested block types whose dynamic `for_each` is known only after apply.
    unknown: BTreeSet<String>,
    ok: bool,
}

impl Built {
    fn default() -> Self {
        Built {
            out: Fields::new(),
            blocks: BTreeMap::new(),
            present: BTreeSet::new(),
            unknown: BTreeSet::new(),
            ok: true,
        }
    }
}

/// A value written under an old argument name, in the form its current name takes.
fn convert_renamed(schema: &Block, written: &str, value: Value) -> Value {
    let Some(rename) = schema.renamed.iter().find(|r| r.old == written) else {
        return value;
    };
    let (inner, sensitive) = value.unmark();
    let flag = inner.as_bool();
    let converted = match (rename.convert, flag) {
        (Convert::Same, _) => inner.clone(),
        (Convert::ToList, _) if matches!(inner, Value::List(_)) => inner.clone(),
        (Convert::ToList, _) => Value::List(vec![inner.clone()]),
        (Convert::EnabledDisabled, Some(b)) => {
            Value::string(if b { "Enabled" } else { "Disabled" })
        }
        (Convert::DisabledEnabled, Some(b)) => {
            Value::string(if b { "Disabled" } else { "Enabled" })
        }
        (Convert::Not, Some(b)) => Value::Bool(!b),
        _ => inner.clone(),
    };
    converted.mark_if(sensitive)
}

/// The name a nested block is stored under: its schema's, or as written in an opaque body.
fn block_key(parent: &Block, nested: &Block, written: &str) -> String {
    if parent.open {
        written.to_owned()
    } else {
        nested.name.to_owned()
    }
}

/// An argument's expression where it is written, not copied out of its body.
#[derive(Clone, Copy)]
struct Written<'e> {
    expr: &'e Expression,
    file: FileId,
}

impl Written<'_> {
    fn span(&self) -> Span {
        Span::new(self.file, self.expr.span().unwrap_or(0..0))
    }
}

/// What a reference to a block with `count` or `for_each` sees.
fn collected(repetition: &Repetition, planned: Vec<(Option<InstanceKey>, Value)>) -> Value {
    match repetition {
        Repetition::Count(_) => Value::List(planned.into_iter().map(|(_, v)| v).collect()),
        Repetition::ForEach(_) => Value::Map(
            planned
                .into_iter()
                .filter_map(|(k, v)| match k {
                    Some(InstanceKey::Key(k)) => Some((k.into(), v)),
                    _ => None,
                })
                .collect(),
        ),
    }
}
/// `lifecycle { ignore_changes }`: the prior values of the named attributes replace the
/// configured ones, so changes to them never show.
fn apply_ignore_changes(config: &mut Value, ignore: &[String], prior: Option<&Value>) {
    let (Value::Map(map), Some(Value::Map(prior))) = (config, prior) else {
        return;
    };
    let all = ignore.iter().any(|n| n == "all");
    let names: Vec<Key> = if all {
        map.keys().cloned().collect()
    } else {
        ignore.iter().map(|n| n.as_str().into()).collect()
    };
    for name in names {
        if let Some(p) = prior.get(name.as_str()) {
            map.insert(name, p.clone());
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
        .map(|c| (crate::source::edit_distance(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min()
        .map(|(_, c)| format!("did you mean \"{c}\"?"))
}
