//! Type constraints of `variable` blocks (`string`, `list(string)`, `object({...})`, ...).

use std::collections::BTreeMap;

use hcl_edit::expr::{Expression, ObjectKey};

/// A variable's declared type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeConstraint {
    Any,
    String,
    Number,
    Bool,
    List(Box<TypeConstraint>),
    Set(Box<TypeConstraint>),
    Map(Box<TypeConstraint>),
    Tuple(Vec<TypeConstraint>),
    Object(BTreeMap<String, ObjectField>),
}

/// One attribute of an `object({...})` type; `optional(T, default)` makes it optional.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectField {
    pub ty: TypeConstraint,
    pub optional: bool,
    pub default: Option<Expression>,
}

impl TypeConstraint {
    /// Parses a type expression; `Err` carries a description of what was expected.
    pub fn parse(expr: &Expression) -> Result<TypeConstraint, String> {
        match expr {
            Expression::Variable(name) => match name.as_str() {
                "any" => Ok(TypeConstraint::Any),
                "string" => Ok(TypeConstraint::String),
                "number" => Ok(TypeConstraint::Number),
                "bool" => Ok(TypeConstraint::Bool),
                "list" => Ok(TypeConstraint::List(Box::new(TypeConstraint::Any))),
                "set" => Ok(TypeConstraint::Set(Box::new(TypeConstraint::Any))),
                "map" => Ok(TypeConstraint::Map(Box::new(TypeConstraint::Any))),
                other => Err(format!("\"{other}\" is not a type")),
            },
            Expression::FuncCall(call) => {
                let args: Vec<&Expression> = call.args.iter().collect();
                let one = || match args.as_slice() {
                    [arg] => TypeConstraint::parse(arg).map(Box::new),
                    _ => Err(format!(
                        "{}() takes exactly one type",
                        call.name.name.as_str()
                    )),
                };
                match call.name.name.as_str() {
                    "list" => Ok(TypeConstraint::List(one()?)),
                    "set" => Ok(TypeConstraint::Set(one()?)),
                    "map" => Ok(TypeConstraint::Map(one()?)),
                    "tuple" => match args.as_slice() {
                        [Expression::Array(items)] => items
                            .iter()
                            .map(TypeConstraint::parse)
                            .collect::<Result<_, _>>()
                            .map(TypeConstraint::Tuple),
                        _ => Err("tuple() takes a list of types".into()),
                    },
                    "object" => match args.as_slice() {
                        [Expression::Object(fields)] => parse_object_fields(fields),
                        _ => Err("object() takes an object of attribute types".into()),
                    },
                    other => Err(format!("\"{other}\" is not a type constructor")),
                }
            }
            Expression::String(s) => match s.as_str() {
                // Terraform 0.11's quoted keywords; read as the types they meant.
                "string" => Ok(TypeConstraint::String),
                "list" => Ok(TypeConstraint::List(Box::new(TypeConstraint::Any))),
                "map" => Ok(TypeConstraint::Map(Box::new(TypeConstraint::Any))),
                other => Err(format!(
                    "\"{other}\" is not a type; write a type keyword such as string without quotes"
                )),
            },
            _ => Err(
                "a type constraint must be a type keyword such as string or list(string)".into(),
            ),
        }
    }
}

fn parse_object_fields(fields: &hcl_edit::expr::Object) -> Result<TypeConstraint, String> {
    let mut out = BTreeMap::new();
    for (key, value) in fields.iter() {
        let name = match key {
            ObjectKey::Ident(ident) => ident.as_str().to_owned(),
            ObjectKey::Expression(Expression::String(s)) => s.as_str().to_owned(),
            ObjectKey::Expression(_) => {
                return Err("object attribute names must be identifiers".into());
            }
        };
        let field = match value.expr() {
            Expression::FuncCall(call) if call.name.name.as_str() == "optional" => {
                let args: Vec<&Expression> = call.args.iter().collect();
                let ty = match args.first() {
                    Some(t) => TypeConstraint::parse(t)?,
                    None => return Err("optional() needs a type".into()),
                };
                ObjectField {
                    ty,
                    optional: true,
                    default: args.get(1).map(|e| (*e).clone()),
                }
            }
            other => ObjectField {
                ty: TypeConstraint::parse(other)?,
                optional: false,
                default: None,
            },
        };
        out.insert(name, field);
    }
    Ok(TypeConstraint::Object(out))
}
