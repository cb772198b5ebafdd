//! The built-in functions network configurations lean on, with Terraform's semantics
//! (the cidr* family bit-exact, including negative host numbers and prefix masking).
//!
//! Every function receives its arguments with marks already handled by [`call`]: an unknown
//! argument makes the result unknown, a sensitive one makes it sensitive.

use std::net::IpAddr;

use super::expr::to_template_string;
use super::value::{Fields, Value, format_number};

type Result<T> = std::result::Result<T, String>;

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Calls function `name`; `Err` is the message shown at the call site.
pub(crate) fn call(name: &str, args: Vec<Value>) -> Result<Value> {
    // As in Terraform, `keys` and `length` take only the collection's own mark: the keys
    // or size of a map of objects with sensitive attributes reveal none of them.
    let sensitive = if matches!(name, "keys" | "length") {
        args.iter().any(|a| a.unmark().1)
    } else {
        args.iter().any(Value::contains_sensitive)
    };
    let args: Vec<Value> = args.iter().map(Value::unmark_deep).collect();
    if !args.iter().all(Value::is_wholly_known) && name != "coalesce" {
        return Ok(Value::Unknown.mark_if(sensitive));
    }
    let out = dispatch(name, &args)?;
    Ok(out.mark_if(sensitive))
}

fn dispatch(name: &str, args: &[Value]) -> Result<Value> {
    match name {
        "cidrsubnet" => {
            cidrsubnet(str_arg(args, 0)?, int_arg(args, 1)?, int_arg(args, 2)?).map(Value::String)
        }
        "cidrhost" => cidrhost(str_arg(args, 0)?, int_arg(args, 1)?).map(Value::String),
        "cidrnetmask" => cidrnetmask(str_arg(args, 0)?).map(Value::String),
        "cidrsubnets" => {
            let newbits = args
                .iter()
                .skip(1)
                .map(as_int)
                .collect::<Result<Vec<_>>>()?;
            cidrsubnets(str_arg(args, 0)?, &newbits)
                .map(|v| Value::List(v.into_iter().map(Value::String).collect()))
        }
        "format" => format(str_arg(args, 0)?, &args[1..]).map(Value::String),
        "join" => {
            let sep = str_arg(args, 0)?;
            let mut parts = Vec::new();
            for list in &args[1..] {
                for item in list_of(list)? {
                    parts.push(string_of(item)?);
                }
            }
            Ok(Value::String(parts.join(sep)))
        }
        "split" => Ok(Value::List(
            str_arg(args, 1)?
                .split(str_arg(args, 0)?)
                .map(Value::string)
                .collect(),
        )),
        "lookup" => {
            let map = map_arg(args, 0)?;
            let key = str_arg(args, 1)?;
            match (map.get(key), args.get(2)) {
                (Some(v), _) => Ok(v.clone()),
                (None, Some(default)) => Ok(default.clone()),
                (None, None) => Err(format!("the given object has no attribute \"{key}\"")),
            }
        }
        "merge" => {
            let mut out = Fields::new();
            for arg in args {
                match arg {
                    Value::Null => {}
                    Value::Map(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
                    other => {
                        return Err(format!(
                            "arguments must be maps or objects, got {}",
                            other.type_name()
                        ));
                    }
                }
            }
            Ok(Value::Map(out))
        }
        "concat" => {
            let mut out = Vec::new();
            for arg in args {
                out.extend(list_of(arg)?.iter().cloned());
            }
            Ok(Value::List(out))
        }
        "flatten" => Ok(Value::List(flatten(list_of(arg(args, 0)?)?))),
        "length" => match arg(args, 0)? {
            Value::List(l) => Ok(Value::Number(l.len() as f64)),
            Value::Map(m) => Ok(Value::Number(m.len() as f64)),
            Value::String(s) => Ok(Value::Number(s.chars().count() as f64)),
            other => Err(format!("cannot take the length of {}", other.type_name())),
        },
        "element" => {
            let list = list_of(arg(args, 0)?)?;
            let i = int_arg(args, 1)?;
            if list.is_empty() {
                return Err("cannot use element function with an empty list".into());
            }
            if i < 0 {
                return Err("cannot use element function with a negative index".into());
            }
            Ok(list[i as usize % list.len()].clone())
        }
        "contains" => Ok(Value::Bool(list_of(arg(args, 0)?)?.contains(arg(args, 1)?))),
        "distinct" => {
            let mut out: Vec<Value> = Vec::new();
            for item in list_of(arg(args, 0)?)? {
                if !out.contains(item) {
                    out.push(item.clone());
                }
            }
            Ok(Value::List(out))
        }
        "tolist" => Ok(Value::List(list_of(arg(args, 0)?)?.to_vec())),
        "toset" => {
            let mut items: Vec<Value> = list_of(arg(args, 0)?)?.to_vec();
            if items.iter().any(|v| !matches!(v, Value::String(_)))
                && items.iter().any(|v| matches!(v, Value::String(_)))
            {
                items = items
                    .iter()
                    .map(|v| string_of(v).map(Value::String))
                    .collect::<Result<_>>()?;
            }
            items.sort_by(compare_values);
            items.dedup();
            Ok(Value::List(items))
        }
        "tomap" => Ok(Value::Map(map_arg(args, 0)?.clone())),
        "tostring" => match arg(args, 0)? {
            Value::Null => Ok(Value::Null),
            v => string_of(v).map(Value::String),
        },
        "tonumber" => match arg(args, 0)? {
            Value::Number(n) => Ok(Value::Number(*n)),
            Value::String(s) => s
                .parse()
                .map(Value::Number)
                .map_err(|_| format!("cannot convert \"{s}\" to number")),
            Value::Null => Ok(Value::Null),
            other => Err(format!("cannot convert {} to number", other.type_name())),
        },
        "tobool" => match arg(args, 0)? {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::String(s) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
            Value::Null => Ok(Value::Null),
            other => Err(format!("cannot convert {other} to bool")),
        },
        "keys" => Ok(Value::List(
            map_arg(args, 0)?
                .keys()
                .map(|k| Value::string(k.as_str()))
                .collect(),
        )),
        "values" => Ok(Value::List(map_arg(args, 0)?.values().cloned().collect())),
        "zipmap" => {
            let keys = list_of(arg(args, 0)?)?;
            let values = list_of(arg(args, 1)?)?;
            if keys.len() != values.len() {
                return Err(format!("{} keys but {} values", keys.len(), values.len()));
            }
            Ok(Value::Map(
                keys.iter()
                    .map(string_of)
                    .zip(values.iter().cloned())
                    .map(|(k, v)| k.map(|k| (k.into(), v)))
                    .collect::<Result<_>>()?,
            ))
        }
        "lower" => Ok(Value::String(str_arg(args, 0)?.to_lowercase())),
        "upper" => Ok(Value::String(str_arg(args, 0)?.to_uppercase())),
        "trimspace" => Ok(Value::string(str_arg(args, 0)?.trim())),
        "replace" => {
            let (s, search, replacement) =
                (str_arg(args, 0)?, str_arg(args, 1)?, str_arg(args, 2)?);
            if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
                let re = compile(&search[1..search.len() - 1])?;
                return Ok(Value::String(re.replace_all(s, replacement).into_owned()));
            }
            Ok(Value::String(s.replace(search, replacement)))
        }
        "substr" => {
            let s: Vec<char> = str_arg(args, 0)?.chars().collect();
            let offset = int_arg(args, 1)?;
            let length = int_arg(args, 2)?;
            let start = if offset < 0 {
                (s.len() as i64 + offset).max(0)
            } else {
                offset.min(s.len() as i64)
            } as usize;
            let end = if length < 0 {
                s.len()
            } else {
                (start + length as usize).min(s.len())
            };
            Ok(Value::String(s[start..end].iter().collect()))
        }
        "startswith" => Ok(Value::Bool(
            str_arg(args, 0)?.starts_with(str_arg(args, 1)?),
        )),
        "endswith" => Ok(Value::Bool(str_arg(args, 0)?.ends_with(str_arg(args, 1)?))),
        "coalesce" => {
            for a in args {
                match a {
                    Value::Unknown => return Ok(Value::Unknown),
                    Value::Null => {}
                    Value::String(s) if s.is_empty() => {}
                    other => return Ok(other.clone()),
                }
            }
            Err("no non-null, non-empty-string arguments".into())
        }
        "min" | "max" => {
            let nums = args
                .iter()
                .map(|a| match a {
                    Value::Number(n) => Ok(*n),
                    other => Err(format!("{name}() takes numbers, not {}", other.type_name())),
                })
                .collect::<Result<Vec<f64>>>()?;
            let pick = if name == "min" { f64::min } else { f64::max };
            nums.into_iter()
                .reduce(pick)
                .map(Value::Number)
                .ok_or_else(|| format!("{name}() needs at least one number"))
        }
        "abs" => Ok(Value::Number(num_arg(args, 0)?.abs())),
        "pow" => Ok(Value::Number(num_arg(args, 0)?.powf(num_arg(args, 1)?))),
        "floor" => Ok(Value::Number(num_arg(args, 0)?.floor())),
        "ceil" => Ok(Value::Number(num_arg(args, 0)?.ceil())),
        "range" => {
            let nums = args.iter().map(as_int).collect::<Result<Vec<i64>>>()?;
            let (start, end, step) = match nums.as_slice() {
                [end] => (0, *end, 1),
                [start, end] => (*start, *end, if start <= end { 1 } else { -1 }),
                [start, end, step] => (*start, *end, *step),
                _ => return Err("range() takes one to three numbers".into()),
            };
            if step == 0 {
                return Err("the step must not be zero".into());
            }
            let mut out = Vec::new();
            let mut i = start;
            while (step > 0 && i < end) || (step < 0 && i > end) {
                out.push(Value::Number(i as f64));
                i += step;
            }
            Ok(Value::List(out))
        }
        "jsonencode" => Ok(Value::String(arg(args, 0)?.to_json().to_string())),
        "base64encode" => Ok(Value::String(base64::Engine::encode(
            &BASE64,
            str_arg(args, 0)?,
        ))),
        "base64decode" => {
            let bytes = base64::Engine::decode(&BASE64, str_arg(args, 0)?)
                .map_err(|e| format!("invalid base64: {e}"))?;
            String::from_utf8(bytes)
                .map(Value::String)
                .map_err(|_| "the decoded bytes are not UTF-8 text".into())
        }
        "sort" => {
            let mut items = list_of(arg(args, 0)?)?
                .iter()
                .map(string_of)
                .collect::<Result<Vec<_>>>()?;
            items.sort();
            Ok(Value::List(items.into_iter().map(Value::String).collect()))
        }
        _ => collections(name, args)
            .or_else(|| strings(name, args))
            .unwrap_or_else(|| {
                Err(format!(
                    "unknown function; see docs/language.md for the functions vnetform provides ({name})"
                ))
            }),
    }
}

