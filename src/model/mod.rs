//! The domain model: which resource types exist, their schemas, and how a configured object
//! becomes a planned object.
//!
//! Owns the azurerm schemas ([`azurerm`]), deterministic ARM ids, location normalisation and
//! [`plan_object`], the pure function that merges configuration with prior state (defaults,
//! optional-computed attributes, replace-on-change). It is plain data and pure functions: no
//! IO, no evaluation of expressions, no knowledge of a backend or of the state file.

mod azurerm;
mod data;
pub mod limits;
mod random;
pub mod schema;

use std::sync::Arc;

use crate::eval::value::{Fields, Key, Value};
pub use schema::{Attr, Block, IdShape, Kind, OPEN, OPEN_NESTED, ResourceSchema, Ty};

/// The all-zero subscription used when none is configured.
pub const DEFAULT_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";

/// A path into an object, as Terraform's `replace_paths` spell it: attribute names and indexes.
pub type Path = Vec<serde_json::Value>;

/// Looks up the schema of a modelled resource type.
pub fn schema(resource_type: &str) -> Option<&'static ResourceSchema> {
    azurerm::RESOURCE_SCHEMAS
        .iter()
        .chain(random::RESOURCE_SCHEMAS)
        .find(|s| s.type_name == resource_type)
}

pub use data::DataSchema;

/// Looks up a data source type.
pub fn data_schema(data_type: &str) -> Option<&'static DataSchema> {
    data::DATA_SCHEMAS
        .iter()
        .find(|s| s.schema.type_name == data_type)
}

/// All data source types, sorted.
pub fn data_types() -> impl Iterator<Item = &'static str> {
    data::DATA_SCHEMAS.iter().map(|s| s.schema.type_name)
}

/// All modelled resource types, sorted.
pub fn resource_types() -> impl Iterator<Item = &'static str> {
    azurerm::RESOURCE_SCHEMAS
        .iter()
        .chain(random::RESOURCE_SCHEMAS)
        .map(|s| s.type_name)
}

/// Azure's normalised region name: lower case without spaces (`West Europe` → `westeurope`).
pub fn normalize_location(location: &str) -> String {
    location
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The `id` attribute of an object as a backend returns it.
pub fn id_of(attributes: &serde_json::Value) -> Option<&str> {
    attributes.get("id").and_then(serde_json::Value::as_str)
}

/// The `id` attribute of an object as state records it.
pub fn recorded_id(attributes: &Value) -> Option<&str> {
    attributes.get("id").as_str()
}

/// The deterministic ARM id of an object, or `Unknown` while a part of it is unknown.
pub fn arm_id(shape: IdShape, subscription: &str, object: &Value) -> Value {
    let part = |key: &str| object.get(key).as_str();
    let id = match shape {
        IdShape::ResourceGroup => part("name")
            .map(|name| format!("/subscriptions/{subscription}/resourceGroups/{name}")),
        IdShape::Provider(kind) => part("resource_group_name")
            .zip(part("name"))
            .map(|(rg, name)| {
                format!("/subscriptions/{subscription}/resourceGroups/{rg}/providers/{kind}/{name}")
            }),
        IdShape::Assigned => None,
        IdShape::VnetChild(kind) => part("resource_group_name")
            .zip(part("virtual_network_name"))
            .zip(part("name"))
            .map(|((rg, vnet), name)| {
                format!(
                    "/subscriptions/{subscription}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}/{kind}/{name}"
                )
            }),
        IdShape::Child { parent, kind } => part(parent)
            .zip(part("name"))
            .map(|(parent, name)| format!("{parent}/{kind}/{name}")),
        IdShape::PoolAssociation => part("network_interface_id")
            .zip(part("ip_configuration_name"))
            .zip(part("backend_address_pool_id"))
            .map(|((nic, config), pool)| format!("{nic}/ipConfigurations/{config}|{pool}")),
    };
    id.map_or(Value::Unknown, Value::String)
}

/// Fills the arguments whose default depends on the azurerm major version the configuration
/// was written for (a public IP without `sku` is Basic before 4.0, Standard from 4.0).
pub fn apply_version_defaults(resource_type: &str, azurerm_major: u64, config: &mut Value) {
    let Value::Map(map) = config else { return };
    if azurerm_major >= 4 {
        return;
    }
    for (_, attr, value) in azurerm::DEFAULTS_BEFORE_4
        .iter()
        .filter(|(t, _, _)| *t == resource_type)
    {
        if map.get(*attr).is_none_or(Value::is_null) {
            map.insert((*attr).into(), Value::string(*value));
        }
    }
}

/// The id of an object of a type the tool does not model: ARM-shaped when it has a name and
/// resource group (as azurerm objects do), else derived from its address; known at plan time.
pub fn opaque_id(resource_type: &str, address: &str, subscription: &str, object: &Value) -> Value {
    let part = |key: &str| object.get(key);
    match (part("name"), part("resource_group_name")) {
        (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
        (Value::String(name), Value::String(rg)) => Value::String(format!(
            "/subscriptions/{subscription}/resourceGroups/{rg}/providers/vnetform.opaque/{resource_type}/{name}"
        )),
        _ => Value::String(
            uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, address.as_bytes()).to_string(),
        ),
    }
}

/// Plans an object of a type the tool does not model: its arguments as written, plus its id.
pub fn plan_opaque(
    resource_type: &str,
    address: &str,
    subscription: &str,
    config: &Value,
) -> PlannedObject {
    let mut value = config.clone();
    let id = opaque_id(resource_type, address, subscription, config);
    if let Value::Map(map) = &mut value {
        map.insert("id".into(), id);
    }
    PlannedObject {
        value: Arc::new(value),
        replace_paths: Vec::new(),
    }
}

/// The outcome of planning one object: its new value and the paths that force replacement.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedObject {
    /// The recorded object itself when nothing changes: a plan of thousands of unchanged
    /// objects holds them once.
    pub value: Arc<Value>,
    pub replace_paths: Vec<Path>,
}

