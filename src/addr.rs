//! Resource addresses: the key shared by configuration, graph, plan and state.
//!
//! Owns parsing and printing of `TYPE.NAME` / `data.TYPE.NAME` addresses. Knows nothing of
//! evaluation, IO or any backend.

use std::fmt;
use std::str::FromStr;

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

/// The address of one resource, e.g. `azurerm_subnet.gateway`.
///
/// Ordering is by mode, then type, then name: the tie-break used everywhere for determinism.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceAddr {
    pub mode: Mode,
    pub resource_type: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn managed(resource_type: impl Into<String>, name: impl Into<String>) -> Self {
        ResourceAddr {
            mode: Mode::Managed,
            resource_type: resource_type.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mode == Mode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.resource_type, self.name)
    }
}

/// Why a string is not a resource address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid resource address \"{0}\": expected TYPE.NAME, e.g. azurerm_subnet.gateway")]
pub struct AddrParseError(pub String);

impl FromStr for ResourceAddr {
    type Err = AddrParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (mode, rest) = match s.strip_prefix("data.") {
            Some(rest) => (Mode::Data, rest),
            None => (Mode::Managed, s),
        };
        let mut parts = rest.split('.');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(t), Some(n), None) if is_identifier(t) && is_identifier(n) => Ok(ResourceAddr {
                mode,
                resource_type: t.to_owned(),
                name: n.to_owned(),
            }),
            _ => Err(AddrParseError(s.to_owned())),
        }
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
    fn rejects_malformed_addresses() {
        for bad in ["", "azurerm_subnet", "a.b.c", "1x.y", "a..b"] {
            assert!(bad.parse::<ResourceAddr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn orders_by_type_then_name() {
        let mut v: Vec<ResourceAddr> = ["b.a", "a.z", "a.b"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        v.sort();
        let s: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(s, ["a.b", "a.z", "b.a"]);
    }
}