/// List, set and map functions; `None` when `name` is not one of them.
fn collections(name: &str, args: &[Value]) -> Option<Result<Value>> {
    let list = |i: usize| arg(args, i).and_then(list_of);
    let result = match name {
        "setproduct" => args
            .iter()
            .try_fold(vec![Vec::new()], |acc, set| {
                let items = list_of(set)?;
                Ok(acc
                    .iter()
                    .flat_map(|prefix| {
                        items.iter().map(move |item| {
                            let mut tuple = prefix.clone();
                            tuple.push(item.clone());
                            tuple
                        })
                    })
                    .collect())
            })
            .map(|tuples: Vec<Vec<Value>>| {
                Value::List(tuples.into_iter().map(Value::List).collect())
            }),
        "setunion" | "setintersection" | "setsubtract" => set_operation(name, args),
        "reverse" => list(0).map(|l| Value::List(l.iter().rev().cloned().collect())),
        "slice" => (|| {
            let items = list(0)?;
            let (start, end) = (int_arg(args, 1)?, int_arg(args, 2)?);
            if start < 0 || end < start || end as usize > items.len() {
                return Err(format!(
                    "invalid slice {start}..{end} of a list of {}",
                    items.len()
                ));
            }
            Ok(Value::List(items[start as usize..end as usize].to_vec()))
        })(),
        "index" => (|| {
            let wanted = arg(args, 1)?;
            list(0)?
                .iter()
                .position(|v| v == wanted)
                .map(|i| Value::Number(i as f64))
                .ok_or_else(|| "item not found".to_owned())
        })(),
        "compact" => list(0).map(|l| {
            Value::List(
                l.iter()
                    .filter(|v| !v.is_null() && v.as_str() != Some(""))
                    .cloned()
                    .collect(),
            )
        }),
        "one" => list(0).and_then(|l| match l {
            [] => Ok(Value::Null),
            [only] => Ok(only.clone()),
            _ => Err(format!(
                "must be a list with no more than one element, not {}",
                l.len()
            )),
        }),
        "alltrue" | "anytrue" => list(0).and_then(|l| {
            let bools = l
                .iter()
                .map(|v| {
                    v.as_bool()
                        .ok_or_else(|| "the list must hold bools".to_owned())
                })
                .collect::<Result<Vec<bool>>>()?;
            let all = name == "alltrue";
            Ok(Value::Bool(if all {
                bools.iter().all(|b| *b)
            } else {
                bools.iter().any(|b| *b)
            }))
        }),
        "sum" => list(0).and_then(|l| {
            if l.is_empty() {
                return Err("cannot sum an empty list".into());
            }
            l.iter()
                .map(as_number)
                .sum::<Result<f64>>()
                .map(Value::Number)
        }),
        "chunklist" => (|| {
            let size = int_arg(args, 1)?;
            let items = list(0)?;
            if size < 0 {
                return Err("the chunk size must not be negative".into());
            }
            if size == 0 {
                return Ok(Value::List(vec![Value::List(items.to_vec())]));
            }
            Ok(Value::List(
                items
                    .chunks(size as usize)
                    .map(|c| Value::List(c.to_vec()))
                    .collect(),
            ))
        })(),
        "coalescelist" => Ok(args
            .iter()
            .find(|v| v.as_list().is_some_and(|l| !l.is_empty()))
            .cloned()
            .unwrap_or(Value::List(Vec::new()))),
        _ => return None,
    };
    Some(result)
}

