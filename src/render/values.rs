//! Laying out before/after values as Terraform's plan bodies do.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::eval::value::{Key, Value, format_number};
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

impl BodyWriter<'_> {
    fn spaces(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }

    fn indent(&mut self, depth: usize) {
        self.spaces(4 * depth + 4);
    }

    /// The change column of a line: its marker, or blanks for an unchanged one.
    fn prefix(&mut self, depth: usize, sym: Sym) {
        let marker = match sym {
            Sym::Add => self.painter.green("+"),
            Sym::Remove => self.painter.red("-"),
            Sym::Change => self.painter.yellow("~"),
            Sym::Same => return self.indent(depth),
        };
        self.spaces(4 * depth + 2);
        self.out.push_str(&marker);
        self.out.push(' ');
    }

    /// `text` left-aligned in `width` characters.
    fn padded(&mut self, text: &str, width: usize) {
        self.out.push_str(text);
        self.spaces(width.saturating_sub(text.chars().count()));
    }

    fn forces_note(&mut self) {
        self.out.push(' ');
        self.out.push_str(&self.painter.red("# forces replacement"));
    }

    fn hidden_note(&mut self, depth: usize, hidden: usize, what: &str) {
        self.indent(depth);
        let s = if hidden == 1 { "" } else { "s" };
        let _ = writeln!(self.out, "# ({hidden} unchanged {what}{s} hidden)");
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
        let get = |v: Option<&'v Value>, k: &str| v.map(|v| v.get(k)).filter(|v| !v.is_null());

        let mut lines: Vec<AttributeLine<'_>> = Vec::new();
        let mut hidden = 0;
        let fields = |v: Option<&'v Value>| {
            v.and_then(Value::as_map)
                .into_iter()
                .flat_map(|fields| fields.iter().map(|(k, v)| (k.as_str(), v)))
        };
        let present = |v: Option<&'v Value>| v.filter(|v| !v.is_null());
        for (key, b, a) in crate::sorted_join(fields(before), fields(after)) {
            if is_block(key) {
                continue;
            }
            let (b, a) = (present(b), present(a));
            let forces = !self.replace_paths.is_empty()
                && self.replace_paths.iter().any(|p| *p == extend(path, key));
            let sym = match (&b, &a) {
                (None, None) => continue,
                (None, Some(_)) => Sym::Add,
                (Some(_), None) => Sym::Remove,
                (Some(b), Some(a)) if b == a => {
                    if !self.show_all
                        && before.is_some()
                        && after.is_some()
                        && !IMPORTANT.contains(&key)
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
                key,
                before: b,
                after: a,
                forces,
            });
        }
        let width = lines.iter().map(|l| l.key.len()).max().unwrap_or(0);
        for line in &lines {
            self.attribute(line, width, depth);
        }
        if hidden > 0 {
            self.hidden_note(depth, hidden, "attribute");
        }

        let mut hidden_blocks = 0;
        for nested in block.map(|b| b.blocks).unwrap_or_default() {
            let b_items = get(before, nested.name);
            let a_items = get(after, nested.name);
            if let Some(Value::Unknown) = a_items {
                if !(lines.is_empty() && self.out.ends_with("{\n")) {
                    self.out.push('\n');
                }
                self.prefix(depth, Sym::Add);
                self.out.push_str(nested.name);
                self.out.push_str(" (known after apply)\n");
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
                self.prefix(depth, sym);
                self.out.push_str(nested.name);
                self.out.push_str(" {");
                if forces && sym != Sym::Same {
                    self.forces_note();
                }
                self.out.push('\n');
                let mut nested_path = extend(path, nested.name);
                nested_path.push(i.into());
                self.body(Some(nested), b, a, depth + 1, &nested_path);
                self.indent(depth);
                self.out.push_str("}\n");
            }
        }
        if hidden_blocks > 0 {
            self.out.push('\n');
            self.hidden_note(depth, hidden_blocks, "block");
        }
    }

    /// One `key = value` line (or lines, for a collection), its key padded to `width`.
    fn attribute(&mut self, line: &AttributeLine<'_>, width: usize, depth: usize) {
        let head = |w: &mut Self| {
            w.prefix(depth, line.sym);
            w.padded(line.key, width);
            w.out.push_str(" = ");
        };
        match (line.sym, line.before, line.after) {
            (Sym::Add | Sym::Same, _, Some(a)) => {
                head(self);
                self.value(a, line.sym, depth);
            }
            (Sym::Remove, Some(b), _) => {
                head(self);
                self.value(b, Sym::Remove, depth);
                self.out.push_str(" -> null");
            }
            (Sym::Change, Some(b), Some(a)) => {
                head(self);
                self.change(b, a, depth);
            }
            _ => return,
        }
        if line.forces {
            self.forces_note();
        }
        self.out.push('\n');
    }

    /// `before -> after`, or an element-wise diff of two collections.
    fn change(&mut self, before: &Value, after: &Value, depth: usize) {
        if before.contains_sensitive() || after.contains_sensitive() {
            self.out.push_str("(sensitive value)");
            return;
        }
        if after.is_unknown() {
            self.value(before, Sym::Same, depth);
            self.out.push_str(" -> (known after apply)");
            return;
        }
        match (before, after) {
            (Value::List(b), Value::List(a)) if !b.is_empty() && !a.is_empty() => {
                self.out.push_str("[\n");
                for item in b.iter().filter(|i| !a.contains(i)) {
                    self.element(item, Sym::Remove, depth + 1);
                }
                let mut hidden = 0;
                for item in a {
                    if b.contains(item) {
                        hidden += 1;
                    } else {
                        self.element(item, Sym::Add, depth + 1);
                    }
                }
                if hidden > 0 {
                    self.hidden_note(depth + 1, hidden, "element");
                }
                self.indent(depth);
                self.out.push(']');
            }
            (Value::Map(b), Value::Map(a)) if !b.is_empty() && !a.is_empty() => {
                let keys: BTreeSet<&Key> = b.keys().chain(a.keys()).collect();
                let width = keys.iter().map(|k| k.len() + 2).max().unwrap_or(0);
                self.out.push_str("{\n");
                let mut hidden = 0;
                for key in keys {
                    let (sym, x, y) = match (b.get(key), a.get(key)) {
                        (Some(x), Some(y)) if x == y => {
                            hidden += 1;
                            continue;
                        }
                        (Some(x), Some(y)) => (Sym::Change, Some(x), Some(y)),
                        (Some(x), None) => (Sym::Remove, Some(x), None),
                        (None, Some(y)) => (Sym::Add, None, Some(y)),
                        (None, None) => continue,
                    };
                    self.prefix(depth + 1, sym);
                    self.padded(&format!("{key:?}"), width);
                    self.out.push_str(" = ");
                    match (x, y) {
                        (Some(x), Some(y)) => self.change(x, y, depth + 1),
                        (Some(x), None) => {
                            self.value(x, Sym::Remove, depth + 1);
                            self.out.push_str(" -> null");
                        }
                        (_, Some(y)) => self.value(y, Sym::Add, depth + 1),
                        (None, None) => {}
                    }
                    self.out.push('\n');
                }
                if hidden > 0 {
                    self.hidden_note(depth + 1, hidden, "element");
                }
                self.indent(depth);
                self.out.push('}');
            }
            _ => {
                self.value(before, Sym::Same, depth);
                self.out.push_str(" -> ");
                self.value(after, Sym::Same, depth);
            }
        }
    }

    /// One element line of a collection: marker, value, comma.
    fn element(&mut self, item: &Value, sym: Sym, depth: usize) {
        self.prefix(depth, sym);
        self.value(item, sym, depth);
        self.out.push_str(",\n");
    }

    /// A whole value; collections span lines with every element marked `sym`.
    fn value(&mut self, v: &Value, sym: Sym, depth: usize) {
        match v {
            Value::List(items) if !items.is_empty() => {
                self.out.push_str("[\n");
                for item in items {
                    self.element(item, sym, depth + 1);
                }
                self.indent(depth);
                self.out.push(']');
            }
            Value::Map(map) if !map.is_empty() => {
                let width = map.keys().map(|k| k.len() + 2).max().unwrap_or(0);
                self.out.push_str("{\n");
                for (k, item) in map {
                    self.prefix(depth + 1, sym);
                    self.padded(&format!("{k:?}"), width);
                    self.out.push_str(" = ");
                    self.value(item, sym, depth + 1);
                    self.out.push('\n');
                }
                self.indent(depth);
                self.out.push('}');
            }
            other => self.out.push_str(&scalar(other)),
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
pub(crate) fn marked_prior(prior: &Value, sensitive: &[String], block: Option<&Block>) -> Value {
    let mut v = prior.clone();
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
            if let Some(slot) = map.get_mut(name.as_str())
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
