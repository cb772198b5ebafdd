//! Evaluating one HCL expression to a [`Value`], given a [`Scope`] that resolves references.
//!
//! Unknown and sensitive marks propagate through every operator, template and function.

use hcl_edit::Decorated;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};

use super::error::EvalError;
use super::functions;
use super::value::{Fields, Value, format_number};
use crate::source::{FileId, Sources, Span};

/// Resolves the root of a reference (`var.x`, `local.y`, `azurerm_subnet.gw`).
pub(crate) trait Scope {
    fn sources(&self) -> &Sources;

    /// Resolves a reference rooted at `root`, consuming as many leading attribute steps of
    /// `ops` as the root needs; returns the value and the number of steps consumed.
    fn resolve(
        &self,
        root: &str,
        ops: &[Decorated<TraversalOperator>],
        span: Span,
    ) -> Result<(Value, usize), EvalError>;

    /// Records a warning; scopes that cannot report warnings drop it.
    fn warn(&self, _warning: super::EvalWarning) {}

    /// The directory `file()` and `templatefile()` read relative to (`path.module`);
    /// `None` where reading files is not allowed.
    fn module_dir(&self) -> Option<&std::path::Path> {
        None
    }
}

/// The name in a reference's first `.name` step (`var.NAME`, `TYPE.NAME`).
pub(crate) fn leading_name(ops: &[Decorated<TraversalOperator>]) -> Option<&str> {
    match ops.first()?.value() {
        TraversalOperator::GetAttr(name) => Some(name.as_str()),
        _ => None,
    }
}

/// Iteration variables of enclosing `for` expressions and template loops.
pub(crate) type Frame = Fields;

pub(crate) struct Evaluator<'s> {
    pub scope: &'s dyn Scope,
    pub file: FileId,
}

