//! Machine-readable documents with Terraform's field names. Unlike Terraform, sensitive
//! values are omitted (their `*_sensitive` marks are kept): plan JSON is often kept as a CI
//! artifact.

use std::collections::BTreeMap;

use miette::Diagnostic;
use serde_json::{Value as Json, json};

use super::diagnostics;
use crate::addr::ResourceAddr;
use crate::eval::value::Value;
use crate::model;
use crate::plan::{Action, Plan, ResourceChange};
use crate::render::values::marked_prior;
use crate::state::State;

const FORMAT_VERSION: &str = "1.2";

/// `validate -json`, fields in Terraform's order.
pub fn validate(diags: &[&dyn Diagnostic]) -> String {
    #[derive(serde::Serialize)]
    struct Document {
        format_version: &'static str,
        valid: bool,
        error_count: usize,
        warning_count: usize,
        diagnostics: Vec<Json>,
    }
    let errors = diags.iter().filter(|d| diagnostics::is_error(**d)).count();
    let doc = Document {
        format_version: "1.0",
        valid: errors == 0,
        error_count: errors,
        warning_count: diags.len() - errors,
        diagnostics: diags.iter().map(|d| diagnostics::to_json(*d)).collect(),
    };
    serde_json::to_string_pretty(&doc).expect("diagnostics serialise")
}

fn stream_line(level: &str, message: &str, kind: &str, extra: Json) -> String {
    let mut line = json!({
        "@level": level,
        "@message": message,
        "@module": "vnetform.ui",
        "@timestamp": humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string(),
        "type": kind,
    });
    if let (Some(obj), Json::Object(more)) = (line.as_object_mut(), extra) {
        obj.extend(more);
    }
    line.to_string()
}

fn resource_json(addr: &ResourceAddr) -> Json {
    json!({
        "addr": addr.to_string(),
        "module": "",
        "resource": addr.to_string(),
        "implied_provider": "azurerm",
        "resource_type": addr.resource_type,
        "resource_name": addr.name,
        "resource_key": null,
    })
}

fn action_word(action: Action) -> &'static str {
    match action {
        Action::NoOp => "noop",
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "delete",
        Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
        Action::Read => "read",
    }
}

/// The `plan -json` stream: one JSON object per line.
pub fn plan_stream(plan: Option<&Plan>, diags: &[&dyn Diagnostic]) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let mut lines = vec![stream_line(
        "info",
        &format!("vnetform {version}"),
        "version",
        json!({"terraform": version, "ui": "1.2"}),
    )];
    for d in diags {
        let level = if diagnostics::is_error(*d) {
            "error"
        } else {
            "warn"
        };
        let prefix = if level == "error" { "Error" } else { "Warning" };
        lines.push(stream_line(
            level,
            &format!("{prefix}: {d}"),
            "diagnostic",
            json!({"diagnostic": diagnostics::to_json(*d)}),
        ));
    }
    if let Some(plan) = plan {
        for d in &plan.drift {
            let action = if d.after.is_some() {
                "update"
            } else {
                "delete"
            };
            lines.push(stream_line(
                "info",
                &format!("{}: Drift detected ({action})", d.addr),
                "resource_drift",
                json!({"change": {"resource": resource_json(&d.addr), "action": action}}),
            ));
        }
        for c in plan.actions() {
            let mut change =
                json!({"resource": resource_json(&c.addr), "action": action_word(c.action)});
            if let Some(reason) = c.reason.and_then(|r| r.json()) {
                change["reason"] = json!(
                    reason
                        .trim_start_matches("replace_because_")
                        .trim_start_matches("delete_because_")
                );
            }
            lines.push(stream_line(
                "info",
                &format!("{}: Plan to {}", c.addr, action_word(c.action)),
                "planned_change",
                json!({"change": change}),
            ));
        }
        let (add, change, remove) = plan.summary();
        lines.push(stream_line(
            "info",
            &format!("Plan: {add} to add, {change} to change, {remove} to destroy."),
            "change_summary",
            json!({"changes": {"add": add, "change": change, "import": 0, "remove": remove, "operation": if plan.destroy { "destroy" } else { "plan" }}}),
        ));
        if !plan.reachability.is_empty() {
            lines.push(stream_line(
                "info",
                &format!(
                    "Network reachability: {} gained, {} lost",
                    plan.reachability.gained.len(),
                    plan.reachability.lost.len()
                ),
                "reachability",
                json!({"reachability": plan.reachability}),
            ));
        }
        let outputs: BTreeMap<&String, Json> = plan
            .outputs
            .iter()
            .filter(|(_, o)| o.is_change())
            .map(|(name, o)| {
                let action = match (&o.before, &o.after) {
                    (None, _) => "create",
                    (_, None) => "delete",
                    _ => "update",
                };
                (name, json!({"sensitive": o.sensitive, "action": action}))
            })
            .collect();
        if !outputs.is_empty() {
            lines.push(stream_line(
                "info",
                &format!("Outputs: {}", outputs.len()),
                "outputs",
                json!({"outputs": outputs}),
            ));
        }
    }
    lines.push(String::new());
    lines.join("\n")
}

