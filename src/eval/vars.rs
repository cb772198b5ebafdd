//! Input variables: collecting values from every source in Terraform's precedence, and
//! converting them to each variable's declared type.
//!
//! Precedence, lowest first: `TF_VAR_name` environment variables, `terraform.tfvars`,
//! `terraform.tfvars.json`, `*.auto.tfvars` and `*.auto.tfvars.json` (in file-name order),
//! then `-var` and `-var-file` (HCL, or JSON when the name ends in `.json`) in command-line
//! order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl_edit::Decorated;
use hcl_edit::expr::TraversalOperator;

use super::error::{EvalError, EvalErrors, EvalWarning};
use super::expr::{Evaluator, Frame, Scope};
use super::value::{Fields, Value, format_number};
use crate::config::{
    Config, ConfigError, ConfigErrors, Expr, TypeConstraint, VariableBlock, parse_tfvars,
};
use crate::source::{Sources, Span};

/// A variable source given on the command line, kept in command-line order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum VarInput {
    /// `-var NAME=VALUE`
    Assign(String),
    /// `-var-file=PATH`
    File(PathBuf),
}

/// The resolved values of every declared variable (sensitive ones marked).
#[derive(Debug, Default)]
pub struct VariableValues {
    pub values: BTreeMap<String, Value>,
    pub warnings: Vec<EvalWarning>,
}

/// Why variables could not be resolved.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum VarsError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] ConfigErrors),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Eval(#[from] EvalErrors),
}

/// A raw value before type conversion: a literal string (environment, `-var`) or an
/// already evaluated expression (variable files).
enum Raw {
    Text(String),
    Value(Value),
}

/// Asks the user for a required variable that has no value; `None` when not interactive.
pub type Prompt<'a> = &'a mut dyn FnMut(&VariableBlock) -> Option<String>;

/// Resolves every declared variable of `config`.
pub fn resolve(
    config: &Config,
    dir: &Path,
    inputs: &[VarInput],
    env: &BTreeMap<String, String>,
    prompt: Option<Prompt<'_>>,
) -> Result<VariableValues, VarsError> {
    let (values, errors) = resolve_with(config, dir, inputs, env, prompt, false)?;
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(EvalErrors { errors }.into())
    }
}

/// As [`resolve`], for `validate`: a required variable without a value is unknown, not an
/// error, and a variable whose value is invalid is unknown too, its error returned beside
/// the values so that the rest of the configuration is still checked.
pub fn resolve_for_validation(
    config: &Config,
    dir: &Path,
    env: &BTreeMap<String, String>,
) -> Result<(VariableValues, Vec<EvalError>), VarsError> {
    resolve_with(config, dir, &[], env, None, true)
}

fn resolve_with(
    config: &Config,
    dir: &Path,
    inputs: &[VarInput],
    env: &BTreeMap<String, String>,
    prompt: Option<Prompt<'_>>,
    unknown_if_missing: bool,
) -> Result<(VariableValues, Vec<EvalError>), VarsError> {
    let mut sources = Sources::default();
    let mut raw: BTreeMap<String, (Raw, String)> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();

    for (key, value) in env {
        if let Some(name) = key.strip_prefix("TF_VAR_")
            && config.root.variables.contains_key(name)
        {
            raw.insert(
                name.to_owned(),
                (
                    Raw::Text(value.clone()),
                    format!("environment variable {key}"),
                ),
            );
        }
    }
    let mut files: Vec<PathBuf> = Vec::new();
    files.extend(
        ["terraform.tfvars", "terraform.tfvars.json"]
            .map(|name| dir.join(name))
            .into_iter()
            .filter(|f| f.is_file()),
    );
    files.extend(auto_tfvars(dir));
    for file in files {
        read_file(
            config,
            &mut sources,
            &file,
            &mut raw,
            &mut errors,
            &mut warnings,
        )?;
    }
    for input in inputs {
        match input {
            VarInput::File(path) => {
                let path = if path.is_absolute() {
                    path.clone()
                } else {
                    dir.join(path)
                };
                read_file(
                    config,
                    &mut sources,
                    &path,
                    &mut raw,
                    &mut errors,
                    &mut warnings,
                )?;
            }
            VarInput::Assign(text) => match text.split_once('=') {
                Some((name, value)) if !name.is_empty() => {
                    if config.root.variables.contains_key(name) {
                        raw.insert(
                            name.to_owned(),
                            (Raw::Text(value.to_owned()), "a -var option".into()),
                        );
                    } else {
                        errors.push(EvalError::undeclared_variable(name));
                    }
                }
                _ => errors.push(EvalError::var_syntax(text.as_str())),
            },
        }
    }

    let mut prompt = prompt;
    let mut values = BTreeMap::new();
    for (name, var) in &config.root.variables {
        let given = match raw.remove(name) {
            Some((Raw::Text(text), origin)) => Some((
                parse_text(&mut sources, name, &var.ty, &text, &origin),
                origin,
            )),
            Some((Raw::Value(v), origin)) => Some((Ok(v), origin)),
            None => None,
        };
        let value = match given {
            Some((Ok(v), origin)) if !v.is_null() || var.nullable => convert(&v, &var.ty)
                .map_err(|reason| EvalError::variable_input(name.as_str(), origin, reason)),
            Some((Err(e), _)) => Err(e),
            _ if unknown_if_missing && var.default.is_none() => Ok(Value::Unknown),
            _ => default_value(config, var, &mut prompt),
        };
        let value = value.and_then(|v| check_validations(config, var, v));
        match value {
            Ok(v) => {
                values.insert(name.clone(), v.mark_if(var.sensitive));
            }
            Err(e) => {
                values.insert(name.clone(), Value::Unknown);
                errors.push(e);
            }
        }
    }
    Ok((VariableValues { values, warnings }, errors))
}