impl Evaluator<'_> {
    fn span(&self, node: &impl hcl_edit::Span) -> Span {
        Span::new(self.file, node.span().unwrap_or(0..0))
    }

    fn error(
        &self,
        summary: impl Into<String>,
        label: impl Into<String>,
        node: &impl hcl_edit::Span,
    ) -> EvalError {
        EvalError::invalid(
            summary,
            label,
            None,
            self.scope.sources().locate(self.span(node)),
        )
    }

    pub fn eval(&self, expr: &Expression, frame: &Frame) -> Result<Value, EvalError> {
        Ok(match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => Value::Number(n.as_f64().unwrap_or_default()),
            Expression::String(s) => Value::string(s.as_str()),
            Expression::Array(items) => Value::List(
                items
                    .iter()
                    .map(|e| self.eval(e, frame))
                    .collect::<Result<_, _>>()?,
            ),
            Expression::Object(object) => {
                let mut map = Fields::new();
                for (key, value) in object.iter() {
                    let key = match key {
                        ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                        ObjectKey::Expression(e) => match self.eval(e, frame)? {
                            Value::String(s) => s,
                            Value::Number(n) => format_number(n),
                            Value::Bool(b) => b.to_string(),
                            Value::Unknown => return Ok(Value::Unknown),
                            _ => {
                                return Err(self.error(
                                    "Invalid object key",
                                    "object keys must be strings",
                                    e,
                                ));
                            }
                        },
                    };
                    map.insert(key.into(), self.eval(value.expr(), frame)?);
                }
                Value::Map(map)
            }
            Expression::StringTemplate(t) => self.template(t, frame)?,
            Expression::HeredocTemplate(h) => self.template(&h.template, frame)?,
            Expression::Parenthesis(p) => self.eval(p.inner(), frame)?,
            Expression::Variable(name) => {
                self.reference(name.as_str(), &[], self.span(expr), frame)?
            }
            Expression::Traversal(t) => self.traversal(t, frame)?,
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr, frame)?;
                let (inner, sensitive) = cond.unmark();
                match inner {
                    Value::Unknown => Value::Unknown,
                    Value::Bool(true) => self.eval(&c.true_expr, frame)?.mark_if(sensitive),
                    Value::Bool(false) => self.eval(&c.false_expr, frame)?.mark_if(sensitive),
                    other => {
                        return Err(self.error(
                            "Invalid condition",
                            format!("the condition must be a bool, not {}", other.type_name()),
                            &c.cond_expr,
                        ));
                    }
                }
            }
            Expression::FuncCall(call) if matches!(call.name.name.as_str(), "list" | "map") => {
                self.removed_constructor(call, frame)?
            }
            Expression::FuncCall(call)
                if matches!(
                    call.name.name.as_str(),
                    "file" | "filebase64" | "fileexists" | "templatefile"
                ) =>
            {
                self.file_function(call, frame)?
            }
            Expression::FuncCall(call) if matches!(call.name.name.as_str(), "can" | "try") => {
                self.catching(call, frame)?
            }
            Expression::FuncCall(call) => {
                let args = call
                    .args
                    .iter()
                    .map(|a| self.eval(a, frame))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut args = args;
                if call.args.expand_final()
                    && let Some(last) = args.pop()
                {
                    match last.unmark().0 {
                        Value::List(items) => args.extend(items.iter().cloned()),
                        Value::Unknown => return Ok(Value::Unknown),
                        _ => {
                            return Err(self.error(
                                "Invalid expanding argument",
                                "expected a list",
                                expr,
                            ));
                        }
                    }
                }
                let name = call.name.name.as_str();
                functions::call(name, args).map_err(|why| {
                    let summary = if why.starts_with("unknown function") {
                        format!("Call to unknown function \"{name}\"")
                    } else {
                        format!("Error in function call {name}()")
                    };
                    self.error(summary, why, expr)
                })?
            }
            Expression::UnaryOp(op) => {
                let v = self.eval(&op.expr, frame)?;
                let (inner, sensitive) = v.unmark();
                let out = match (op.operator.value(), inner) {
                    (_, Value::Unknown) => Value::Unknown,
                    (UnaryOperator::Neg, Value::Number(n)) => Value::Number(-n),
                    (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
                    (o, other) => {
                        return Err(self.error(
                            "Invalid operand",
                            format!("{} cannot be applied to {}", o.as_str(), other.type_name()),
                            expr,
                        ));
                    }
                };
                out.mark_if(sensitive)
            }
            Expression::BinaryOp(op) => {
                let lhs = self.eval(&op.lhs_expr, frame)?;
                let rhs = self.eval(&op.rhs_expr, frame)?;
                let operator = *op.operator.value();
                binary(operator, &lhs, &rhs)
                    .map_err(|why| self.error("Invalid operation", why, expr))?
            }
            Expression::ForExpr(f) => self.for_expr(f, frame)?,
        })
    }

    /// `list(...)` and `map(k, v, ...)`, removed in Terraform 0.15: still read, with a warning
    /// naming the literal syntax that replaces them.
    fn removed_constructor(
        &self,
        call: &hcl_edit::expr::FuncCall,
        frame: &Frame,
    ) -> Result<Value, EvalError> {
        let name = call.name.name.as_str();
        let args = call
            .args
            .iter()
            .map(|a| self.eval(a, frame))
            .collect::<Result<Vec<_>, _>>()?;
        let at = self.scope.sources().locate(self.span(call));
        let replacement = if name == "list" {
            "[a, b]"
        } else {
            "{ key = value }"
        };
        self.scope.warn(super::EvalWarning::RemovedFunction {
            name: name.to_owned(),
            replacement: replacement.to_owned(),
            src: at.src,
            span: at.span,
        });
        if name == "list" {
            return Ok(Value::List(args));
        }
        if args.len() % 2 != 0 {
            return Err(self.error(
                "Error in function call map()",
                "map() takes key and value pairs",
                call,
            ));
        }
        let mut map = Fields::new();
        for pair in args.chunks(2) {
            let key = to_template_string(&pair[0]).ok().flatten().ok_or_else(|| {
                self.error(
                    "Error in function call map()",
                    "map keys must be strings",
                    call,
                )
            })?;
            map.insert(key.into(), pair[1].clone());
        }
        Ok(Value::Map(map))
    }

    /// The functions that read files, relative to the module's directory.
    fn file_function(
        &self,
        call: &hcl_edit::expr::FuncCall,
        frame: &Frame,
    ) -> Result<Value, EvalError> {
        let name = call.name.name.as_str();
        let fail = |why: String| self.error(format!("Error in function call {name}()"), why, call);
        let args = call
            .args
            .iter()
            .map(|a| self.eval(a, frame))
            .collect::<Result<Vec<_>, _>>()?;
        let sensitive = args.iter().any(Value::contains_sensitive);
        if !args.iter().all(Value::is_wholly_known) {
            return Ok(Value::Unknown.mark_if(sensitive));
        }
        let Some(dir) = self.scope.module_dir() else {
            return Err(fail("files cannot be read here".into()));
        };
        let path = match args.first().map(Value::unmark_deep) {
            Some(Value::String(p)) => dir.join(p),
            _ => return Err(fail("the first argument must be a file path".into())),
        };
        let read = || {
            std::fs::read(&path).map_err(|e| fail(format!("cannot read {}: {e}", path.display())))
        };
        let text = |bytes: Vec<u8>| {
            String::from_utf8(bytes).map_err(|_| {
                fail(format!(
                    "{} is not UTF-8 text; use filebase64",
                    path.display()
                ))
            })
        };
        let out = match name {
            "fileexists" => Value::Bool(path.is_file()),
            "file" => Value::String(text(read()?)?),
            "filebase64" => Value::String(base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                read()?,
            )),
            _ => {
                let vars = match args.get(1).map(Value::unmark_deep) {
                    Some(Value::Map(vars)) => vars,
                    None => Fields::new(),
                    _ => {
                        return Err(fail(
                            "the second argument must be an object of template variables".into(),
                        ));
                    }
                };
                render_template_file(&text(read()?)?, vars).map_err(fail)?
            }
        };
        Ok(out.mark_if(sensitive))
    }

    /// `can(expr)` and `try(expr, ...)`: the only functions whose arguments may fail.
    fn catching(&self, call: &hcl_edit::expr::FuncCall, frame: &Frame) -> Result<Value, EvalError> {
        let args: Vec<&Expression> = call.args.iter().collect();
        if call.name.name.as_str() == "can" {
            let [arg] = args.as_slice() else {
                return Err(self.error(
                    "Invalid can() call",
                    "can() takes exactly one argument",
                    call,
                ));
            };
            return Ok(match self.eval(arg, frame) {
                Ok(v) if v.is_unknown() => Value::Unknown,
                Ok(_) => Value::Bool(true),
                Err(_) => Value::Bool(false),
            });
        }
        for arg in &args {
            if let Ok(v) = self.eval(arg, frame) {
                return Ok(v);
            }
        }
        Err(self.error(
            "Error in function call try()",
            "no argument could be evaluated without an error",
            call,
        ))
    }

    fn traversal(&self, t: &hcl_edit::expr::Traversal, frame: &Frame) -> Result<Value, EvalError> {
        let (mut value, consumed) = match &t.expr {
            Expression::Variable(root) => {
                let span = self.span(t);
                match frame.get(root.as_str()) {
                    Some(v) => (v.clone(), 0),
                    None => self.scope.resolve(root.as_str(), &t.operators, span)?,
                }
            }
            other => (self.eval(other, frame)?, 0),
        };
        let ops = &t.operators[consumed..];
        for (i, op) in ops.iter().enumerate() {
            match op.value() {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    return self.splat(value, &ops[i + 1..], frame, t);
                }
                _ => value = self.step(value, op, frame)?,
            }
        }
        Ok(value)
    }

    fn splat(
        &self,
        value: Value,
        rest: &[Decorated<TraversalOperator>],
        frame: &Frame,
        node: &hcl_edit::expr::Traversal,
    ) -> Result<Value, EvalError> {
        let (inner, sensitive) = value.unmark();
        let items = match inner {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => Vec::new(),
            Value::List(items) => items.clone(),
            other => vec![other.clone()],
        };
        let mut out = Vec::with_capacity(items.len());
        for mut item in items {
            for op in rest {
                if matches!(
                    op.value(),
                    TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_)
                ) {
                    return Err(self.error("Nested splat expressions are not supported", "", node));
                }
                item = self.step(item, op, frame)?;
            }
            out.push(item);
        }
        Ok(Value::List(out).mark_if(sensitive))
    }

    /// One `.attr` or `[index]` step.
    fn step(
        &self,
        value: Value,
        op: &Decorated<TraversalOperator>,
        frame: &Frame,
    ) -> Result<Value, EvalError> {
        let (inner, sensitive) = value.unmark();
        let out = match op.value() {
            TraversalOperator::GetAttr(name) => match inner {
                Value::Unknown => Value::Unknown,
                Value::Map(map) => map.get(name.as_str()).cloned().ok_or_else(|| {
                    self.error(
                        "Unsupported attribute",
                        format!("this object has no attribute \"{}\"", name.as_str()),
                        op,
                    )
                })?,
                Value::Null => {
                    return Err(self.error(
                        "Attempt to get attribute from null value",
                        "this value is null",
                        op,
                    ));
                }
                other => {
                    return Err(self.error(
                        "Unsupported attribute",
                        format!("a {} has no attributes", other.type_name()),
                        op,
                    ));
                }
            },
            TraversalOperator::Index(key) => {
                let key = self.eval(key, frame)?;
                index(inner, &key).map_err(|why| self.error("Invalid index", why, op))?
            }
            TraversalOperator::LegacyIndex(i) => index(inner, &Value::Number(*i.value() as f64))
                .map_err(|why| self.error("Invalid index", why, op))?,
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                unreachable!("splats are handled by the caller")
            }
        };
        Ok(out.mark_if(sensitive))
    }

    fn reference(
        &self,
        name: &str,
        ops: &[Decorated<TraversalOperator>],
        span: Span,
        frame: &Frame,
    ) -> Result<Value, EvalError> {
        if let Some(v) = frame.get(name) {
            return Ok(v.clone());
        }
        let (value, consumed) = self.scope.resolve(name, ops, span)?;
        debug_assert_eq!(consumed, 0);
        Ok(value)
    }

    fn template(&self, template: &Template, frame: &Frame) -> Result<Value, EvalError> {
        let elements: Vec<&Element> = template.iter().collect();
        // "${x}" alone keeps x's type, as Terraform does for legacy interpolation-only strings.
        if let [Element::Interpolation(only)] = elements.as_slice() {
            return self.eval(&only.expr, frame);
        }
        let mut out = TemplateOut::default();
        self.render_template(template, frame, &mut out)?;
        let value = if out.known {
            Value::String(out.text)
        } else {
            Value::Unknown
        };
        Ok(value.mark_if(out.sensitive))
    }

    /// Appends the template's text to `out`, honouring `~` strip markers.
    fn render_template(
        &self,
        template: &Template,
        frame: &Frame,
        out: &mut TemplateOut,
    ) -> Result<(), EvalError> {
        for element in template.iter() {
            match element {
                Element::Literal(text) => out.literal(text.value()),
                Element::Interpolation(i) => {
                    out.strip(i.strip);
                    let v = self.eval(&i.expr, frame)?;
                    let (inner, s) = v.unmark();
                    out.sensitive |= s || v.contains_sensitive();
                    match to_template_string(inner) {
                        Ok(Some(text)) => out.value(&text),
                        Ok(None) => out.known = false,
                        Err(why) => {
                            return Err(self.error(
                                "Invalid template interpolation value",
                                why,
                                &i.expr,
                            ));
                        }
                    }
                    out.strip_after(i.strip);
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => self.render_if(d, frame, out)?,
                    Directive::For(d) => self.render_for(d, frame, out)?,
                },
            }
        }
        Ok(())
    }

    fn render_if(
        &self,
        d: &hcl_edit::template::IfDirective,
        frame: &Frame,
        out: &mut TemplateOut,
    ) -> Result<(), EvalError> {
        out.strip(d.if_expr.strip);
        let cond = self.eval(&d.if_expr.cond_expr, frame)?;
        let branch = match cond.unmark().0 {
            Value::Bool(true) => {
                out.strip_after(d.if_expr.strip);
                Some((
                    &d.if_expr.template,
                    d.else_expr.as_ref().map_or(d.endif_expr.strip, |e| e.strip),
                ))
            }
            Value::Bool(false) => d.else_expr.as_ref().map(|e| {
                out.strip_after(e.strip);
                (&e.template, d.endif_expr.strip)
            }),
            Value::Unknown => {
                out.known = false;
                None
            }
            _ => {
                return Err(self.error(
                    "Invalid template condition",
                    "must be a bool",
                    &d.if_expr.cond_expr,
                ));
            }
        };
        if let Some((template, closing)) = branch {
            self.render_template(template, frame, out)?;
            out.strip(closing);
        }
        out.strip_after(d.endif_expr.strip);
        Ok(())
    }

    fn render_for(
        &self,
        d: &hcl_edit::template::ForDirective,
        frame: &Frame,
        out: &mut TemplateOut,
    ) -> Result<(), EvalError> {
        let f = &d.for_expr;
        out.strip(f.strip);
        let collection = self.eval(&f.collection_expr, frame)?;
        let Some(pairs) = iteration_pairs(&collection) else {
            if collection.is_unknown() {
                out.known = false;
                return Ok(());
            }
            return Err(self.error(
                "Iteration over a non-collection",
                "expected a list or map",
                &f.collection_expr,
            ));
        };
        for (k, v) in pairs {
            let mut inner = frame.clone();
            if let Some(kv) = &f.key_var {
                inner.insert(kv.as_str().into(), k);
            }
            inner.insert(f.value_var.as_str().into(), v);
            out.strip_after(f.strip);
            self.render_template(&f.template, &inner, out)?;
            out.strip(d.endfor_expr.strip);
        }
        out.strip_after(d.endfor_expr.strip);
        Ok(())
    }

    fn for_expr(&self, f: &hcl_edit::expr::ForExpr, frame: &Frame) -> Result<Value, EvalError> {
        let collection = self.eval(&f.intro.collection_expr, frame)?;
        let (_, sensitive) = collection.unmark();
        let Some(pairs) = iteration_pairs(&collection) else {
            if collection.is_unknown() {
                return Ok(Value::Unknown);
            }
            return Err(self.error(
                "Iteration over a non-collection",
                "expected a list, set or map",
                &f.intro.collection_expr,
            ));
        };
        let mut list = Vec::new();
        // A B-tree while the keys come in any order (a sorted vector would move its tail on
        // every insert); a sorted vector once done.
        let mut map = std::collections::BTreeMap::new();
        for (k, v) in pairs {
            let mut inner = frame.clone();
            if let Some(kv) = &f.intro.key_var {
                inner.insert(kv.as_str().into(), k);
            }
            inner.insert(f.intro.value_var.as_str().into(), v);
            if let Some(cond) = &f.cond {
                match self.eval(&cond.expr, &inner)?.unmark().0 {
                    Value::Bool(true) => {}
                    Value::Bool(false) => continue,
                    Value::Unknown => return Ok(Value::Unknown),
                    _ => {
                        return Err(self.error(
                            "Invalid for condition",
                            "must be a bool",
                            &cond.expr,
                        ));
                    }
                }
            }
            let value = self.eval(&f.value_expr, &inner)?;
            match &f.key_expr {
                None => list.push(value),
                Some(key_expr) => {
                    let key = match self.eval(key_expr, &inner)?.unmark().0 {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => format_number(*n),
                        Value::Unknown => return Ok(Value::Unknown),
                        _ => {
                            return Err(self.error(
                                "Invalid for key",
                                "keys must be strings",
                                key_expr,
                            ));
                        }
                    };
                    if f.grouping {
                        match map.entry(key).or_insert_with(|| Value::List(Vec::new())) {
                            Value::List(group) => group.push(value),
                            _ => unreachable!("grouping entries are lists"),
                        }
                    } else if map.insert(key.clone(), value).is_some() {
                        return Err(self.error(
                            "Duplicate object key",
                            format!(
                                "two elements produce the key \"{key}\"; add ... to group them"
                            ),
                            key_expr,
                        ));
                    }
                }
            }
        }
        let out = if f.key_expr.is_some() {
            Value::Map(map.into_iter().map(|(k, v)| (k.into(), v)).collect())
        } else {
            Value::List(list)
        };
        Ok(out.mark_if(sensitive))
    }
}

