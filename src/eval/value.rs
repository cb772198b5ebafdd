//! The value model of the expression language.
//!
//! A [`Value`] is JSON-like (null, bool, number, string, list, map) plus two marks from the
//! design: [`Value::Unknown`] ("known after apply") and [`Value::Sensitive`] (must never be
//! printed). Operations propagate both marks: anything computed from an unknown is unknown,
//! anything computed from a sensitive value is sensitive.

use std::fmt;

/// The attributes of an object, or the entries of a map, by name. A vector kept sorted by
/// key: the many small objects of a plan take a fraction of a B-tree's memory, in the same
/// order.
pub type Fields = litemap::LiteMap<Key, Value>;

/// An attribute name or map key: held inline up to 24 bytes, as nearly all are.
pub type Key = compact_str::CompactString;

/// A value with unknown and sensitive marks.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    Map(Fields),
    /// Known only after apply.
    Unknown,
    /// A value that must not be shown.
    Sensitive(Box<Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// Wraps a value in the sensitive mark (idempotent).
    pub fn sensitive(self) -> Value {
        match self {
            Value::Sensitive(_) => self,
            other => Value::Sensitive(Box::new(other)),
        }
    }

    /// Wraps in the sensitive mark when `yes`.
    pub fn mark_if(self, yes: bool) -> Value {
        if yes { self.sensitive() } else { self }
    }

    /// The value without its top-level sensitive mark, and whether it had one.
    pub fn unmark(&self) -> (&Value, bool) {
        match self {
            Value::Sensitive(inner) => (inner.unmark().0, true),
            other => (other, false),
        }
    }

    /// Removes every sensitive mark, deep.
    pub fn unmark_deep(&self) -> Value {
        match self {
            Value::Sensitive(inner) => inner.unmark_deep(),
            Value::List(items) => Value::List(items.iter().map(Value::unmark_deep).collect()),
            Value::Map(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), v.unmark_deep()))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// True if this value or anything inside it is sensitive.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(items) => items.iter().any(Value::contains_sensitive),
            Value::Map(map) => map.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// True if this value is wholly known (no unknown anywhere inside).
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::Sensitive(inner) => inner.is_wholly_known(),
            Value::List(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(map) => map.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.unmark().0, Value::Unknown)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.unmark().0, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.unmark().0 {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.unmark().0 {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self.unmark().0 {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Fields> {
        match self.unmark().0 {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self.unmark().0 {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// Looks up a map attribute (null when absent or when this is not a map).
    pub fn get(&self, key: &str) -> &Value {
        self.as_map()
            .and_then(|m| m.get(key))
            .unwrap_or(&Value::Null)
    }

    /// The type name used in error messages, as Terraform spells it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "object",
            Value::Unknown => "unknown",
            Value::Sensitive(inner) => inner.type_name(),
        }
    }

    /// Converts to JSON for state and backend calls. Unknown becomes null, marks are dropped.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => items.iter().map(Value::to_json).collect(),
            Value::Map(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
            Value::Sensitive(inner) => inner.to_json(),
        }
    }

    /// Whether [`Value::to_json`] gives `json`, without building it (objects of both kinds
    /// are sorted by key the same way).
    pub fn same_as_json(&self, json: &serde_json::Value) -> bool {
        use serde_json::Value as Json;
        match (self, json) {
            (Value::Sensitive(inner), _) => inner.same_as_json(json),
            (Value::Null | Value::Unknown, Json::Null) => true,
            (Value::Bool(a), Json::Bool(b)) => a == b,
            (Value::Number(n), Json::Number(_) | Json::Null) => number_to_json(*n) == *json,
            (Value::String(a), Json::String(b)) => a == b,
            (Value::List(items), Json::Array(others)) => {
                items.len() == others.len()
                    && items.iter().zip(others).all(|(a, b)| a.same_as_json(b))
            }
            (Value::Map(fields), Json::Object(others)) => {
                fields.len() == others.len()
                    && fields
                        .iter()
                        .zip(others)
                        .all(|((k, a), (other_k, b))| k == other_k && a.same_as_json(b))
            }
            _ => false,
        }
    }

    /// Whether this value, marks set aside, is `plain` (a value without marks, as state
    /// holds them); unknown is never the same as anything but null, as in
    /// [`Value::same_as_json`].
    pub fn same_as_plain(&self, plain: &Value) -> bool {
        match (self, plain) {
            (Value::Sensitive(inner), _) => inner.same_as_plain(plain),
            (Value::Null | Value::Unknown, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => number_to_json(*a) == number_to_json(*b),
            (Value::Number(a), Value::Null) => number_to_json(*a).is_null(),
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(items), Value::List(others)) => {
                items.len() == others.len()
                    && items.iter().zip(others).all(|(a, b)| a.same_as_plain(b))
            }
            (Value::Map(fields), Value::Map(others)) => {
                fields.len() == others.len()
                    && fields
                        .iter()
                        .zip(others.iter())
                        .all(|((k, a), (other_k, b))| k == other_k && a.same_as_plain(b))
            }
            _ => false,
        }
    }

    /// Terraform's `after_unknown` shape: `true` at unknown leaves, `false`/nested elsewhere.
    pub fn unknown_tree(&self) -> serde_json::Value {
        self.mark_tree(&|v| matches!(v, Value::Unknown))
    }

    /// Terraform's `*_sensitive` shape: `true` at sensitive leaves.
    pub fn sensitive_tree(&self) -> serde_json::Value {
        self.mark_tree(&|v| matches!(v, Value::Sensitive(_)))
    }

    fn mark_tree(&self, marked: &dyn Fn(&Value) -> bool) -> serde_json::Value {
        if marked(self) {
            return serde_json::Value::Bool(true);
        }
        match self {
            Value::List(items) => items.iter().map(|v| v.mark_tree(marked)).collect(),
            Value::Map(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| (k.to_string(), v.mark_tree(marked)))
                    .collect(),
            ),
            Value::Sensitive(inner) => inner.mark_tree(marked),
            _ => serde_json::Value::Bool(false),
        }
    }
}

fn number_to_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// Formats a number as Terraform prints it: integers without a fraction.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Saved plans hold values compactly: null, booleans, numbers, strings and lists as JSON
/// writes them, and every object tagged (`{"Map": {...}}`, `{"Unknown": null}`,
/// `{"Sensitive": value}`), so that nothing a configuration holds can pass for a mark.
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => s.serialize_f64(*n),
            Value::String(text) => s.serialize_str(text),
            Value::List(items) => s.collect_seq(items),
            Value::Map(fields) => tagged(s, "Map", fields),
            Value::Unknown => tagged(s, "Unknown", &()),
            Value::Sensitive(inner) => tagged(s, "Sensitive", inner),
        }
    }
}

