//! Laying out before/after values as Terraform's plan bodies do.

use std::collections::BTreeSet;

use crate::eval::value::{Fields, Value, format_number};
use crate::model::{Block, Path};

use super::Painter;

/// The change marker of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sym {
    Add,
    Remove,
    Change,
    Same,
}

/// One attribute line of a body, before layout.
struct AttributeLine<'v> {
    sym: Sym,
    key: &'v str,
    before: Option<&'v Value>,
    after: Option<&'v Value>,
    forces: bool,
}

/// Attributes always shown for context, changed or not.
const IMPORTANT: &[&str] = &["id", "name", "tags"];

pub(crate) struct BodyWriter<'a> {
    pub painter: Painter,
    pub out: &'a mut String,
    pub replace_paths: &'a [Path],
    /// Show unchanged attributes and blocks too (`state show`).
    pub show_all: bool,
}

fn indent(depth: usize) -> String {
    " ".repeat(4 * depth + 4)
}

impl BodyWriter<'_> {
    fn prefix(&self, depth: usize, sym: Sym) -> String {
        let pad = " ".repeat(4 * depth + 2);
        match sym {
            Sym::Add => format!("{pad}{} ", self.painter.green("+")),
            Sym::Remove => format!("{pad}{} ", self.painter.red("-")),
            Sym::Change => format!("{pad}{} ", self.painter.yellow("~")),
            Sym::Same => indent(depth),
        }
    }

    fn line(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// Writes the body of a block: attributes (aligned), then nested blocks. `before` and
    /// `after` are objects or `None` (create / delete).
    pub fn body<'v>(
        &mut self,
        block: Option<&Block>,
        before: Option<&'v Value>,
        after: Option<&'v Value>,
        depth: usize,
        path: &Path,
    ) {
        let is_block = |k: &str| block.is_some_and(|b| b.block(k).is_some());
        let keys: BTreeSet<&String> = [before, after]
            .into_iter()
            .flatten()
            .filter_map(Value::as_map)
            .flat_map(Fields::keys)
            .collect();
        let get = |v: Option<&'v Value>, k: &str| v.map(|v| v.get(k)).filter(|v| !v.is_null());

        let mut lines: Vec<AttributeLine<'_>> = Vec::new();
        let mut hidden = 0;
        for key in keys.iter().filter(|k| !is_block(k)) {
            let (b, a) = (get(before, key), get(after, key));
            let forces = self.replace_paths.iter().any(|p| *p == extend(path, key));
            let sym = match (&b, &a) {
                (None, None) => continue,
                (None, Some(_)) => Sym::Add,
                (Some(_), None) => Sym::Remove,
                (Some(b), Some(a)) if b == a => {
                    if !self.show_all
                        && before.is_some()
                        && after.is_some()
                        && !IMPORTANT.contains(&key.as_str())
                    {
                        hidden += 1;
                        continue;
                    }
                    Sym::Same
                }
                _ => Sym::Change,
            };
            let sym = match (before, after) {
                (None, _) => Sym::Add,
                (_, None) => Sym::Remove,
                _ => sym,
            };
            lines.push(AttributeLine {
                sym,
                key: key.as_str(),
                before: b,
                after: a,
                forces,
            });
        }
        let width = lines.iter().map(|l| l.key.len()).max().unwrap_or(0);
        for line in &lines {
            let head = format!("{}{:<width$} = ", self.prefix(depth, line.sym), line.key);
            self.attribute(&head, line.sym, line.before, line.after, depth, line.forces);
        }
        if hidden > 0 {
            let s = if hidden == 1 { "" } else { "s" };
            self.line(&format!(
                "{}# ({hidden} unchanged attribute{s} hidden)",
                indent(depth)
            ));
        }

        let mut hidden_blocks = 0;
        for nested in block.map(|b| b.blocks).unwrap_or_default() {
            let b_items = get(before, nested.name);
            let a_items = get(after, nested.name);
            if let Some(Value::Unknown) = a_items {
                let pad = if lines.is_empty() && self.out.ends_with("{\n") {
                    ""
                } else {
                    "\n"
                };
                self.out.push_str(pad);
                self.line(&format!(
                    "{}{} (known after apply)",
                    self.prefix(depth, Sym::Add),
                    nested.name
                ));
                continue;
            }
            let b_list = b_items.and_then(Value::as_list).unwrap_or_default();
            let a_list = a_items.and_then(Value::as_list).unwrap_or_default();
            let forces = self
                .replace_paths
                .iter()
                .any(|p| *p == extend(path, nested.name));
            for i in 0..b_list.len().max(a_list.len()) {
                let (b, a) = (b_list.get(i), a_list.get(i));
                let (b, a) = (
                    b.filter(|_| before.is_some()),
                    a.filter(|_| after.is_some()),
                );
                let sym = match (b, a) {
                    (None, None) => continue,
                    (None, Some(_)) => Sym::Add,
                    (Some(_), None) => Sym::Remove,
                    (Some(_), Some(_)) if self.show_all => Sym::Same,
                    (Some(b), Some(a)) if b == a => {
                        hidden_blocks += 1;
                        continue;
                    }
                    _ => Sym::Change,
                };
                self.out.push('\n');
                let note = if forces && sym != Sym::Same {
                    format!(" {}", self.painter.red("# forces replacement"))
                } else {
                    String::new()
                };
                self.line(&format!(
                    "{}{} {{{note}",
                    self.prefix(depth, sym),
                    nested.name
                ));
                let mut nested_path = extend(path, nested.name);
                nested_path.push(i.into());
                self.body(Some(nested), b, a, depth + 1, &nested_path);
                self.line(&format!("{}}}", indent(depth)));
            }
        }
        if hidden_blocks > 0 {
            let s = if hidden_blocks == 1 { "" } else { "s" };
            self.line(&format!(
                "\n{}# ({hidden_blocks} unchanged block{s} hidden)",
                indent(depth)
            ));
        }
    }

    fn attribute(
        &mut self,
        head: &str,
        sym: Sym,
        before: Option<&Value>,
        after: Option<&Value>,
        depth: usize,
        forces: bool,
    ) {
        let note = if forces {
            format!(" {}", self.painter.red("# forces replacement"))
        } else {
            String::new()
        };
        match (sym, before, after) {
            (Sym::Add, _, Some(a)) | (Sym::Same, _, Some(a)) => {
                let inner = if sym == Sym::Add { Sym::Add } else { Sym::Same };
                let text = self.value(a, inner, depth);
                self.line(&format!("{head}{text}{note}"));
            }
            (Sym::Remove, Some(b), _) => {
                let text = self.value(b, Sym::Remove, depth);
                self.line(&format!("{head}{text} -> null{note}"));
            }
            (Sym::Change, Some(b), Some(a)) => {
                let text = self.change(b, a, depth);
                self.line(&format!("{head}{text}{note}"));
            }
            _ => {}
        }
    }

    /// `before -> after`, or an element-wise diff of two collections.
    fn change(&mut self, before: &Value, after: &Value, depth: usize) -> String {
        if before.contains_sensitive() || after.contains_sensitive() {
            return "(sensitive value)".into();
        }
        if after.is_unknown() {
            return format!(
                "{} -> (known after apply)",
                self.value(before, Sym::Same, depth)
            );
        }
        match (before, after) {
            (Value::List(b), Value::List(a)) if !b.is_empty() && !a.is_empty() => {
                let mut text = String::from("[\n");
                let mut hidden = 0;
                for item in b.iter().filter(|i| !a.contains(i)) {
                    text.push_str(&format!(
                        "{}{},\n",
                        self.prefix(depth + 1, Sym::Remove),
                        self.value(item, Sym::Remove, depth + 1)
                    ));
                }
                for item in a {
                    if b.contains(item) {
                        hidden += 1;
                    } else {
                        text.push_str(&format!(
                            "{}{},\n",
                            self.prefix(depth + 1, Sym::Add),
                            self.value(item, Sym::Add, depth + 1)
                        ));
                    }
                }
                if hidden > 0 {
                    let s = if hidden == 1 { "" } else { "s" };
                    text.push_str(&format!(
                        "{}# ({hidden} unchanged element{s} hidden)\n",
                        indent(depth + 1)
                    ));
                }
                text.push_str(&format!("{}]", indent(depth)));
                text
            }
            (Value::Map(b), Value::Map(a)) if !b.is_empty() && !a.is_empty() => {
                let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
                let width = keys.iter().map(|k| k.len() + 2).max().unwrap_or(0);
                let mut text = String::from("{\n");
                let mut hidden = 0;
                for key in keys {
                    let quoted = format!("{key:?}");
                    let line = match (b.get(key), a.get(key)) {
                        (Some(x), Some(y)) if x == y => {
                            hidden += 1;
                            continue;
                        }
                        (Some(x), Some(y)) => format!(
                            "{}{quoted:<width$} = {}",
                            self.prefix(depth + 1, Sym::Change),
                            self.change(x, y, depth + 1)
                        ),
                        (Some(x), None) => format!(
                            "{}{quoted:<width$} = {} -> null",
                            self.prefix(depth + 1, Sym::Remove),
                            self.value(x, Sym::Remove, depth + 1)
                        ),
                        (None, Some(y)) => format!(
                            "{}{quoted:<width$} = {}",
                            self.prefix(depth + 1, Sym::Add),
                            self.value(y, Sym::Add, depth + 1)
                        ),
                        (None, None) => continue,
                    };
                    text.push_str(&line);
                    text.push('\n');
                }
                if hidden > 0 {
                    let s = if hidden == 1 { "" } else { "s" };
                    text.push_str(&format!(
                        "{}# ({hidden} unchanged element{s} hidden)\n",
                        indent(depth + 1)
                    ));
                }
                text.push_str(&format!("{}}}", indent(depth)));
                text
            }
            _ => format!(
                "{} -> {}",
                self.value(before, Sym::Same, depth),
                self.value(after, Sym::Same, depth)
            ),
        }
    }

    /// A whole value; collections span lines with every element marked `sym`.
    fn value(&self, v: &Value, sym: Sym, depth: usize) -> String {
        match v {
            Value::Sensitive(_) => "(sensitive value)".into(),
            Value::Unknown => "(known after apply)".into(),
            Value::List(items) if !items.is_empty() => {
                let mut text = String::from("[\n");
                for item in items {
                    text.push_str(&format!(
                        "{}{},\n",
                        self.prefix(depth + 1, sym),
                        self.value(item, sym, depth + 1)
                    ));
                }
                text.push_str(&format!("{}]", indent(depth)));
                text
            }
            Value::Map(map) if !map.is_empty() => {
                let width = map.keys().map(|k| k.len() + 2).max().unwrap_or(0);
                let mut text = String::from("{\n");
                for (k, item) in map {
                    let quoted = format!("{k:?}");
                    text.push_str(&format!(
                        "{}{quoted:<width$} = {}\n",
                        self.prefix(depth + 1, sym),
                        self.value(item, sym, depth + 1)
                    ));
                }
                text.push_str(&format!("{}}}", indent(depth)));
                text
            }
            other => scalar(other),
        }
    }
}