/// A template being rendered: its text, whether it is all known and whether any part is
/// sensitive, and whether the next literal's leading whitespace is to be stripped (`~}`).
struct TemplateOut {
    text: String,
    known: bool,
    sensitive: bool,
    strip_next: bool,
}

impl Default for TemplateOut {
    fn default() -> Self {
        TemplateOut {
            text: String::new(),
            known: true,
            sensitive: false,
            strip_next: false,
        }
    }
}

impl TemplateOut {
    fn literal(&mut self, text: &str) {
        let text = if std::mem::take(&mut self.strip_next) {
            text.trim_start()
        } else {
            text
        };
        self.text.push_str(text);
    }

    fn value(&mut self, text: &str) {
        self.strip_next = false;
        self.text.push_str(text);
    }

    /// `{~`: strips the whitespace just written.
    fn strip(&mut self, strip: hcl_edit::template::Strip) {
        if strip.strip_start() {
            self.text.truncate(self.text.trim_end().len());
        }
    }

    /// `~}`: strips the whitespace about to be written.
    fn strip_after(&mut self, strip: hcl_edit::template::Strip) {
        if strip.strip_end() {
            self.strip_next = true;
        }
    }
}

/// (key, value) pairs of a list (index keys) or map (string keys), or `None` for other values.
pub(super) fn iteration_pairs(collection: &Value) -> Option<Vec<(Value, Value)>> {
    let (inner, sensitive) = collection.unmark();
    match inner {
        Value::List(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v.clone().mark_if(sensitive)))
                .collect(),
        ),
        Value::Map(map) => Some(
            map.iter()
                .map(|(k, v)| (Value::string(k.as_str()), v.clone().mark_if(sensitive)))
                .collect(),
        ),
        _ => None,
    }
}