/// `{tag: inner}`.
fn tagged<S: serde::Serializer, T: serde::Serialize + ?Sized>(
    s: S,
    tag: &str,
    inner: &T,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(1))?;
    map.serialize_entry(tag, inner)?;
    map.end()
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor { plain: false })
    }
}

/// Reads a value in the form [`Value`]'s `Serialize` writes, or, when `plain`, in plain JSON
/// (see [`plain`]).
#[derive(Clone, Copy)]
struct ValueVisitor {
    plain: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for ValueVisitor {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.plain {
            "a JSON value"
        } else {
            "a value: null, a boolean, number, string or list, or a tagged object"
        })
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::Number(n))
    }

    fn visit_str<E>(self, text: &str) -> Result<Value, E> {
        Ok(Value::String(text.to_owned()))
    }

    fn visit_string<E>(self, text: String) -> Result<Value, E> {
        Ok(Value::String(text))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::List(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        if self.plain {
            plain_object(map, self)
        } else {
            tagged_object(map)
        }
    }
}

/// A JSON object as a map value: sorted input (as this tool writes it) appends, any other
/// order inserts.
fn plain_object<'de, A: serde::de::MapAccess<'de>>(
    mut map: A,
    plain: ValueVisitor,
) -> Result<Value, A::Error> {
    let mut fields = Fields::new();
    while let Some(key) = map.next_key::<Key>()? {
        let value = map.next_value_seed(plain)?;
        if let Some((key, value)) = fields.try_append(key, value) {
            fields.insert(key, value);
        }
    }
    Ok(Value::Map(fields))
}