/// A scalar as HCL writes it.
pub(crate) fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format_number(*n),
        Value::String(s) => format!("{s:?}"),
        Value::List(_) => "[]".into(),
        Value::Map(_) => "{}".into(),
        Value::Unknown => "(known after apply)".into(),
        Value::Sensitive(_) => "(sensitive value)".into(),
    }
}

fn extend(path: &Path, name: &str) -> Path {
    let mut p = path.clone();
    p.push(name.into());
    p
}

/// A prior object (from state) as a value, with its secret attributes marked.
pub(crate) fn marked_prior(
    json: &serde_json::Value,
    sensitive: &[String],
    block: Option<&Block>,
) -> Value {
    let mut v = Value::from_json(json);
    if let Value::Map(map) = &mut v {
        let schema_sensitive = block
            .map(|b| {
                b.attrs
                    .iter()
                    .filter(|a| a.sensitive)
                    .map(|a| a.name.to_owned())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        for name in sensitive.iter().chain(&schema_sensitive) {
            if let Some(slot) = map.get_mut(name)
                && !slot.is_null()
            {
                *slot = slot.clone().sensitive();
            }
        }
    }
    v
}

/// An output value as `terraform output` prints it (HCL syntax, two-space indents).
pub(crate) fn hcl(v: &Value, depth: usize) -> String {
    let pad = "  ".repeat(depth + 1);
    let close = "  ".repeat(depth);
    match v.unmark().0 {
        Value::List(items) if !items.is_empty() => {
            let body: String = items
                .iter()
                .map(|i| format!("{pad}{},\n", hcl(i, depth + 1)))
                .collect();
            format!("[\n{body}{close}]")
        }
        Value::Map(map) if !map.is_empty() => {
            let width = map.keys().map(|k| k.len() + 2).max().unwrap_or(0);
            let body: String = map
                .iter()
                .map(|(k, i)| {
                    format!(
                        "{pad}{:<width$} = {}\n",
                        format!("{k:?}"),
                        hcl(i, depth + 1)
                    )
                })
                .collect();
            format!("{{\n{body}{close}}}")
        }
        other => scalar(other),
    }
}