fn set_operation(name: &str, args: &[Value]) -> Result<Value> {
    let sets = args
        .iter()
        .map(list_of)
        .collect::<Result<Vec<&[Value]>>>()?;
    let (first, rest) = sets.split_first().ok_or("at least one set is needed")?;
    let mut out: Vec<Value> = match name {
        "setunion" => sets.iter().flat_map(|s| s.iter().cloned()).collect(),
        "setintersection" => first
            .iter()
            .filter(|v| rest.iter().all(|s| s.contains(v)))
            .cloned()
            .collect(),
        _ => first
            .iter()
            .filter(|v| !rest.iter().any(|s| s.contains(v)))
            .cloned()
            .collect(),
    };
    out.sort_by(compare_values);
    out.dedup();
    Ok(Value::List(out))
}

/// String, path and number-parsing functions; `None` when `name` is not one of them.
fn strings(name: &str, args: &[Value]) -> Option<Result<Value>> {
    let text = |i: usize| str_arg(args, i);
    let string = |s: &str| Value::string(s);
    let result = match name {
        "formatlist" => formatlist(args),
        "trim" => (|| {
            let cut = text(1)?;
            Ok(string(text(0)?.trim_matches(|c| cut.contains(c))))
        })(),
        "trimprefix" => (|| Ok(string(text(0)?.strip_prefix(text(1)?).unwrap_or(text(0)?))))(),
        "trimsuffix" => (|| Ok(string(text(0)?.strip_suffix(text(1)?).unwrap_or(text(0)?))))(),
        "chomp" => text(0).map(|s| string(s.trim_end_matches(['\n', '\r']))),
        "strrev" => text(0).map(|s| Value::String(s.chars().rev().collect())),
        "title" => text(0).map(|s| {
            let mut out = String::new();
            let mut start = true;
            for c in s.chars() {
                out.extend(if start {
                    c.to_uppercase().collect::<Vec<_>>()
                } else {
                    vec![c]
                });
                start = !c.is_alphanumeric();
            }
            Value::String(out)
        }),
        "basename" => {
            text(0).map(|s| string(s.trim_end_matches('/').rsplit('/').next().unwrap_or("")))
        }
        "dirname" => text(0).map(|s| {
            let trimmed = s.trim_end_matches('/');
            string(match trimmed.rfind('/') {
                Some(0) => "/",
                Some(i) => &trimmed[..i],
                None => ".",
            })
        }),
        "parseint" => (|| {
            let base = int_arg(args, 1)?;
            if !(2..=62).contains(&base) {
                return Err(format!("base {base} is not between 2 and 62"));
            }
            i64::from_str_radix(text(0)?, base as u32)
                .map(|n| Value::Number(n as f64))
                .map_err(|_| {
                    format!(
                        "cannot parse \"{}\" as a base {base} integer",
                        text(0).unwrap_or_default()
                    )
                })
        })(),
        "signum" => {
            num_arg(args, 0).map(|n| Value::Number(if n == 0.0 { 0.0 } else { n.signum() }))
        }
        "regex" => (|| {
            let re = compile(text(0)?)?;
            let caps = re
                .captures(text(1)?)
                .ok_or_else(|| "pattern did not match any part of the given string".to_owned())?;
            Ok(match_value(&re, &caps))
        })(),
        "regexall" => (|| {
            let re = compile(text(0)?)?;
            Ok(Value::List(
                re.captures_iter(text(1)?)
                    .map(|caps| match_value(&re, &caps))
                    .collect(),
            ))
        })(),
        "jsondecode" => text(0).and_then(|s| {
            serde_json::from_str::<serde_json::Value>(s)
                .map(Value::from)
                .map_err(|e| format!("invalid JSON: {e}"))
        }),
        _ => return None,
    };
    Some(result)
}

