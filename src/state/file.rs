//! The state file format: Terraform's version 4 JSON.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{ResourceState, State, StateOutput};
use crate::addr::{InstanceKey, Mode, ResourceAddr, module_path_string, parse_module_path};
use crate::eval::value::Value;

/// The version recorded as the state's writer.
const THIS_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The azurerm provider address recorded on every resource.
const AZURERM_PROVIDER: &str = "provider[\"registry.terraform.io/hashicorp/azurerm\"]";

/// The document; attributes are shared with the state when writing, so writing a state of
/// thousands of objects does not copy them.
#[derive(Serialize, Deserialize)]
struct FileV4 {
    version: u64,
    terraform_version: String,
    serial: u64,
    lineage: String,
    #[serde(default)]
    outputs: BTreeMap<String, OutputV4>,
    #[serde(default)]
    resources: Vec<ResourceV4>,
    #[serde(default)]
    check_results: Option<serde_json::Value>,
}

#[derive(Serialize, Deserialize)]
struct OutputV4 {
    value: serde_json::Value,
    #[serde(rename = "type")]
    ty: serde_json::Value,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    sensitive: bool,
}

#[derive(Serialize, Deserialize)]
struct ResourceV4 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    module: Option<String>,
    mode: String,
    #[serde(rename = "type")]
    ty: String,
    name: String,
    provider: String,
    instances: Vec<InstanceV4>,
}

#[derive(Serialize, Deserialize)]
struct InstanceV4 {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    index_key: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    #[serde(default)]
    schema_version: u64,
    #[serde(with = "crate::eval::value::plain")]
    attributes: Arc<Value>,
    #[serde(default)]
    sensitive_attributes: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    create_before_destroy: bool,
}

/// Why a state document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("not valid state JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("state format version {0} is not supported (this tool reads version 4)")]
    Version(u64),
    #[error("\"{0}\" is not a module path")]
    Module(String),
    #[error("resource {0} has an instance key that is neither a number nor a string")]
    InstanceKey(String),
}

/// A state file as read.
#[derive(Debug)]
pub(super) struct Parsed {
    pub state: State,
    /// Whether this version of vnetform wrote the file, so that its text is what [`render`]
    /// gives for `state`.
    pub rendered_here: bool,
}

pub(super) fn parse(text: &str) -> Result<Parsed, FormatError> {
    from_document(serde_json::from_str(text)?)
}

/// [`parse`] from a reader, for a file too large to be worth holding as text as well.
pub(super) fn read(reader: impl std::io::Read) -> Result<Parsed, FormatError> {
    from_document(serde_json::from_reader(reader)?)
}

fn from_document(file: FileV4) -> Result<Parsed, FormatError> {
    if file.version != 4 {
        return Err(FormatError::Version(file.version));
    }
    let mut resources = BTreeMap::new();
    for r in file.resources {
        let module = match &r.module {
            Some(text) => parse_module_path(text).map_err(|_| FormatError::Module(text.clone()))?,
            None => Vec::new(),
        };
        let mode = if r.mode == "data" {
            Mode::Data
        } else {
            Mode::Managed
        };
        let base = ResourceAddr {
            module,
            mode,
            ..ResourceAddr::managed(r.ty, r.name)
        };
        for instance in r.instances {
            let key = match &instance.index_key {
                None => None,
                Some(serde_json::Value::Number(n)) => Some(InstanceKey::Index(
                    n.as_u64()
                        .ok_or_else(|| FormatError::InstanceKey(base.to_string()))?
                        as usize,
                )),
                Some(serde_json::Value::String(k)) => Some(InstanceKey::Key(k.clone())),
                Some(_) => return Err(FormatError::InstanceKey(base.to_string())),
            };
            resources.insert(
                base.instance(key),
                ResourceState {
                    attributes: instance.attributes,
                    sensitive_attributes: instance
                        .sensitive_attributes
                        .iter()
                        .filter_map(first_step)
                        .collect(),
                    dependencies: instance
                        .dependencies
                        .iter()
                        .filter_map(|d| d.parse().ok())
                        .collect(),
                    tainted: instance.status.as_deref() == Some("tainted"),
                    create_before_destroy: instance.create_before_destroy,
                },
            );
        }
    }
    let outputs = file
        .outputs
        .into_iter()
        .map(|(k, o)| {
            (
                k,
                StateOutput {
                    value: o.value,
                    sensitive: o.sensitive,
                },
            )
        })
        .collect();
    Ok(Parsed {
        rendered_here: file.terraform_version == THIS_VERSION,
        state: State {
            lineage: file.lineage,
            serial: file.serial,
            resources,
            outputs,
        },
    })
}

/// The attribute name a `sensitive_attributes` path starts with.
fn first_step(path: &serde_json::Value) -> Option<String> {
    let step = path.as_array()?.first()?;
    step.get("value")?.as_str().map(str::to_owned)
}

/// The state file's text for `state` at `serial`.
pub(super) fn render(state: &State, serial: u64) -> String {
    let mut text = Vec::new();
    render_into(state, serial, &mut text).expect("writing into memory does not fail");
    String::from_utf8(text).expect("JSON is UTF-8")
}