/// Merges an evaluated configuration object with the prior (refreshed) state of the same
/// resource, as Terraform's ProposedNew plus the provider's plan would: defaults fill unset
/// optional attributes, optional-computed ones keep their prior value, computed ones stay as
/// they were unless the object is replaced, and any change to a force-new argument is
/// recorded as a replace path. Ids are derived, so they are known at plan time.
pub fn plan_object(
    schema: &ResourceSchema,
    subscription: &str,
    config: &Value,
    prior: Option<&Arc<Value>>,
) -> PlannedObject {
    let mut replace_paths = Vec::new();
    let mut value = plan_block(
        &schema.body,
        config,
        prior.map(|p| &**p),
        &mut Vec::new(),
        &mut replace_paths,
    );
    if !replace_paths.is_empty() {
        // A replacement is a new object: nothing computed survives from the old one.
        value = plan_block(&schema.body, config, None, &mut Vec::new(), &mut Vec::new());
    }
    derive_known_attributes(schema, subscription, &mut value);
    let value = match prior {
        // Not with marks: a marked value equals its plain prior, yet must keep its marks.
        Some(prior) if !value.contains_sensitive() && !differs_from_prior(&value, prior) => {
            Arc::clone(prior)
        }
        _ => Arc::new(value),
    };
    PlannedObject {
        value,
        replace_paths,
    }
}