fn compile(pattern: &str) -> Result<regex_lite::Regex> {
    regex_lite::Regex::new(pattern).map_err(|e| format!("invalid regular expression: {e}"))
}

/// What `regex` returns for one match, as Terraform does: the matched text when the pattern
/// has no groups, a map by name when its groups are named, else a list of the groups.
fn match_value(re: &regex_lite::Regex, caps: &regex_lite::Captures<'_>) -> Value {
    let group = |i: usize| {
        caps.get(i)
            .map_or(Value::Null, |m| Value::string(m.as_str()))
    };
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    if names.is_empty() {
        group(0)
    } else if names.iter().all(Option::is_some) {
        Value::Map(
            names
                .iter()
                .enumerate()
                .filter_map(|(i, n)| n.map(|n| (n.into(), group(i + 1))))
                .collect(),
        )
    } else {
        Value::List((1..=names.len()).map(group).collect())
    }
}

/// `formatlist(spec, args...)`: `format` once per element; list arguments must have one
/// length, other arguments are repeated.
fn formatlist(args: &[Value]) -> Result<Value> {
    let spec = str_arg(args, 0)?;
    let rest = &args[1..];
    let lengths: Vec<usize> = rest
        .iter()
        .filter_map(|a| a.as_list().map(<[Value]>::len))
        .collect();
    let n = lengths.first().copied().unwrap_or(1);
    if lengths.iter().any(|&l| l != n) {
        return Err("all list arguments must have the same length".into());
    }
    (0..n)
        .map(|i| {
            let row: Vec<Value> = rest
                .iter()
                .map(|a| a.as_list().map_or_else(|| a.clone(), |l| l[i].clone()))
                .collect();
            format(spec, &row).map(Value::String)
        })
        .collect::<Result<Vec<Value>>>()
        .map(Value::List)
}

