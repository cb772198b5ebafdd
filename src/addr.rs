//! Resource addresses: the key shared by configuration, graph, plan and state.
//!
//! Owns parsing and printing of `TYPE.NAME`, `TYPE.NAME[0]`, `TYPE.NAME["key"]`, their
//! `data.` forms and their module paths (`module.hub["west"].TYPE.NAME`). Knows nothing of
//! evaluation, IO or any backend.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// A resource type or name in an address: shared, not copied, when the address is cloned,
/// as addresses are by the thousand (dependency sets, the graph, the plan's operations).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Arc<str>);

impl Name {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(s.into())
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name(s.into())
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// Whether an address names a managed resource or a data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    Managed,
    Data,
}

impl Mode {
    /// The spelling used in Terraform's state file.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Managed => "managed",
            Mode::Data => "data",
        }
    }
}

/// Which instance of a resource with `count` (an index) or `for_each` (a key).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum InstanceKey {
    Index(usize),
    Key(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::Index(i) => write!(f, "[{i}]"),
            InstanceKey::Key(k) => write!(f, "[{}]", serde_json::Value::from(k.as_str())),
        }
    }
}

/// One step of a module path: a module call and, for `count`/`for_each` calls, the instance.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct ModuleStep {
    pub name: String,
    pub key: Option<InstanceKey>,
}

/// The module instance a resource lives in; empty for the root module.
pub type ModulePath = Vec<ModuleStep>;

/// What a command or a `moved` block names: a resource (all its instances, or one), or a
/// module instance (everything in it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Target {
    Resource(ResourceAddr),
    Module(ModulePath),
}

impl Target {
    /// Whether `addr` is what this names, or inside it.
    pub fn contains(&self, addr: &ResourceAddr) -> bool {
        match self {
            Target::Resource(t) if t.key.is_some() => addr == t,
            Target::Resource(t) => addr.config() == t.config(),
            Target::Module(path) => addr.module.starts_with(path),
        }
    }
}

impl FromStr for Target {
    type Err = AddrParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<ResourceAddr>()
            .map(Target::Resource)
            .or_else(|_| parse_module_path(s).map(Target::Module))
    }
}

/// `module.a.module.b["k"]` (empty for the root module).
pub fn module_path_string(path: &[ModuleStep]) -> String {
    let mut out = String::new();
    for (i, step) in path.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str("module.");
        out.push_str(&step.name);
        if let Some(key) = &step.key {
            out.push_str(&key.to_string());
        }
    }
    out
}

/// Parses `module.a.module.b["k"]` (the empty string is the root module).
pub fn parse_module_path(text: &str) -> Result<ModulePath, AddrParseError> {
    let mut rest = text;
    let mut path = Vec::new();
    while !rest.is_empty() {
        let (step, after) =
            split_module_step(rest).ok_or_else(|| AddrParseError(text.to_owned()))?;
        path.push(step);
        rest = after.strip_prefix('.').unwrap_or(after);
        if after.is_empty() {
            break;
        }
        if !after.starts_with('.') {
            return Err(AddrParseError(text.to_owned()));
        }
    }
    Ok(path)
}

/// Splits a leading `module.NAME` or `module.NAME[KEY]` off `text`.
fn split_module_step(text: &str) -> Option<(ModuleStep, &str)> {
    let rest = text.strip_prefix("module.")?;
    let end = rest.find(['.', '[']).unwrap_or(rest.len());
    let name = &rest[..end];
    if !is_identifier(name) {
        return None;
    }
    let mut after = &rest[end..];
    let mut key = None;
    if let Some(bracketed) = after.strip_prefix('[') {
        let close = bracketed.find(']')?;
        key = Some(parse_key(&bracketed[..close])?);
        after = &bracketed[close + 1..];
    }
    Some((
        ModuleStep {
            name: name.to_owned(),
            key,
        },
        after,
    ))
}

/// A map looked up by address and never iterated where order shows: hashing an address
/// is cheaper than the dozen comparisons of its strings a sorted map needs.
pub type AddrMap<V> = crate::FastMap<ResourceAddr, V>;

/// The address of one resource instance, e.g. `azurerm_subnet.gateway`,
/// `azurerm_subnet.spoke["web"]` or `module.hub.azurerm_virtual_network.this`.
///
/// Ordering is by module path, mode, type, name, then instance key: the tie-break used
/// everywhere for determinism.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceAddr {
    pub module: ModulePath,
    pub mode: Mode,
    pub resource_type: Name,
    pub name: Name,
    pub key: Option<InstanceKey>,
}

impl ResourceAddr {
    pub fn managed(resource_type: impl Into<Name>, name: impl Into<Name>) -> Self {
        ResourceAddr {
            module: Vec::new(),
            mode: Mode::Managed,
            resource_type: resource_type.into(),
            name: name.into(),
            key: None,
        }
    }

    /// The same resource with an instance key.
    pub fn instance(&self, key: Option<InstanceKey>) -> Self {
        ResourceAddr {
            key,
            ..self.clone()
        }
    }

    /// The resource block this instance belongs to (the address without its key).
    pub fn config(&self) -> Self {
        self.instance(None)
    }