/// A value as it appears inside a string template; `Ok(None)` when unknown.
pub(crate) fn to_template_string(value: &Value) -> Result<Option<String>, String> {
    match value.unmark().0 {
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(format_number(*n))),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Unknown => Ok(None),
        Value::Null => Err("the value is null; it cannot be used in a string".into()),
        other => Err(format!(
            "a {} cannot be used in a string",
            other.type_name()
        )),
    }
}

fn index(container: &Value, key: &Value) -> Result<Value, String> {
    let key = key.unmark().0;
    match (container, key) {
        (Value::Unknown, _) | (_, Value::Unknown) => Ok(Value::Unknown),
        (Value::List(items), Value::Number(n)) => {
            if n.fract() != 0.0 || *n < 0.0 {
                return Err(format!(
                    "the index must be a whole number, not {}",
                    format_number(*n)
                ));
            }
            items.get(*n as usize).cloned().ok_or_else(|| {
                format!(
                    "the index {} is out of range for a list of {} elements",
                    format_number(*n),
                    items.len()
                )
            })
        }
        (Value::List(items), Value::String(s)) => match s.parse::<usize>() {
            Ok(i) => items
                .get(i)
                .cloned()
                .ok_or_else(|| format!("the index {i} is out of range")),
            Err(_) => Err(format!("a list index must be a number, not \"{s}\"")),
        },
        (Value::Map(map), k) => {
            let k = match k {
                Value::String(s) => s.clone(),
                Value::Number(n) => format_number(*n),
                other => {
                    return Err(format!(
                        "a map key must be a string, not {}",
                        other.type_name()
                    ));
                }
            };
            map.get(k.as_str())
                .cloned()
                .ok_or_else(|| format!("the map has no element for the key \"{k}\""))
        }
        (Value::Null, _) => Err("cannot index a null value".into()),
        (other, _) => Err(format!("a {} cannot be indexed", other.type_name())),
    }
}