fn arg(args: &[Value], i: usize) -> Result<&Value> {
    args.get(i)
        .ok_or_else(|| format!("missing argument {}", i + 1))
}

fn str_arg(args: &[Value], i: usize) -> Result<&str> {
    match arg(args, i)? {
        Value::String(s) => Ok(s),
        other => Err(format!(
            "argument {} must be a string, not {}",
            i + 1,
            other.type_name()
        )),
    }
}

fn num_arg(args: &[Value], i: usize) -> Result<f64> {
    match arg(args, i)? {
        Value::Number(n) => Ok(*n),
        Value::String(s) => s
            .parse()
            .map_err(|_| format!("argument {} must be a number", i + 1)),
        other => Err(format!(
            "argument {} must be a number, not {}",
            i + 1,
            other.type_name()
        )),
    }
}

fn int_arg(args: &[Value], i: usize) -> Result<i64> {
    as_int(arg(args, i)?)
}

fn as_int(v: &Value) -> Result<i64> {
    let n = match v {
        Value::Number(n) => *n,
        Value::String(s) => s.parse().map_err(|_| format!("\"{s}\" is not a number"))?,
        other => return Err(format!("a number is required, not {}", other.type_name())),
    };
    if n.fract() != 0.0 {
        return Err(format!("{} is not a whole number", format_number(n)));
    }
    Ok(n as i64)
}

fn map_arg(args: &[Value], i: usize) -> Result<&Fields> {
    match arg(args, i)? {
        Value::Map(m) => Ok(m),
        other => Err(format!(
            "argument {} must be a map, not {}",
            i + 1,
            other.type_name()
        )),
    }
}