fn plan_block(
    block: &Block,
    config: &Value,
    prior: Option<&Value>,
    path: &mut Path,
    replace_paths: &mut Vec<Path>,
) -> Value {
    // Gathered in schema order, sorted once into an object at the end.
    let mut out = Vec::with_capacity(block.attrs.len() + block.blocks.len());
    // What the prior object holds under `name` (null when absent), borrowed.
    let prior_of = |name: &str| prior.map(|p| p.get(name));
    for attr in block.attrs {
        let prior_value = prior_of(attr.name);
        let planned = plan_attribute(attr, config.get(attr.name), prior_value);
        // A state written before an argument existed (an older provider, a Terraform state)
        // lacks it: absent means "the default", which is no reason to replace anything.
        let absent_as_default =
            |before: &Value| before.is_null() && Some(&planned) == default_value(attr).as_ref();
        if attr.force_new
            && let Some(before) = prior_value
            && differs_from_prior(&planned, before)
            && !absent_as_default(before)
        {
            replace_paths.push(extend(path, attr.name));
        }
        out.push((Key::const_new(attr.name), planned.mark_if(attr.sensitive)));
    }
    for nested in block.blocks {
        let prior_items = prior_of(nested.name);
        path.push(nested.name.into());
        let planned = plan_nested(
            nested,
            config.get(nested.name),
            prior_items,
            path,
            replace_paths,
        );
        path.pop();
        if nested.force_new
            && let Some(before) = prior_items
            && differs_from_prior(&planned, before)
        {
            replace_paths.push(extend(path, nested.name));
        }
        out.push((Key::const_new(nested.name), planned));
    }
    // Names are unique within a block: an unstable sort in place, without the stable sort's
    // scratch buffer and duplicate pass that collecting into a map would take.
    out.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
    Value::Map(Fields::from_sorted_store_unchecked(out))
}

fn plan_nested(
    block: &Block,
    config: &Value,
    prior: Option<&Value>,
    path: &mut Path,
    replace_paths: &mut Vec<Path>,
) -> Value {
    if config.is_unknown() {
        return Value::Unknown;
    }
    let Some(items) = config.as_list() else {
        return match prior {
            Some(p) if block.optional_computed => p.clone(),
            None if block.optional_computed => Value::Unknown,
            _ => Value::List(Vec::new()),
        };
    };
    let prior_items = prior.and_then(Value::as_list);
    let mut planned: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let prior_item = prior_items.and_then(|p| p.get(i));
            path.push(i.into());
            // Nested force-new attributes are reported once, at the block level.
            let v = plan_block(block, item, prior_item, path, &mut Vec::new());
            path.pop();
            v
        })
        .collect();
    if block.set {
        planned.sort_by_key(|v| v.to_json().to_string());
    }
    let _ = replace_paths;
    Value::List(planned)
}

fn plan_attribute(attr: &Attr, config: &Value, prior: Option<&Value>) -> Value {
    // `prior` is `Some` whenever the object exists, even if this attribute is null in it.
    let from_state = || prior.cloned();
    let default = || default_value(attr);
    match attr.kind {
        Kind::Required | Kind::Optional if config.is_null() => default().unwrap_or(Value::Null),
        Kind::Required | Kind::Optional => normalize(attr.ty, config),
        Kind::OptionalComputed if !config.is_null() => normalize(attr.ty, config),
        Kind::OptionalComputed => from_state().or_else(default).unwrap_or(Value::Unknown),
        Kind::Computed => from_state().unwrap_or(Value::Unknown),
    }
}

fn default_value(attr: &Attr) -> Option<Value> {
    match attr.default {
        schema::Default::None => None,
        schema::Default::Str(s) => Some(Value::string(s)),
        schema::Default::Bool(b) => Some(Value::Bool(b)),
        schema::Default::Int(i) => Some(Value::Number(i as f64)),
    }
}

/// Puts a configured value in the form the backend stores: sets sorted, regions normalised.
pub fn normalize(ty: Ty, value: &Value) -> Value {
    let (inner, sensitive) = value.unmark();
    let normalized = match (ty, inner) {
        (Ty::Set, Value::List(items)) if value.is_wholly_known() => {
            let mut items = items.clone();
            items.sort_by_key(|v| v.to_json().to_string());
            items.dedup();
            Value::List(items)
        }
        (Ty::Location, Value::String(s)) => Value::String(normalize_location(s)),
        _ => inner.clone(),
    };
    normalized.mark_if(sensitive)
}

/// True when a planned value is not known to equal the prior JSON value.
pub fn differs(planned: &Value, prior: &serde_json::Value) -> bool {
    !planned.is_wholly_known() || !planned.same_as_json(prior)
}