fn binary(op: BinaryOperator, lhs: &Value, rhs: &Value) -> Result<Value, String> {
    let (l, ls) = lhs.unmark();
    let (r, rs) = rhs.unmark();
    let sensitive = ls || rs;
    if matches!(l, Value::Unknown) || matches!(r, Value::Unknown) {
        return Ok(Value::Unknown.mark_if(sensitive));
    }
    let number = |v: &Value| -> Result<f64, String> {
        match v {
            Value::Number(n) => Ok(*n),
            Value::String(s) => s.parse().map_err(|_| format!("\"{s}\" is not a number")),
            other => Err(format!("a number is required, not {}", other.type_name())),
        }
    };
    let boolean = |v: &Value| -> Result<bool, String> {
        match v {
            Value::Bool(b) => Ok(*b),
            other => Err(format!("a bool is required, not {}", other.type_name())),
        }
    };
    let out = match op {
        BinaryOperator::Eq => Value::Bool(l.unmark_deep() == r.unmark_deep()),
        BinaryOperator::NotEq => Value::Bool(l.unmark_deep() != r.unmark_deep()),
        BinaryOperator::And => Value::Bool(boolean(l)? && boolean(r)?),
        BinaryOperator::Or => Value::Bool(boolean(l)? || boolean(r)?),
        BinaryOperator::Less => Value::Bool(number(l)? < number(r)?),
        BinaryOperator::LessEq => Value::Bool(number(l)? <= number(r)?),
        BinaryOperator::Greater => Value::Bool(number(l)? > number(r)?),
        BinaryOperator::GreaterEq => Value::Bool(number(l)? >= number(r)?),
        BinaryOperator::Plus => Value::Number(number(l)? + number(r)?),
        BinaryOperator::Minus => Value::Number(number(l)? - number(r)?),
        BinaryOperator::Mul => Value::Number(number(l)? * number(r)?),
        BinaryOperator::Div => {
            let d = number(r)?;
            if d == 0.0 {
                return Err("division by zero".into());
            }
            Value::Number(number(l)? / d)
        }
        BinaryOperator::Mod => {
            let d = number(r)?;
            if d == 0.0 {
                return Err("modulo by zero".into());
            }
            Value::Number(number(l)? % d)
        }
    };
    Ok(out.mark_if(sensitive))
}