fn list_of(v: &Value) -> Result<&[Value]> {
    match v {
        Value::List(l) => Ok(l),
        other => Err(format!("a list is required, not {}", other.type_name())),
    }
}

fn string_of(v: &Value) -> Result<String> {
    to_template_string(v)?.ok_or_else(|| "value is unknown".into())
}

fn flatten(items: &[Value]) -> Vec<Value> {
    items
        .iter()
        .flat_map(|v| match v {
            Value::List(inner) => flatten(inner),
            other => vec![other.clone()],
        })
        .collect()
}

fn compare_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
        _ => a.to_json().to_string().cmp(&b.to_json().to_string()),
    }
}

/// `format` with Terraform's verbs: %s %d %f %q %v %t %%, with optional width and precision.
fn format(spec: &str, args: &[Value]) -> Result<String> {
    let mut out = String::new();
    let mut next = 0;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() || d == '.' || d == '-' || d == '+' || d == '#' {
                flags.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let verb = chars.next().ok_or("the format string ends with %")?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let value = args
            .get(next)
            .ok_or_else(|| format!("not enough arguments for the format verb %{verb}"))?;
        next += 1;
        let (width, precision) = match flags.trim_start_matches(['-', '+', '#']).split_once('.') {
            Some((w, p)) => (w.parse().ok(), p.parse().ok()),
            None => (flags.trim_start_matches(['-', '+', '#']).parse().ok(), None),
        };
        let text = match verb {
            's' | 'v' => string_of(value)?,
            'q' => serde_json::to_string(&string_of(value)?).map_err(|e| e.to_string())?,
            't' => match value {
                Value::Bool(b) => b.to_string(),
                other => return Err(format!("%t needs a bool, not {}", other.type_name())),
            },
            'd' => as_int(value)?.to_string(),
            'f' => format!("{:.*}", precision.unwrap_or(6), as_number(value)?),
            other => return Err(format!("unsupported format verb %{other}")),
        };
        match width {
            Some(w) if flags.starts_with('-') => out.push_str(&format!("{text:<w$}")),
            Some(w) if verb == 'd' && flags.starts_with('0') => {
                out.push_str(&format!("{text:0>w$}"))
            }
            Some(w) => out.push_str(&format!("{text:>w$}")),
            None => out.push_str(&text),
        }
    }
    if next < args.len() {
        return Err(format!(
            "too many arguments; the format uses {next} but {} were given",
            args.len()
        ));
    }
    Ok(out)
}

fn as_number(v: &Value) -> Result<f64> {
    match v {
        Value::Number(n) => Ok(*n),
        other => Err(format!("a number is required, not {}", other.type_name())),
    }
}

/// A parsed prefix: the network address (host bits cleared) and prefix length, as u128.
struct Prefix {
    ip: u128,
    len: u32,
    bits: u32,
    v4: bool,
}

fn parse_prefix(s: &str) -> Result<Prefix> {
    let (addr, len) = s
        .split_once('/')
        .ok_or_else(|| format!("invalid CIDR address: {s}"))?;
    let len: u32 = len
        .parse()
        .map_err(|_| format!("invalid CIDR address: {s}"))?;
    let ip = parse_ip(addr).ok_or_else(|| format!("invalid CIDR address: {s}"))?;
    let (value, bits, v4) = match ip {
        IpAddr::V4(a) => (u128::from(u32::from(a)), 32, true),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => (u128::from(u32::from(v4)), 32, true),
            None => (u128::from(a), 128, false),
        },
    };
    let len = if v4 && bits == 32 && matches!(ip, IpAddr::V6(_)) {
        len.saturating_sub(96)
    } else {
        len
    };
    if len > bits {
        return Err(format!("invalid CIDR address: {s}"));
    }
    Ok(Prefix {
        ip: value & mask(len, bits),
        len,
        bits,
        v4,
    })
}

/// Parses an address, reading leading-zero IPv4 octets as decimal as Terraform does.
fn parse_ip(s: &str) -> Option<IpAddr> {
    if s.contains(':') {
        return s.parse().ok();
    }
    let octets: Vec<u8> = s
        .split('.')
        .map(|o| o.parse().ok())
        .collect::<Option<_>>()?;
    let [a, b, c, d] = octets.as_slice() else {
        return None;
    };
    Some(IpAddr::from([*a, *b, *c, *d]))
}

