//! `*.tf.json` files: Terraform's JSON configuration syntax, translated into the equivalent
//! native syntax so that the loader reads both alike.
//!
//! As in Terraform, a JSON string is a template (`"${var.x}"`) where an expression is
//! expected, a literal where a constant is (`source`, a variable's `default`), and an
//! expression where a reference is (`depends_on`, `provider`, a variable's `type`). Whether a
//! JSON object is a nested block or an object-valued argument is decided by the schema: the
//! nested blocks of the modelled resource types, and the blocks of the language itself
//! (`lifecycle`, `dynamic`, `validation`, ...). Keys named `//` are comments.

use serde_json::Value as Json;

use crate::model::{self, Block};

/// Translates a `.tf.json` file's text; the error carries serde_json's message and the
/// 1-based line and column it points at (0 when the problem is the document's shape).
pub fn to_native(text: &str) -> Result<String, (String, usize, usize)> {
    let json: Json = serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned();
        (message, e.line(), e.column())
    })?;
    let Json::Object(top) = json else {
        return Err(("a .tf.json file holds one JSON object".into(), 1, 1));
    };
    let mut w = Writer::default();
    for (key, value) in &top {
        w.top_level(key, value).map_err(|message| (message, 0, 0))?;
    }
    Ok(w.out)
}