/// `*.auto.tfvars` and `*.auto.tfvars.json`, in file-name order as Terraform reads them.
fn auto_tfvars(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    let name = p.to_string_lossy();
                    (name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json"))
                        && p.is_file()
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}

fn read_file(
    config: &Config,
    sources: &mut Sources,
    path: &Path,
    raw: &mut BTreeMap<String, (Raw, String)>,
    errors: &mut Vec<EvalError>,
    warnings: &mut Vec<EvalWarning>,
) -> Result<(), VarsError> {
    let origin = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let assignments: Vec<(String, Result<Value, EvalError>)> = if is_json(path) {
        parse_tfvars_json(sources, path)?
            .into_iter()
            .map(|(name, value)| (name, Ok(value)))
            .collect()
    } else {
        parse_tfvars(sources, path)?
            .into_iter()
            .map(|(name, expr)| {
                let value = eval_constant(sources, &expr);
                (name, value)
            })
            .collect()
    };
    for (name, value) in assignments {
        if !config.root.variables.contains_key(&name) {
            warnings.push(EvalWarning::UndeclaredVariable {
                name,
                origin: origin.clone(),
            });
            continue;
        }
        match value {
            Ok(v) => {
                raw.insert(name, (Raw::Value(v), origin.clone()));
            }
            Err(e) => errors.push(e),
        }
    }
    Ok(())
}

/// A `*.tfvars.json` file: one JSON object whose properties are variable values. As in
/// Terraform, its strings are literal (no `${}` templates).
fn parse_tfvars_json(
    sources: &mut Sources,
    path: &Path,
) -> Result<Vec<(String, Value)>, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigErrors {
        errors: vec![ConfigError::io(path, source)],
    })?;
    let file = sources.add(path.display().to_string(), text);
    let text = &sources.file(file).text;
    let invalid = |label: String, offset: usize| ConfigErrors {
        errors: vec![ConfigError::invalid(
            "Invalid variables file",
            label,
            Some("a .tfvars.json file holds one JSON object: {\"name\": value, ...}".into()),
            sources.locate(Span::new(file, offset..offset)),
        )],
    };
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => Ok(map
            .iter()
            .map(|(name, json)| (name.clone(), Value::from(json.clone())))
            .collect()),
        Ok(_) => Err(invalid("expected a JSON object".into(), 0)),
        Err(e) => Err(invalid(
            // The label is shown at the position, so serde_json's " at line L column C" goes.
            e.to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_owned(),
            crate::source::offset_of(text, e.line(), e.column()),
        )),
    }
}