fn mask(len: u32, bits: u32) -> u128 {
    if len == 0 {
        0
    } else {
        (u128::MAX << (128 - len)) >> (128 - bits)
    }
}

fn show(ip: u128, v4: bool) -> String {
    if v4 {
        std::net::Ipv4Addr::from(ip as u32).to_string()
    } else {
        std::net::Ipv6Addr::from(ip).to_string()
    }
}

pub(crate) fn cidrsubnet(prefix: &str, newbits: i64, netnum: i64) -> Result<String> {
    let p = parse_prefix(prefix)?;
    if newbits < 0 {
        return Err("newbits must be non-negative".into());
    }
    let new_len = p.len + newbits as u32;
    if new_len > p.bits {
        return Err(format!(
            "insufficient address space to extend prefix of {} by {}",
            p.len, newbits
        ));
    }
    if netnum < 0 || (newbits < 64 && netnum as u128 >= (1u128 << newbits)) {
        return Err(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
        ));
    }
    let ip = p.ip | ((netnum as u128) << (p.bits - new_len));
    Ok(format!("{}/{}", show(ip, p.v4), new_len))
}

pub(crate) fn cidrhost(prefix: &str, hostnum: i64) -> Result<String> {
    let p = parse_prefix(prefix)?;
    let host_bits = p.bits - p.len;
    let size: i128 = if host_bits >= 127 {
        i128::MAX
    } else {
        1i128 << host_bits
    };
    let n = i128::from(hostnum);
    let offset = if n < 0 { size + n } else { n };
    if offset < 0 || offset >= size {
        return Err(format!(
            "prefix of {} does not accommodate a host numbered {hostnum}",
            p.len
        ));
    }
    Ok(show(p.ip + offset as u128, p.v4))
}

fn cidrnetmask(prefix: &str) -> Result<String> {
    let p = parse_prefix(prefix)?;
    if !p.v4 {
        return Err("IPv6 addresses cannot have a netmask".into());
    }
    Ok(show(mask(p.len, 32), true))
}