/// True when a planned value is not known to equal the value recorded in state.
pub fn differs_from_prior(planned: &Value, prior: &Value) -> bool {
    !planned.is_wholly_known() || !planned.same_as_plain(prior)
}

fn extend(path: &Path, name: &str) -> Path {
    let mut p = path.clone();
    p.push(name.into());
    p
}

/// Fills the attributes whose values are known at plan time although the backend sets them:
/// the ARM id and, for a VNet, the ids of its inline subnets.
fn derive_known_attributes(schema: &ResourceSchema, subscription: &str, value: &mut Value) {
    if schema.id_shape == IdShape::Assigned {
        // Planned like any computed attribute: kept from state, or known after apply.
        return;
    }
    let id = arm_id(schema.id_shape, subscription, value);
    let Value::Map(map) = value else { return };
    if let (Some(Value::List(subnets)), Some(vnet_id)) = (map.get_mut("subnet"), id.as_str()) {
        for subnet in subnets.iter_mut() {
            let name = subnet.get("name").as_str().map(str::to_owned);
            if let (Value::Map(s), Some(name)) = (subnet, name) {
                s.insert(
                    "id".into(),
                    Value::String(format!("{vnet_id}/subnets/{name}")),
                );
            }
        }
    }
    map.insert("id".into(), id);
}

/// The dotted paths of schema-sensitive attributes present in an object (for state's
/// `sensitive_attributes` and for redaction of values read back from state).
pub fn sensitive_attribute_names(schema: &ResourceSchema) -> impl Iterator<Item = &'static str> {
    schema
        .body
        .attrs
        .iter()
        .filter(|a| a.sensitive)
        .map(|a| a.name)
}

/// The string values of an object's arguments (attributes set from configuration, not the
/// ones the backend computes), nested blocks included, that `keep` accepts. The object is
/// walked rather than the schema, so only an attribute holding a kept string is looked up.
pub fn argument_strings<'v>(
    schema: &ResourceSchema,
    value: &'v Value,
    keep: &dyn Fn(&str) -> bool,
) -> Vec<&'v str> {
    let mut out = Vec::new();
    block_argument_strings(&schema.body, value, keep, &mut out);
    out
}

fn block_argument_strings<'v>(
    block: &Block,
    value: &'v Value,
    keep: &dyn Fn(&str) -> bool,
    out: &mut Vec<&'v str>,
) {
    for (name, v) in value.as_map().into_iter().flatten() {
        if let Some(nested) = block.block(name) {
            for item in v.as_list().unwrap_or_default() {
                block_argument_strings(nested, item, keep, out);
            }
            continue;
        }
        let found = out.len();
        collect_strings(v, keep, out);
        if out.len() > found && block.attr(name).is_none_or(|a| a.kind == Kind::Computed) {
            out.truncate(found);
        }
    }
}

fn collect_strings<'v>(value: &'v Value, keep: &dyn Fn(&str) -> bool, out: &mut Vec<&'v str>) {
    match value.unmark().0 {
        Value::String(s) if keep(s) => out.push(s),
        Value::List(items) => items.iter().for_each(|i| collect_strings(i, keep, out)),
        Value::Map(map) => map.values().for_each(|i| collect_strings(i, keep, out)),
        _ => {}
    }
}

/// True when two objects of a resource type differ in an argument (computed attributes, which
/// the backend changes on its own, are ignored).
pub fn arguments_differ(schema: &ResourceSchema, a: &Value, b: &Value) -> bool {
    block_arguments_differ(&schema.body, a, b)
}