/// Renders the text of a `templatefile()` with its variables (nothing else is in scope).
fn render_template_file(text: &str, vars: Fields) -> Result<Value, String> {
    let template = hcl_edit::parser::parse_template(text)
        .map_err(|e| format!("the template is not valid: {}", e.message()))?;
    let mut sources = Sources::default();
    let file = sources.add("template".into(), text.to_owned());
    let scope = TemplateScope { sources: &sources };
    let wrapped = Expression::StringTemplate(hcl_edit::template::StringTemplate::from_iter(
        template.iter().cloned(),
    ));
    Evaluator {
        scope: &scope,
        file,
    }
    .eval(&wrapped, &vars)
    .map_err(|e| format!("the template failed: {e}"))
}

/// A template file sees only its variables.
struct TemplateScope<'a> {
    sources: &'a Sources,
}

impl Scope for TemplateScope<'_> {
    fn sources(&self) -> &Sources {
        self.sources
    }

    fn resolve(
        &self,
        root: &str,
        _: &[Decorated<TraversalOperator>],
        span: Span,
    ) -> Result<(Value, usize), EvalError> {
        Err(EvalError::invalid(
            "Invalid template reference",
            format!("\"{root}\" is not one of the variables passed to templatefile()"),
            None,
            self.sources.locate(span),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str, frame: &[(&str, Value)]) -> Value {
        let mut sources = Sources::default();
        let file = sources.add("test.tf".into(), format!("x = {text}\n"));
        let body = hcl_edit::parser::parse_body(&sources.file(file).text).unwrap();
        let expr = body.get_attribute("x").unwrap().value.clone();
        let scope = TemplateScope { sources: &sources };
        let frame: Frame = frame
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone()))
            .collect();
        Evaluator {
            scope: &scope,
            file,
        }
        .eval(&expr, &frame)
        .unwrap()
    }

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::string(*s)).collect())
    }

    #[test]
    fn interpolation_only_strings_keep_their_type() {
        assert_eq!(eval(r#""${xs}""#, &[("xs", list(&["a"]))]), list(&["a"]));
        assert_eq!(
            eval(r#""n=${n}""#, &[("n", Value::Number(3.0))]),
            Value::string("n=3")
        );
    }

    #[test]
    fn strip_markers_remove_adjacent_whitespace() {
        let text = "<<EOT\n%{ for s in xs ~}\nserver ${s}\n%{ endfor ~}\ndone\nEOT";
        assert_eq!(
            eval(text, &[("xs", list(&["a", "b"]))]),
            Value::string("server a\nserver b\ndone\n")
        );
        assert_eq!(eval(r#""x ${~ "y" ~} z""#, &[]), Value::string("xyz"));
        assert_eq!(
            eval(
                r#""%{ if c ~}  yes %{~ else }no%{ endif }""#,
                &[("c", Value::Bool(true))]
            ),
            Value::string("yes")
        );
    }

    #[test]
    fn unknown_and_sensitive_marks_flow_through_expressions() {
        assert_eq!(
            eval(r#""a-${u}""#, &[("u", Value::Unknown)]),
            Value::Unknown
        );
        assert_eq!(eval("c ? 1 : 2", &[("c", Value::Unknown)]), Value::Unknown);
        assert_eq!(
            eval(r#"upper(k)"#, &[("k", Value::string("s").sensitive())]),
            Value::string("S").sensitive()
        );
        assert_eq!(
            eval(
                "[for x in xs : x if x != \"b\"]",
                &[("xs", list(&["a", "b"]))]
            ),
            list(&["a"])
        );
        let objs = Value::List(vec![
            Value::Map(Fields::from_iter([("id".into(), Value::string("1"))])),
            Value::Map(Fields::from_iter([("id".into(), Value::string("2"))])),
        ]);
        assert_eq!(eval("objs[*].id", &[("objs", objs)]), list(&["1", "2"]));
    }
}