fn cidrsubnets(prefix: &str, newbits: &[i64]) -> Result<Vec<String>> {
    let p = parse_prefix(prefix)?;
    let mut out = Vec::new();
    let mut next = p.ip;
    for &bits in newbits {
        if bits < 1 {
            return Err("must extend prefix by at least one bit".into());
        }
        let len = p.len + bits as u32;
        if bits > i64::from(p.bits) {
            return Err(format!(
                "may not extend prefix by more than {} bits",
                p.bits
            ));
        }
        if len > p.bits {
            return Err(format!(
                "would extend prefix to {len} bits, which is too long for an IPv{} address",
                if p.v4 { 4 } else { 6 }
            ));
        }
        let step = 1u128 << (p.bits - len);
        let aligned = next.div_ceil(step) * step;
        let end = p.ip | !mask(p.len, p.bits) & (u128::MAX >> (128 - p.bits));
        if aligned > end || aligned + (step - 1) > end {
            return Err(format!(
                "not enough remaining address space for a subnet with a prefix of {len} bits after {}",
                out.last().cloned().unwrap_or_else(|| prefix.to_owned())
            ));
        }
        out.push(format!("{}/{len}", show(aligned, p.v4)));
        next = aligned + step;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrsubnet_matches_terraform() {
        assert_eq!(
            cidrsubnet("192.168.2.0/20", 4, 6).unwrap(),
            "192.168.6.0/24"
        );
        assert_eq!(cidrsubnet("10.1.2.0/24", 4, 15).unwrap(), "10.1.2.240/28");
        assert_eq!(
            cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162).unwrap(),
            "fd00:fd12:3456:7800:a200::/72"
        );
        assert!(
            cidrsubnet("10.0.0.0/30", 4, 0)
                .unwrap_err()
                .contains("insufficient address space")
        );
        assert!(
            cidrsubnet("10.0.0.0/16", 2, 4)
                .unwrap_err()
                .contains("does not accommodate")
        );
        assert_eq!(cidrsubnet("010.001.0.0/16", 8, 2).unwrap(), "10.1.2.0/24");
    }

    #[test]
    fn cidrhost_counts_from_the_end_when_negative() {
        assert_eq!(cidrhost("192.168.1.0/24", -5).unwrap(), "192.168.1.251");
        assert_eq!(cidrhost("192.168.1.0/24", -256).unwrap(), "192.168.1.0");
        assert_eq!(cidrhost("10.12.112.0/20", 16).unwrap(), "10.12.112.16");
        assert!(cidrhost("192.168.1.0/24", 256).is_err());
    }

    #[test]
    fn cidrsubnets_aligns_each_subnet() {
        let got = cidrsubnets("10.0.0.0/21", &[3, 3, 3, 4, 4, 4, 7, 7, 7]).unwrap();
        assert_eq!(
            got,
            [
                "10.0.0.0/24",
                "10.0.1.0/24",
                "10.0.2.0/24",
                "10.0.3.0/25",
                "10.0.3.128/25",
                "10.0.4.0/25",
                "10.0.4.128/28",
                "10.0.4.144/28",
                "10.0.4.160/28"
            ]
        );
    }

    #[test]
    fn netmask_and_format() {
        assert_eq!(cidrnetmask("172.16.0.0/12").unwrap(), "255.240.0.0");
        assert_eq!(
            format("vnet-%s-%03d", &[Value::string("a"), Value::Number(7.0)]).unwrap(),
            "vnet-a-007"
        );
        assert_eq!(format("%q", &[Value::string("x")]).unwrap(), "\"x\"");
    }

    #[test]
    fn unknown_and_sensitive_arguments_propagate() {
        assert_eq!(call("upper", vec![Value::Unknown]).unwrap(), Value::Unknown);
        assert_eq!(
            call("upper", vec![Value::string("k").sensitive()]).unwrap(),
            Value::string("K").sensitive()
        );
    }

    #[test]
    fn element_wraps_and_lookup_defaults() {
        let list = Value::List(vec![
            Value::string("a"),
            Value::string("b"),
            Value::string("c"),
        ]);
        assert_eq!(
            call("element", vec![list, Value::Number(4.0)]).unwrap(),
            Value::string("b")
        );
        let map = Value::Map(Fields::from_iter([("a".into(), Value::Number(1.0))]));
        assert_eq!(
            call(
                "lookup",
                vec![map.clone(), Value::string("b"), Value::Number(2.0)]
            )
            .unwrap(),
            Value::Number(2.0)
        );
        assert!(call("lookup", vec![map, Value::string("b")]).is_err());
    }

    fn strs(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::string(*s)).collect())
    }

    #[test]
    fn collection_functions_match_terraform() {
        let product = call("setproduct", vec![strs(&["a", "b"]), strs(&["x", "y"])]).unwrap();
        assert_eq!(
            product,
            Value::List(vec![
                strs(&["a", "x"]),
                strs(&["a", "y"]),
                strs(&["b", "x"]),
                strs(&["b", "y"])
            ])
        );
        assert_eq!(
            call("setsubtract", vec![strs(&["c", "a", "b"]), strs(&["b"])]).unwrap(),
            strs(&["a", "c"])
        );
        assert_eq!(
            call(
                "formatlist",
                vec![
                    Value::string("%s-%s"),
                    strs(&["a", "b"]),
                    Value::string("x")
                ]
            )
            .unwrap(),
            strs(&["a-x", "b-x"])
        );
        assert_eq!(
            call("compact", vec![strs(&["a", "", "b"])]).unwrap(),
            strs(&["a", "b"])
        );
        assert!(call("one", vec![strs(&["a", "b"])]).is_err());
        assert_eq!(
            call(
                "chunklist",
                vec![strs(&["a", "b", "c"]), Value::Number(2.0)]
            )
            .unwrap(),
            Value::List(vec![strs(&["a", "b"]), strs(&["c"])])
        );
    }

    #[test]
    fn string_functions_match_terraform() {
        let one = |name: &str, args: Vec<Value>| call(name, args).unwrap();
        assert_eq!(
            one(
                "trimprefix",
                vec![Value::string("vnet-hub"), Value::string("vnet-")]
            ),
            Value::string("hub")
        );
        assert_eq!(
            one("title", vec![Value::string("hub and spoke")]),
            Value::string("Hub And Spoke")
        );
        assert_eq!(
            one("dirname", vec![Value::string("a/b/c.tf")]),
            Value::string("a/b")
        );
        assert_eq!(
            one("basename", vec![Value::string("a/b/c.tf")]),
            Value::string("c.tf")
        );
        assert_eq!(
            one("parseint", vec![Value::string("ff"), Value::Number(16.0)]),
            Value::Number(255.0)
        );
    }
}