/// How a body's properties are written.
#[derive(Clone, Copy)]
enum Body {
    /// A resource or data source body, with its type's schema when the type is modelled.
    Resource(Option<&'static Block>),
    /// A nested block of a resource: its schema, if known.
    Nested(Option<&'static Block>),
    Variable,
    Output,
    Module,
    Provider,
    Terraform,
    Lifecycle,
    Check,
    /// `moved`, `import`, `removed`: addresses and ids.
    References,
    /// Only arguments, all templates (`assert`, `validation`, `locals`).
    Plain,
}

/// How a JSON value becomes an expression.
#[derive(Clone, Copy, PartialEq, Eq)]
enum As {
    Template,
    Literal,
    Reference,
}

#[derive(Default)]
struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn line(&mut self, text: &str) {
        self.out.push_str(&"  ".repeat(self.depth));
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn top_level(&mut self, key: &str, value: &Json) -> Result<(), String> {
        match key {
            "//" => Ok(()),
            "resource" | "data" => {
                for (resource_type, named) in object(value, key)? {
                    let schema = if key == "resource" {
                        model::schema(resource_type).map(|s| &s.body)
                    } else {
                        model::data_schema(resource_type).map(|d| &d.schema.body)
                    };
                    for (name, bodies) in object(named, resource_type)? {
                        for body in each(bodies) {
                            let header = format!("{key} {} {}", quote(resource_type), quote(name));
                            self.block(&header, body, Body::Resource(schema))?;
                        }
                    }
                }
                Ok(())
            }
            "variable" | "output" | "module" | "provider" | "check" => {
                let kind = match key {
                    "variable" => Body::Variable,
                    "output" => Body::Output,
                    "module" => Body::Module,
                    "provider" => Body::Provider,
                    _ => Body::Check,
                };
                for (name, bodies) in object(value, key)? {
                    for body in each(bodies) {
                        self.block(&format!("{key} {}", quote(name)), body, kind)?;
                    }
                }
                Ok(())
            }
            "locals" => each(value).try_for_each(|body| self.block("locals", body, Body::Plain)),
            "terraform" => {
                each(value).try_for_each(|body| self.block("terraform", body, Body::Terraform))
            }
            "moved" | "import" | "removed" => {
                each(value).try_for_each(|body| self.block(key, body, Body::References))
            }
            other => Err(format!("unknown top-level key \"{other}\"")),
        }
    }

    fn block(&mut self, header: &str, body: &Json, kind: Body) -> Result<(), String> {
        let properties = object(body, header)?;
        self.line(&format!("{header} {{"));
        self.depth += 1;
        for (key, value) in properties {
            if key == "//" {
                continue;
            }
            if let Some(nested) = nested_block(kind, key, value) {
                self.nested(key, value, nested)?;
            } else if matches!(kind, Body::Resource(_) | Body::Nested(_)) && key == "dynamic" {
                self.dynamic(value, kind)?;
            } else {
                let how = value_kind(kind, key);
                let text = expression(
                    value,
                    how,
                    matches!(kind, Body::Module) && key == "providers",
                );
                self.line(&format!("{key} = {text}"));
            }
        }
        self.depth -= 1;
        self.line("}");
        Ok(())
    }

    /// A nested block property: one object, or an array of them (repeated blocks); a
    /// `backend` is `{"TYPE": {...}}`.
    fn nested(&mut self, key: &str, value: &Json, kind: Body) -> Result<(), String> {
        if key == "backend" {
            for (backend, body) in object(value, key)? {
                self.block(&format!("backend {}", quote(backend)), body, Body::Plain)?;
            }
            return Ok(());
        }
        each(value).try_for_each(|body| self.block(key, body, kind))
    }

    /// `"dynamic": {"LABEL": {"for_each": ..., "content": {...}}}`.
    fn dynamic(&mut self, value: &Json, parent: Body) -> Result<(), String> {
        let parent_schema = match parent {
            Body::Resource(s) | Body::Nested(s) => s,
            _ => None,
        };
        for (label, bodies) in object(value, "dynamic")? {
            let schema = parent_schema.and_then(|s| s.blocks.iter().find(|b| b.name == label));
            for body in each(bodies) {
                self.line(&format!("dynamic {} {{", quote(label)));
                self.depth += 1;
                for (key, value) in object(body, "dynamic")? {
                    match key.as_str() {
                        "//" => {}
                        "content" => self.block("content", value, Body::Nested(schema))?,
                        "iterator" => {
                            let text = expression(value, As::Reference, false);
                            self.line(&format!("iterator = {text}"));
                        }
                        _ => {
                            let text = expression(value, As::Template, false);
                            self.line(&format!("{key} = {text}"));
                        }
                    }
                }
                self.depth -= 1;
                self.line("}");
            }
        }
        Ok(())
    }
}

/// The body kind of `key` when it is a nested block in a body of `kind`.
fn nested_block(kind: Body, key: &str, value: &Json) -> Option<Body> {
    let schema_block = |schema: Option<&'static Block>| {
        schema.and_then(|s| s.blocks.iter().find(|b| b.name == key))
    };
    match (kind, key) {
        (Body::Resource(_), "lifecycle") => Some(Body::Lifecycle),
        (Body::Resource(_), "provisioner" | "connection") => Some(Body::Plain),
        (Body::Resource(schema) | Body::Nested(schema), _) => {
            schema_block(schema).map(|b| Body::Nested(Some(b)))
        }
        (Body::Variable, "validation") | (Body::Check, "assert") => Some(Body::Plain),
        (Body::Output, "precondition") => Some(Body::Plain),
        (Body::Terraform, "required_providers" | "backend" | "cloud") => Some(Body::Plain),
        // Provider settings such as `features {}` are blocks all the way down.
        (Body::Provider, _) if value.is_object() => Some(Body::Provider),
        _ => None,
    }
}

/// How the value of `key` in a body of `kind` is read.
fn value_kind(kind: Body, key: &str) -> As {
    match (kind, key) {
        (Body::Resource(_) | Body::Module | Body::Output, "depends_on" | "provider") => {
            As::Reference
        }
        (Body::Module, "providers") => As::Reference,
        (Body::Lifecycle, "ignore_changes" | "replace_triggered_by") => As::Reference,
        (Body::Variable, "type") | (Body::References, "from" | "to") => As::Reference,
        (Body::Variable, "default") | (Body::Module, "source" | "version") => As::Literal,
        (Body::Terraform, _) => As::Literal,
        _ => As::Template,
    }
}

fn object<'j>(value: &'j Json, what: &str) -> Result<&'j serde_json::Map<String, Json>, String> {
    value
        .as_object()
        .ok_or_else(|| format!("\"{what}\" must be a JSON object"))
}