/// A `-var` or environment value: a literal string for primitive types, an HCL expression
/// for collection and structural types (as Terraform reads them).
fn parse_text(
    sources: &mut Sources,
    name: &str,
    ty: &TypeConstraint,
    text: &str,
    origin: &str,
) -> Result<Value, EvalError> {
    if matches!(
        ty,
        TypeConstraint::Any
            | TypeConstraint::String
            | TypeConstraint::Number
            | TypeConstraint::Bool
    ) {
        return Ok(Value::string(text));
    }
    let file = sources.add(origin.to_owned(), format!("value = {text}\n"));
    let parsed = hcl_edit::parser::parse_body(&sources.file(file).text);
    let expr = parsed
        .ok()
        .and_then(|body| body.get_attribute("value").map(|a| a.value.clone()));
    match expr {
        Some(expr) => eval_constant(sources, &Expr { expr, file }),
        None => Err(EvalError::variable_input(
            name,
            origin,
            format!("\"{text}\" is not a valid HCL expression"),
        )),
    }
}

fn default_value(
    config: &Config,
    var: &VariableBlock,
    prompt: &mut Option<Prompt<'_>>,
) -> Result<Value, EvalError> {
    if let Some(default) = &var.default {
        let v = eval_constant(&config.sources, default)?;
        return convert(&v, &var.ty).map_err(|reason| {
            EvalError::invalid(
                "Invalid default value for variable",
                reason,
                None,
                config.sources.locate(default.span()),
            )
        });
    }
    if let Some(text) = prompt.as_mut().and_then(|p| p(var)) {
        let mut sources = Sources::default();
        let v = parse_text(&mut sources, &var.name, &var.ty, &text, "the prompt")?;
        return convert(&v, &var.ty)
            .map_err(|reason| EvalError::variable_input(var.name.as_str(), "the prompt", reason));
    }
    Err(EvalError::invalid(
        "No value for required variable",
        format!(
            "variable \"{}\" has no default and no value was given",
            var.name
        ),
        Some(format!(
            "set it with -var '{0}=...', a .tfvars file or the TF_VAR_{0} environment variable",
            var.name
        )),
        config.sources.locate(var.span),
    ))
}

/// Runs a variable's `validation` blocks against its value.
pub(super) fn check_validations(
    config: &Config,
    var: &VariableBlock,
    value: Value,
) -> Result<Value, EvalError> {
    let scope = VariableScope {
        sources: &config.sources,
        name: &var.name,
        value: &value,
    };
    for validation in &var.validations {
        let eval = |e: &Expr| {
            Evaluator {
                scope: &scope,
                file: e.file,
            }
            .eval(&e.expr, &Frame::new())
        };
        let at = config.sources.locate(validation.condition.span());
        match eval(&validation.condition)?.unmark().0 {
            Value::Bool(true) | Value::Unknown => {}
            Value::Bool(false) => {
                let message = eval(&validation.error_message)?;
                let message = message
                    .as_str()
                    .unwrap_or("the value is not valid")
                    .to_owned();
                return Err(EvalError::invalid(
                    "Invalid value for variable",
                    format!("this check failed for var.{}", var.name),
                    Some(message),
                    at,
                ));
            }
            other => {
                return Err(EvalError::invalid(
                    "Invalid validation condition",
                    format!("the condition must be a bool, not {}", other.type_name()),
                    None,
                    at,
                ));
            }
        }
    }
    Ok(value)
}

/// Resolves only the variable being validated.
struct VariableScope<'a> {
    sources: &'a Sources,
    name: &'a str,
    value: &'a Value,
}

impl Scope for VariableScope<'_> {
    fn sources(&self) -> &Sources {
        self.sources
    }

    fn resolve(
        &self,
        root: &str,
        ops: &[Decorated<TraversalOperator>],
        span: Span,
    ) -> Result<(Value, usize), EvalError> {
        let first = super::expr::leading_name(ops);
        if root == "var" && first == Some(self.name) {
            return Ok((self.value.clone(), 1));
        }
        Err(EvalError::invalid(
            "Invalid reference in variable validation",
            format!("only var.{} can be referenced here", self.name),
            None,
            self.sources.locate(span),
        ))
    }
}

/// Evaluates an expression that may not refer to anything (variable files and defaults).
pub(crate) fn eval_constant(sources: &Sources, expr: &Expr) -> Result<Value, EvalError> {
    let scope = ConstScope { sources };
    Evaluator {
        scope: &scope,
        file: expr.file,
    }
    .eval(&expr.expr, &Frame::new())
}

struct ConstScope<'a> {
    sources: &'a Sources,
}

impl Scope for ConstScope<'_> {
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
            "Variables not allowed",
            format!("\"{root}\" cannot be referenced here"),
            Some("variable values and defaults must be literal values".into()),
            self.sources.locate(span),
        ))
    }
}