    /// The same address inside module instance `module`.
    pub fn in_module(&self, module: &[ModuleStep]) -> Self {
        ResourceAddr {
            module: module.to_vec(),
            ..self.clone()
        }
    }

    /// The address as its module writes it (without the module path).
    pub fn local(&self) -> Self {
        self.in_module(&[])
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_empty() {
            write!(f, "{}.", module_path_string(&self.module))?;
        }
        if self.mode == Mode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.resource_type, self.name)?;
        match &self.key {
            Some(key) => write!(f, "{key}"),
            None => Ok(()),
        }
    }
}

/// Why a string is not a resource address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid resource address \"{0}\": expected TYPE.NAME, TYPE.NAME[0] or TYPE.NAME[\"key\"], e.g. azurerm_subnet.gateway"
)]
pub struct AddrParseError(pub String);

impl FromStr for ResourceAddr {
    type Err = AddrParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || AddrParseError(s.to_owned());
        let mut module = Vec::new();
        let mut rest = s;
        while rest.starts_with("module.") {
            let (step, after) = split_module_step(rest).ok_or_else(err)?;
            module.push(step);
            rest = after.strip_prefix('.').ok_or_else(err)?;
        }
        let (mode, rest) = match rest.strip_prefix("data.") {
            Some(data) => (Mode::Data, data),
            None => (Mode::Managed, rest),
        };
        let (base, key) = match rest.split_once('[') {
            Some((base, key)) => (
                base,
                Some(parse_key(key.strip_suffix(']').ok_or_else(err)?).ok_or_else(err)?),
            ),
            None => (rest, None),
        };
        let mut parts = base.split('.');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(t), Some(n), None) if is_identifier(t) && is_identifier(n) => Ok(ResourceAddr {
                module,
                mode,
                resource_type: t.into(),
                name: n.into(),
                key,
            }),
            _ => Err(err()),
        }
    }
}

fn parse_key(text: &str) -> Option<InstanceKey> {
    if let Ok(i) = text.parse::<usize>() {
        return Some(InstanceKey::Index(i));
    }
    match serde_json::from_str::<serde_json::Value>(text).ok()? {
        serde_json::Value::String(k) => Some(InstanceKey::Key(k)),
        _ => None,
    }
}

/// Terraform identifiers: a letter or underscore, then letters, digits, `_` and `-`.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Serialised as its string form (`azurerm_subnet.gw`), as Terraform writes addresses.
impl serde::Serialize for ResourceAddr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ResourceAddr {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_managed_and_data_addresses() {
        let a: ResourceAddr = "azurerm_subnet.gw".parse().unwrap();
        assert_eq!(a, ResourceAddr::managed("azurerm_subnet", "gw"));
        assert_eq!(a.to_string(), "azurerm_subnet.gw");
        let d: ResourceAddr = "data.azurerm_client_config.current".parse().unwrap();
        assert_eq!(d.mode, Mode::Data);
        assert_eq!(d.to_string(), "data.azurerm_client_config.current");
    }

    #[test]
    fn parses_and_prints_instance_keys() {
        let i: ResourceAddr = "azurerm_subnet.s[2]".parse().unwrap();
        assert_eq!(i.key, Some(InstanceKey::Index(2)));
        assert_eq!(i.to_string(), "azurerm_subnet.s[2]");
        let k: ResourceAddr = r#"azurerm_subnet.s["web"]"#.parse().unwrap();
        assert_eq!(k.key, Some(InstanceKey::Key("web".into())));
        assert_eq!(k.to_string(), r#"azurerm_subnet.s["web"]"#);
        assert_eq!(k.config(), ResourceAddr::managed("azurerm_subnet", "s"));
    }

    #[test]
    fn parses_and_prints_module_paths() {
        let text = r#"module.hub.module.spoke["west"].azurerm_subnet.s[1]"#;
        let a: ResourceAddr = text.parse().unwrap();
        assert_eq!(a.module.len(), 2);
        assert_eq!(
            a.module[1],
            ModuleStep {
                name: "spoke".into(),
                key: Some(InstanceKey::Key("west".into()))
            }
        );
        assert_eq!(a.to_string(), text);
        assert_eq!(
            parse_module_path(r#"module.hub.module.spoke["west"]"#).unwrap(),
            a.module
        );
        assert_eq!(
            module_path_string(&a.module),
            r#"module.hub.module.spoke["west"]"#
        );
        assert!(parse_module_path("").unwrap().is_empty());
        assert!("module.x".parse::<ResourceAddr>().is_err());
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "azurerm_subnet",
            "a.b.c",
            "1x.y",
            "a..b",
            "a.b[",
            "a.b[x]",
            "a.b[-1]",
        ] {
            assert!(bad.parse::<ResourceAddr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn orders_by_type_then_name_then_key() {
        let mut v: Vec<ResourceAddr> = ["b.a", "a.z", "a.b[10]", "a.b[2]", "a.b"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        v.sort();
        let s: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(s, ["a.b", "a.b[2]", "a.b[10]", "a.z", "b.a"]);
    }
}