/// `{"Map": {...}}`, `{"Unknown": null}` or `{"Sensitive": value}`.
fn tagged_object<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Value, A::Error> {
    use serde::de::Error;
    const TAGS: &[&str] = &["Map", "Unknown", "Sensitive"];
    let tag: Key = map
        .next_key()?
        .ok_or_else(|| A::Error::invalid_length(0, &"one tag"))?;
    let value = match tag.as_str() {
        "Map" => Value::Map(map.next_value()?),
        "Unknown" => {
            map.next_value::<()>()?;
            Value::Unknown
        }
        "Sensitive" => Value::Sensitive(Box::new(map.next_value()?)),
        other => return Err(A::Error::unknown_variant(other, TAGS)),
    };
    if map.next_key::<serde::de::IgnoredAny>()?.is_some() {
        return Err(A::Error::invalid_length(2, &"one tag"));
    }
    Ok(value)
}

/// Converts from JSON (state, backend responses), moving its strings; no marks.
impl From<serde_json::Value> for Value {
    fn from(json: serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or_default()),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(items) => {
                Value::List(items.into_iter().map(Value::from).collect())
            }
            serde_json::Value::Object(map) => Value::Map(
                map.into_iter()
                    .map(|(k, v)| (Key::from(k), Value::from(v)))
                    .collect(),
            ),
        }
    }
}

/// Values as plain JSON, the way the state file and backends hold them: objects as JSON
/// objects (read in any key order, kept sorted), no marks (unknown is written as null, a
/// sensitive value as itself). For `#[serde(with = "plain")]` on an `Arc<Value>`.
pub mod plain {
    use std::sync::Arc;

    use serde::{Deserializer, Serialize, Serializer};

    use super::{Value, ValueVisitor, number_to_json};

    pub fn serialize<S: Serializer>(value: &Value, s: S) -> Result<S::Ok, S::Error> {
        Plain(value).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: From<Value>>(d: D) -> Result<T, D::Error> {
        d.deserialize_any(PLAIN).map(T::from)
    }

    const PLAIN: ValueVisitor = ValueVisitor { plain: true };

    /// `Option<Arc<Value>>`, for `#[serde(with = "plain::option")]`.
    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(
            value: &Option<Arc<Value>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            value.as_deref().map(Plain).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Arc<Value>>, D::Error> {
            let value: Value = d.deserialize_any(PLAIN)?;
            Ok((value != Value::Null).then(|| Arc::new(value)))
        }
    }

    /// Serializes a value as plain JSON.
    struct Plain<'a>(&'a Value);

    impl Serialize for Plain<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self.0 {
                Value::Null | Value::Unknown => s.serialize_unit(),
                Value::Bool(b) => s.serialize_bool(*b),
                Value::Number(n) => number_to_json(*n).serialize(s),
                Value::String(text) => s.serialize_str(text),
                Value::List(items) => s.collect_seq(items.iter().map(Plain)),
                Value::Map(fields) => s.collect_map(fields.iter().map(|(k, v)| (k, Plain(v)))),
                Value::Sensitive(inner) => Plain(inner).serialize(s),
            }
        }
    }
}