fn block_arguments_differ(block: &Block, a: &Value, b: &Value) -> bool {
    block
        .attrs
        .iter()
        .filter(|attr| attr.kind != Kind::Computed)
        .any(|attr| a.get(attr.name) != b.get(attr.name))
        || block.blocks.iter().any(|nested| {
            let x = a.get(nested.name).as_list().unwrap_or_default();
            let y = b.get(nested.name).as_list().unwrap_or_default();
            x.len() != y.len()
                || x.iter()
                    .zip(y)
                    .any(|(p, q)| block_arguments_differ(nested, p, q))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn create_fills_defaults_and_derives_the_id() {
        let schema = schema("azurerm_public_ip").unwrap();
        let config = obj(&[
            ("name", Value::string("pip1")),
            ("resource_group_name", Value::string("rg")),
            ("location", Value::string("West Europe")),
            ("allocation_method", Value::string("Static")),
        ]);
        let planned = plan_object(schema, DEFAULT_SUBSCRIPTION, &config, None);
        let v = &planned.value;
        assert_eq!(v.get("sku"), &Value::string("Standard"));
        assert_eq!(v.get("location"), &Value::string("westeurope"));
        assert_eq!(v.get("ip_address"), &Value::Unknown);
        assert_eq!(
            v.get("id").as_str().unwrap(),
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/pip1"
        );
        assert!(planned.replace_paths.is_empty());
    }

    #[test]
    fn force_new_change_is_a_replace_path_and_resets_computed_values() {
        let schema = schema("azurerm_public_ip").unwrap();
        let config = obj(&[
            ("name", Value::string("pip1")),
            ("resource_group_name", Value::string("rg")),
            ("location", Value::string("westeurope")),
            ("allocation_method", Value::string("Static")),
            ("sku", Value::string("Basic")),
        ]);
        let prior = json!({"name": "pip1", "resource_group_name": "rg", "location": "westeurope",
            "allocation_method": "Static", "sku": "Standard", "ip_address": "20.0.0.4"});
        let planned = plan_object(
            schema,
            DEFAULT_SUBSCRIPTION,
            &config,
            Some(&Arc::new(prior.into())),
        );
        assert_eq!(planned.replace_paths, vec![vec![json!("sku")]]);
        assert_eq!(planned.value.get("ip_address"), &Value::Unknown);
    }

    #[test]
    fn an_unchanged_object_is_its_recorded_state_itself() {
        let schema = schema("azurerm_resource_group").unwrap();
        let config =
            |location: Value| obj(&[("name", Value::string("rg")), ("location", location)]);
        let created = plan_object(
            schema,
            DEFAULT_SUBSCRIPTION,
            &config(Value::string("westeurope")),
            None,
        );
        assert!(created.value.is_wholly_known());
        let recorded = Arc::new(Value::from(created.value.to_json()));
        let plan = |location: Value| {
            plan_object(
                schema,
                DEFAULT_SUBSCRIPTION,
                &config(location),
                Some(&recorded),
            )
            .value
        };
        assert!(Arc::ptr_eq(&plan(Value::string("westeurope")), &recorded));
        assert!(!Arc::ptr_eq(&plan(Value::string("northeurope")), &recorded));
        // The same text from a sensitive variable: the planned object keeps its mark.
        let marked = plan(Value::string("westeurope").sensitive());
        assert!(!Arc::ptr_eq(&marked, &recorded));
        assert!(marked.contains_sensitive());
    }

    #[test]
    fn sets_are_order_insensitive() {
        let a = normalize(
            Ty::Set,
            &Value::List(vec![Value::string("b"), Value::string("a")]),
        );
        assert_eq!(a, Value::List(vec![Value::string("a"), Value::string("b")]));
    }

    #[test]
    fn names_are_unique_within_every_block_as_planning_relies_on() {
        fn check(block: &Block, at: &str) {
            let mut names: Vec<&str> = block.attrs.iter().map(|a| a.name).collect();
            names.extend(block.blocks.iter().map(|b| b.name));
            names.sort_unstable();
            let repeated = names.windows(2).find(|w| w[0] == w[1]);
            assert!(repeated.is_none(), "{at}: {repeated:?} named twice");
            for nested in block.blocks {
                check(nested, &format!("{at}.{}", nested.name));
            }
        }
        let resources = azurerm::RESOURCE_SCHEMAS
            .iter()
            .chain(random::RESOURCE_SCHEMAS);
        let data = data::DATA_SCHEMAS.iter().map(|d| &d.schema);
        for schema in resources.chain(data) {
            check(&schema.body, schema.type_name);
        }
    }
}