/// One body, or each body of an array of them.
fn each(value: &Json) -> Box<dyn Iterator<Item = &Json> + '_> {
    match value {
        Json::Array(items) => Box::new(items.iter()),
        one => Box::new(std::iter::once(one)),
    }
}

/// A JSON value as a native expression. In `providers` maps, keys are references too.
fn expression(value: &Json, how: As, reference_keys: bool) -> String {
    match value {
        Json::String(s) => match how {
            As::Reference => s.clone(),
            As::Literal => quote(s),
            As::Template => template(s),
        },
        Json::Array(items) => {
            let items: Vec<String> = items.iter().map(|v| expression(v, how, false)).collect();
            format!("[{}]", items.join(", "))
        }
        Json::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .filter(|(k, _)| k.as_str() != "//")
                .map(|(k, v)| {
                    let key = if reference_keys { k.clone() } else { quote(k) };
                    format!("{key} = {}", expression(v, how, false))
                })
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// A literal string: every character stands for itself, `${` and `%{` included.
fn quote(s: &str) -> String {
    let escaped = escape_literal(s).replace("${", "$${").replace("%{", "%%{");
    format!("\"{escaped}\"")
}

/// A template string: the literal parts escaped, the `${...}` and `%{...}` sequences copied
/// as written (their expressions may hold quotes of their own).
fn template(s: &str) -> String {
    let mut out = String::from("\"");
    let mut literal = String::new();
    let mut rest = s;
    while !rest.is_empty() {
        let starts_sequence =
            (rest.starts_with("${") || rest.starts_with("%{")) && !literal.ends_with(&rest[..1]);
        if starts_sequence {
            out.push_str(&escape_literal(&literal));
            literal.clear();
            let len = sequence_len(rest);
            out.push_str(&rest[..len]);
            rest = &rest[len..];
        } else {
            let c = rest.chars().next().unwrap_or_default();
            literal.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out.push_str(&escape_literal(&literal));
    out.push('"');
    out
}

/// The length of the `${...}` sequence at the start of `s`, through its closing brace.
fn sequence_len(s: &str) -> usize {
    let mut depth = 0;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match (in_string, c) {
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (true, '"') => in_string = false,
            (false, '"') => in_string = true,
            (false, '{') => depth += 1,
            (false, '}') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    s.len()
}

fn escape_literal(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::to_native;

    #[test]
    fn translates_blocks_arguments_and_templates() {
        let json = r#"{
          "//": "comment",
          "variable": {"env": {"type": "string", "default": "a ${literal}"}},
          "resource": {"azurerm_virtual_network": {"v": {
            "name": "vnet-${var.env}",
            "address_space": ["10.0.0.0/16"],
            "tags": {"quoted \"key\"": "${lookup(var.m, \"k\", \"}\")}"},
            "subnet": [{"name": "a", "address_prefixes": ["10.0.1.0/24"]}],
            "depends_on": ["azurerm_resource_group.rg"],
            "lifecycle": {"ignore_changes": ["tags"]}
          }}}
        }"#;
        let native = to_native(json).unwrap();
        assert!(native.contains("default = \"a $${literal}\""), "{native}");
        assert!(native.contains("name = \"vnet-${var.env}\""), "{native}");
        assert!(
            native.contains("\"quoted \\\"key\\\"\" = \"${lookup(var.m, \"k\", \"}\")}\""),
            "{native}"
        );
        assert!(
            native
                .contains("  subnet {\n    address_prefixes = [\"10.0.1.0/24\"]\n    name = \"a\""),
            "{native}"
        );
        assert!(
            native.contains("depends_on = [azurerm_resource_group.rg]"),
            "{native}"
        );
        assert!(
            native.contains("lifecycle {\n    ignore_changes = [tags]"),
            "{native}"
        );
        assert!(hcl_edit::parser::parse_body(&native).is_ok(), "{native}");
    }

    #[test]
    fn reports_where_the_json_is_broken() {
        let (message, line, column) = to_native("{\n  \"resource\": ,\n}").unwrap_err();
        assert_eq!((message.as_str(), line, column), ("expected value", 2, 15));
    }
}