/// Converts a value to a type constraint as Terraform does (numbers and bools to strings and
/// back, lists to sets, objects to maps), or explains why it cannot.
pub fn convert(value: &Value, ty: &TypeConstraint) -> Result<Value, String> {
    let (inner, sensitive) = value.unmark();
    if matches!(inner, Value::Null | Value::Unknown) {
        return Ok(value.clone());
    }
    let out = match (ty, inner) {
        (TypeConstraint::Any, v) => v.clone(),
        (TypeConstraint::String, Value::String(_)) => inner.clone(),
        (TypeConstraint::String, Value::Number(n)) => Value::String(format_number(*n)),
        (TypeConstraint::String, Value::Bool(b)) => Value::String(b.to_string()),
        (TypeConstraint::Number, Value::Number(_)) => inner.clone(),
        (TypeConstraint::Number, Value::String(s)) => Value::Number(
            s.trim()
                .parse()
                .map_err(|_| format!("a number is required, not \"{s}\""))?,
        ),
        (TypeConstraint::Bool, Value::Bool(_)) => inner.clone(),
        (TypeConstraint::Bool, Value::String(s)) if s == "true" || s == "false" => {
            Value::Bool(s == "true")
        }
        (TypeConstraint::List(el) | TypeConstraint::Set(el), Value::List(items)) => {
            let mut items = items
                .iter()
                .map(|i| convert(i, el))
                .collect::<Result<Vec<_>, _>>()?;
            if matches!(ty, TypeConstraint::Set(_)) {
                items.sort_by_key(|v| v.to_json().to_string());
                items.dedup();
            }
            Value::List(items)
        }
        (TypeConstraint::Tuple(types), Value::List(items)) if types.len() == items.len() => {
            Value::List(
                items
                    .iter()
                    .zip(types)
                    .map(|(i, t)| convert(i, t))
                    .collect::<Result<_, _>>()?,
            )
        }
        (TypeConstraint::Map(el), Value::Map(map)) => Value::Map(
            map.iter()
                .map(|(k, v)| convert(v, el).map(|v| (k.clone(), v)))
                .collect::<Result<_, _>>()?,
        ),
        (TypeConstraint::Object(fields), Value::Map(map)) => {
            let mut out = Fields::new();
            for (name, field) in fields {
                let v = match map.get(name.as_str()) {
                    Some(v) => {
                        convert(v, &field.ty).map_err(|e| format!("attribute \"{name}\": {e}"))?
                    }
                    None if field.optional => {
                        match &field.default {
                            Some(default) => {
                                let sources = Sources::default();
                                let d = Evaluator { scope: &ConstScope { sources: &sources }, file: 0 }
                                .eval(default, &Frame::new())
                                .map_err(|_| format!("attribute \"{name}\": the optional default must be a literal"))?;
                                convert(&d, &field.ty)?
                            }
                            None => Value::Null,
                        }
                    }
                    None => return Err(format!("attribute \"{name}\" is required")),
                };
                out.insert(name.as_str().into(), v);
            }
            Value::Map(out)
        }
        (ty, v) => return Err(format!("{} required, got {}", describe(ty), v.type_name())),
    };
    Ok(out.mark_if(sensitive))
}

fn describe(ty: &TypeConstraint) -> &'static str {
    match ty {
        TypeConstraint::Any => "any value",
        TypeConstraint::String => "a string",
        TypeConstraint::Number => "a number",
        TypeConstraint::Bool => "a bool",
        TypeConstraint::List(_) => "a list",
        TypeConstraint::Set(_) => "a set",
        TypeConstraint::Map(_) => "a map",
        TypeConstraint::Tuple(_) => "a tuple",
        TypeConstraint::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_primitives_like_terraform() {
        assert_eq!(
            convert(&Value::Number(4.0), &TypeConstraint::String).unwrap(),
            Value::string("4")
        );
        assert_eq!(
            convert(&Value::string("true"), &TypeConstraint::Bool).unwrap(),
            Value::Bool(true)
        );
        assert!(convert(&Value::string("x"), &TypeConstraint::Number).is_err());
        let set = TypeConstraint::Set(Box::new(TypeConstraint::String));
        let v = Value::List(vec![
            Value::string("b"),
            Value::string("a"),
            Value::string("b"),
        ]);
        assert_eq!(
            convert(&v, &set).unwrap(),
            Value::List(vec![Value::string("a"), Value::string("b")])
        );
    }
}
