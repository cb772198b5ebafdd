//! `plan -generate-config-out`: a resource block written from an object read from the cloud,
//! holding every argument its schema lets configuration set (computed attributes left out),
//! for the user to review and trim.

use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::addr::ResourceAddr;
use crate::model::schema::{Block, Kind};

/// The resource block for `addr`, adopted from `id`, with the arguments of `object`.
pub fn resource_block(addr: &ResourceAddr, block: &Block, object: &Json, id: &str) -> String {
    let mut out = format!(
        "# __generated__ by vnetform from \"{}\"\nresource \"{}\" \"{}\" {{\n",
        escape(id),
        addr.resource_type,
        addr.name
    );
    body(block, object, 1, &mut out);
    out.push_str("}\n");
    out
}

fn body(block: &Block, object: &Json, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    for attr in block.attrs.iter().filter(|a| a.kind != Kind::Computed) {
        match object.get(attr.name) {
            None | Some(Json::Null) => {}
            Some(value) => writeln!(out, "{pad}{} = {}", attr.name, value_text(value)).unwrap(),
        }
    }
    for nested in block.blocks {
        let items = match object.get(nested.name) {
            Some(Json::Array(items)) => items.as_slice(),
            Some(item @ Json::Object(_)) => std::slice::from_ref(item),
            _ => &[],
        };
        for item in items {
            writeln!(out, "\n{pad}{} {{", nested.name).unwrap();
            body(nested, item, depth + 1, out);
            writeln!(out, "{pad}}}").unwrap();
        }
    }
}

/// A value in HCL syntax.
fn value_text(value: &Json) -> String {
    match value {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => format!("\"{}\"", escape(s)),
        Json::Array(items) => {
            let items: Vec<String> = items.iter().map(value_text).collect();
            format!("[{}]", items.join(", "))
        }
        Json::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{} = {}", key_text(k), value_text(v)))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
    }
}

fn key_text(key: &str) -> String {
    let identifier = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if identifier {
        key.to_owned()
    } else {
        format!("\"{}\"", escape(key))
    }
}

/// A string's content for an HCL quoted string: JSON's escapes, and `${` / `%{` doubled so
/// they stay literal.
fn escape(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted[1..quoted.len() - 1]
        .replace("${", "$${")
        .replace("%{", "%%{")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_arguments_and_blocks_but_not_computed_attributes() {
        let schema = crate::model::schema("azurerm_virtual_network").unwrap();
        let object = serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
            "name": "v", "resource_group_name": "rg", "location": "westeurope",
            "address_space": ["10.0.0.0/16"], "guid": "computed", "tags": {"cost-centre": "${x}"},
            "subnet": [{"name": "a", "address_prefixes": ["10.0.1.0/24"], "id": "sub"}]
        });
        let addr: ResourceAddr = "azurerm_virtual_network.v".parse().unwrap();
        let text = resource_block(&addr, &schema.body, &object, "ID");
        assert!(
            text.contains("  address_space = [\"10.0.0.0/16\"]\n"),
            "{text}"
        );
        assert!(
            text.contains("tags = { cost-centre = \"$${x}\" }"),
            "{text}"
        );
        assert!(text.contains("\n  subnet {\n    name = \"a\"\n"), "{text}");
        assert!(
            !text.contains("guid") && !text.contains("\"sub\""),
            "{text}"
        );
        crate::format::format_source(&text).expect("valid HCL");
    }
}