/// A value as JSON with unknown and sensitive leaves left out.
fn known_json(v: &Value) -> Option<Json> {
    match v {
        Value::Unknown | Value::Sensitive(_) => None,
        Value::List(items) => Some(Json::Array(
            items
                .iter()
                .map(|i| known_json(i).unwrap_or(Json::Null))
                .collect(),
        )),
        Value::Map(map) => Some(Json::Object(
            map.iter()
                .filter_map(|(k, v)| known_json(v).map(|j| (k.to_string(), j)))
                .collect(),
        )),
        other => Some(other.to_json()),
    }
}

fn change_json(c: &ResourceChange) -> Json {
    let block = model::schema(&c.addr.resource_type).map(|s| &s.body);
    let before = c
        .before
        .as_ref()
        .map(|b| marked_prior(b, &c.before_sensitive, block));
    let mut doc = json!({
        "address": c.addr.to_string(),
        "mode": c.addr.mode.as_str(),
        "type": c.addr.resource_type,
        "name": c.addr.name,
        "provider_name": "registry.terraform.io/hashicorp/azurerm",
        "change": {
            "actions": c.action.json_actions(),
            "before": before.as_ref().and_then(known_json),
            "after": c.after.as_deref().and_then(known_json),
            "after_unknown": c.after.as_deref().map_or(json!({}), Value::unknown_tree),
            "before_sensitive": before.as_ref().map_or(json!(false), Value::sensitive_tree),
            "after_sensitive": c.after.as_deref().map_or(json!(false), Value::sensitive_tree),
            "replace_paths": c.replace_paths,
        },
    });
    if let Some(reason) = c.reason.and_then(|r| r.json()) {
        doc["action_reason"] = json!(reason);
    }
    if let Some(from) = &c.moved_from {
        doc["previous_address"] = json!(from.to_string());
    }
    if let Some(id) = &c.importing {
        doc["change"]["importing"] = json!({ "id": id });
    }
    doc
}

/// `show -json PLANFILE`: the plan document.
pub fn plan_document(plan: &Plan) -> Json {
    let output_changes: BTreeMap<&String, Json> = plan
        .outputs
        .iter()
        .map(|(name, o)| {
            let actions: &[&str] = match (&o.before, &o.after, o.is_change()) {
                (_, _, false) => &["no-op"],
                (None, _, _) => &["create"],
                (_, None, _) => &["delete"],
                _ => &["update"],
            };
            let hide = |j: Option<Json>| {
                if o.sensitive {
                    Json::Null
                } else {
                    j.unwrap_or(Json::Null)
                }
            };
            (
                name,
                json!({
                    "actions": actions,
                    "before": hide(o.before.clone()),
                    "after": hide(o.after.as_ref().and_then(known_json)),
                    "after_unknown": o.after.as_ref().is_some_and(|a| !a.is_wholly_known()),
                    "before_sensitive": o.sensitive,
                    "after_sensitive": o.sensitive,
                }),
            )
        })
        .collect();
    let planned: Vec<Json> = plan
        .changes
        .iter()
        .filter_map(|c| {
            let after = c.after.as_ref()?;
            Some(json!({
                "address": c.addr.to_string(),
                "mode": c.addr.mode.as_str(),
                "type": c.addr.resource_type,
                "name": c.addr.name,
                "provider_name": "registry.terraform.io/hashicorp/azurerm",
                "values": known_json(after),
                "sensitive_values": after.sensitive_tree(),
            }))
        })
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "terraform_version": env!("CARGO_PKG_VERSION"),
        "planned_values": {"root_module": {"resources": planned}},
        "resource_drift": plan.drift.iter().map(|d| json!({"address": d.addr.to_string(), "change": {"actions": [if d.after.is_some() { "update" } else { "delete" }]}})).collect::<Vec<_>>(),
        "resource_changes": plan.changes.iter().map(change_json).collect::<Vec<_>>(),
        "output_changes": output_changes,
        "reachability": plan.reachability,
        "applyable": plan.has_changes(),
        "complete": true,
        "errored": false,
    })
}

/// `show -json` without a plan file: the state document.
pub fn state_document(state: &State) -> Json {
    let resources: Vec<Json> = state
        .resources
        .iter()
        .map(|(addr, r)| {
            let block = model::schema(&addr.resource_type).map(|s| &s.body);
            let v = marked_prior(&r.attributes, &r.sensitive_attributes, block);
            json!({
                "address": addr.to_string(),
                "mode": addr.mode.as_str(),
                "type": addr.resource_type,
                "name": addr.name,
                "provider_name": "registry.terraform.io/hashicorp/azurerm",
                "schema_version": 0,
                "values": known_json(&v),
                "sensitive_values": v.sensitive_tree(),
                "depends_on": r.dependencies.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "tainted": r.tainted,
            })
        })
        .collect();
    let outputs: BTreeMap<&String, Json> = state
        .outputs
        .iter()
        .map(|(k, o)| (k, json!({"sensitive": o.sensitive, "value": if o.sensitive { Json::Null } else { o.value.clone() }})))
        .collect();
    json!({
        "format_version": "1.0",
        "terraform_version": env!("CARGO_PKG_VERSION"),
        "values": {"outputs": outputs, "root_module": {"resources": resources}},
    })
}