impl fmt::Display for Value {
    /// A short, safe rendering for messages: sensitive and unknown values are never spelled out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => f.write_str(&format_number(*n)),
            Value::String(s) => write!(f, "{s:?}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(map) => {
                f.write_str("{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} = {v}")?;
                }
                f.write_str("}")
            }
            Value::Unknown => f.write_str("(known after apply)"),
            Value::Sensitive(_) => f.write_str("(sensitive value)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn same_as_json_agrees_with_converting() {
        let values = [
            Value::Null,
            Value::Unknown,
            Value::Bool(true),
            Value::Number(4.0),
            Value::Number(2.5),
            Value::Number(f64::NAN),
            Value::string("a"),
            Value::string("a").sensitive(),
            Value::List(vec![Value::Number(1.0), Value::string("b")]),
            Value::Map(Fields::from_iter([
                ("a".into(), Value::Null),
                ("b".into(), Value::Bool(false)),
            ])),
            Value::Map(Fields::from_iter([("a".into(), Value::Null)])),
        ];
        let jsons = [
            json!(null),
            json!(true),
            json!(4),
            json!(4.0),
            json!(2.5),
            json!("a"),
            json!([1, "b"]),
            json!([1]),
            json!({"a": null, "b": false}),
            json!({"a": null, "c": false}),
            json!({"a": null}),
        ];
        for value in &values {
            for json in &jsons {
                assert_eq!(
                    value.same_as_json(json),
                    value.to_json() == *json,
                    "{value:?} {json}"
                );
                let recorded = Value::from(json.clone());
                assert_eq!(
                    value.same_as_plain(&recorded),
                    value.same_as_json(&recorded.to_json()),
                    "a value compares with state as with the JSON state writes: {value:?} {json}"
                );
            }
        }
    }

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Recorded {
        #[serde(with = "plain")]
        attributes: std::sync::Arc<Value>,
    }

    #[test]
    fn plain_json_reads_any_key_order_and_writes_what_to_json_gives() {
        let text = r#"{"attributes":{"z":[1,2.5,"x"],"a":{"c":null,"b":true},"m":65515}}"#;
        let read: Recorded = serde_json::from_str(text).unwrap();
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(*read.attributes, Value::from(json["attributes"].clone()));
        assert_eq!(
            read.attributes.as_map().unwrap().keys().collect::<Vec<_>>(),
            ["a", "m", "z"],
            "kept sorted"
        );
        let written = serde_json::to_string(&read).unwrap();
        assert_eq!(
            written,
            r#"{"attributes":{"a":{"b":true,"c":null},"m":65515,"z":[1,2.5,"x"]}}"#
        );
        let marked = Recorded {
            attributes: std::sync::Arc::new(Value::Map(Fields::from_iter([
                ("k".into(), Value::string("s").sensitive()),
                ("u".into(), Value::Unknown),
            ]))),
        };
        assert_eq!(
            serde_json::to_value(&marked).unwrap()["attributes"],
            marked.attributes.to_json(),
            "marks are not written"
        );
    }

    #[test]
    fn saved_form_is_compact_and_reads_back_exactly() {
        let map = |pairs: &[(&str, Value)]| {
            Value::Map(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).into(), v.clone()))
                    .collect(),
            )
        };
        let value = map(&[
            ("Unknown", Value::string("Unknown")),
            ("empty", map(&[])),
            ("key", Value::string("secret").sensitive()),
            (
                "list",
                Value::List(vec![Value::Null, Value::Bool(true), Value::Number(2.5)]),
            ),
            ("later", Value::Unknown),
            ("Sensitive", map(&[("Map", Value::Number(1.0))])),
        ]);
        let text = serde_json::to_string(&value).unwrap();
        assert_eq!(
            text,
            r#"{"Map":{"Sensitive":{"Map":{"Map":1.0}},"Unknown":"Unknown","empty":{"Map":[]},"key":{"Sensitive":"secret"},"later":{"Unknown":null},"list":[null,true,2.5]}}"#
        );
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
        for bad in [r#"{"Other":1}"#, r#"{"Map":{},"Unknown":null}"#, "{}"] {
            assert!(serde_json::from_str::<Value>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn marks_survive_json_trees() {
        let v = Value::Map(Fields::from_iter([
            ("a".into(), Value::Unknown),
            ("b".into(), Value::string("x").sensitive()),
        ]));
        assert_eq!(v.unknown_tree(), serde_json::json!({"a": true, "b": false}));
        assert_eq!(
            v.sensitive_tree(),
            serde_json::json!({"a": false, "b": true})
        );
        assert_eq!(v.to_json(), serde_json::json!({"a": null, "b": "x"}));
        assert!(v.contains_sensitive());
        assert!(!v.is_wholly_known());
    }

    #[test]
    fn display_never_reveals_sensitive_values() {
        let v = Value::string("s3cret").sensitive();
        assert_eq!(v.to_string(), "(sensitive value)");
    }

    #[test]
    fn integers_print_without_fraction() {
        assert_eq!(format_number(4.0), "4");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(Value::Number(65515.0).to_json(), serde_json::json!(65515));
    }
}