/// Streams the text [`render`] returns into `out`, without holding it.
pub(super) fn render_into(
    state: &State,
    serial: u64,
    mut out: impl std::io::Write,
) -> std::io::Result<()> {
    let file = FileV4 {
        version: 4,
        terraform_version: THIS_VERSION.to_owned(),
        serial,
        lineage: state.lineage.clone(),
        outputs: state
            .outputs
            .iter()
            .map(|(k, o)| {
                (
                    k.clone(),
                    OutputV4 {
                        value: o.value.clone(),
                        ty: type_of(&o.value),
                        sensitive: o.sensitive,
                    },
                )
            })
            .collect(),
        resources: grouped(state),
        check_results: None,
    };
    serde_json::to_writer_pretty(&mut out, &file)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// One state entry per resource block, its instances in key order (the map is sorted).
fn grouped(state: &State) -> Vec<ResourceV4> {
    let mut out: Vec<ResourceV4> = Vec::new();
    let mut last: Option<ResourceAddr> = None;
    for (addr, r) in &state.resources {
        let instance = InstanceV4 {
            index_key: addr.key.as_ref().map(|k| match k {
                InstanceKey::Index(i) => serde_json::Value::from(*i),
                InstanceKey::Key(k) => serde_json::Value::from(k.as_str()),
            }),
            status: r.tainted.then(|| "tainted".to_owned()),
            schema_version: 0,
            attributes: Arc::clone(&r.attributes),
            sensitive_attributes: r
                .sensitive_attributes
                .iter()
                .map(|name| serde_json::json!([{"type": "get_attr", "value": name}]))
                .collect(),
            dependencies: r.dependencies.iter().map(ToString::to_string).collect(),
            create_before_destroy: r.create_before_destroy,
        };
        match out.last_mut() {
            Some(entry) if last.as_ref() == Some(&addr.config()) => entry.instances.push(instance),
            _ => out.push(ResourceV4 {
                module: (!addr.module.is_empty()).then(|| module_path_string(&addr.module)),
                mode: addr.mode.as_str().to_owned(),
                ty: addr.resource_type.to_string(),
                name: addr.name.to_string(),
                provider: AZURERM_PROVIDER.to_owned(),
                instances: vec![instance],
            }),
        }
        last = Some(addr.config());
    }
    out
}

/// The cty type of a JSON value, as Terraform records output types.
fn type_of(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::{Value as J, json};
    match value {
        J::Null => json!("dynamic"),
        J::Bool(_) => json!("bool"),
        J::Number(_) => json!("number"),
        J::String(_) => json!("string"),
        J::Array(items) => json!(["tuple", items.iter().map(type_of).collect::<Vec<_>>()]),
        J::Object(map) => json!([
            "object",
            map.iter()
                .map(|(k, v)| (k.clone(), type_of(v)))
                .collect::<serde_json::Map<_, _>>()
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_terraform_fields() {
        let text = r#"{"version":4,"terraform_version":"1.11.4","serial":3,"lineage":"abc",
          "outputs":{"o":{"value":"x","type":"string"}},
          "resources":[{"mode":"managed","type":"azurerm_resource_group","name":"rg",
            "provider":"provider[\"registry.terraform.io/hashicorp/azurerm\"]",
            "instances":[{"schema_version":0,"attributes":{"id":"/subscriptions/s/resourceGroups/rg","name":"rg"},
              "sensitive_attributes":[],"private":"bnVsbA==","status":"tainted"}]}]}"#;
        let state = parse(text).unwrap().state;
        assert_eq!(state.serial, 3);
        let rg = &state.resources[&ResourceAddr::managed("azurerm_resource_group", "rg")];
        assert!(rg.tainted);
        let again = parse(&render(&state, state.serial)).unwrap().state;
        assert_eq!(again, state);
    }

    #[test]
    fn groups_instances_under_their_resource_with_index_keys() {
        let text = r#"{"version":4,"terraform_version":"1.11.4","serial":1,"lineage":"l","outputs":{},
          "resources":[{"mode":"managed","type":"azurerm_subnet","name":"s","provider":"p",
            "instances":[{"index_key":0,"attributes":{"id":"a"}},{"index_key":1,"attributes":{"id":"b"}}]},
           {"mode":"managed","type":"azurerm_virtual_network","name":"v","provider":"p",
            "instances":[{"index_key":"web","attributes":{"id":"c"}}]}]}"#;
        let state = parse(text).unwrap().state;
        let addrs: Vec<String> = state.resources.keys().map(ToString::to_string).collect();
        assert_eq!(
            addrs,
            [
                "azurerm_subnet.s[0]",
                "azurerm_subnet.s[1]",
                r#"azurerm_virtual_network.v["web"]"#
            ]
        );
        let rendered: serde_json::Value =
            serde_json::from_str(&render(&state, state.serial)).unwrap();
        assert_eq!(rendered["resources"].as_array().unwrap().len(), 2);
        assert_eq!(rendered["resources"][0]["instances"][1]["index_key"], 1);
        assert_eq!(rendered["resources"][1]["instances"][0]["index_key"], "web");
        assert_eq!(parse(&render(&state, state.serial)).unwrap().state, state);
    }

    #[test]
    fn refuses_other_versions() {
        let err =
            parse(r#"{"version":3,"terraform_version":"x","serial":1,"lineage":"l"}"#).unwrap_err();
        assert!(err.to_string().contains("version 3"));
    }
}
