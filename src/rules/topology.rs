//! The desired topology as the rules look at it: resources by ARM id and by type, VNets by
//! resource group and name, known CIDR prefixes, and the spans of arguments.

use std::collections::BTreeMap;

use ipnet::IpNet;

use super::reach::Reachability;
use super::{Existing, Finding, Rule};
use crate::addr::ResourceAddr;
use crate::config::{Config, Module};
use crate::eval::DesiredState;
use crate::eval::value::Value;
use crate::source::Span;

/// A planned object and its address.
type Object<'d> = (&'d ResourceAddr, &'d Value);

pub struct Topology<'d> {
    pub desired: &'d DesiredState,
    config: &'d Config,
    by_id: BTreeMap<String, Object<'d>>,
    vnets: BTreeMap<(String, String), Object<'d>>,
    /// VNet-to-VNet connections by (gateway id, peer gateway id), lower-cased.
    links: BTreeMap<(String, String), Object<'d>>,
    existing: &'d Existing<'d>,
    /// What the desired topology joins.
    pub reach: &'d Reachability,
}

impl<'d> Topology<'d> {
    pub fn new(
        desired: &'d DesiredState,
        config: &'d Config,
        existing: &'d Existing<'d>,
        reach: &'d Reachability,
    ) -> Topology<'d> {
        let mut by_id = BTreeMap::new();
        let mut vnets = BTreeMap::new();
        let mut links = BTreeMap::new();
        for (addr, r) in managed(desired) {
            let v = &*r.planned.value;
            if let Some(id) = v.get("id").as_str() {
                by_id.insert(id.to_lowercase(), (addr, v));
            }
            if addr.resource_type == "azurerm_virtual_network"
                && let (Some(rg), Some(name)) = (
                    v.get("resource_group_name").as_str(),
                    v.get("name").as_str(),
                )
            {
                vnets.insert((rg.to_lowercase(), name.to_lowercase()), (addr, v));
            }
            if let Some(ends) = link_ends(addr, v) {
                links.insert(ends, (addr, v));
            }
        }
        Topology {
            desired,
            config,
            by_id,
            vnets,
            links,
            existing,
            reach,
        }
    }

    /// The connection leading back from the peer gateway of VNet-to-VNet `connection`.
    pub fn reverse_connection(&self, connection: &Value) -> Option<Object<'d>> {
        let from = connection.get("virtual_network_gateway_id").as_str()?;
        let to = connection.get("peer_virtual_network_gateway_id").as_str()?;
        self.links
            .get(&(to.to_lowercase(), from.to_lowercase()))
            .copied()
    }

    /// Whether `addr` is still to be created (rules about creation skip the others).
    pub fn is_new(&self, addr: &ResourceAddr) -> bool {
        !self.existing.contains_key(addr)
    }

    /// The prior attributes of an object that stays.
    pub fn prior(&self, addr: &ResourceAddr) -> Option<&'d Value> {
        self.existing.get(addr).copied()
    }

    /// The planned objects of one resource type, by address.
    pub fn of_type(
        &self,
        resource_type: &'d str,
    ) -> impl Iterator<Item = (&'d ResourceAddr, &'d Value)> + 'd {
        managed(self.desired)
            .filter(move |(addr, _)| addr.resource_type == resource_type)
            .map(|(addr, r)| (addr, &*r.planned.value))
    }

    /// The planned objects of every type the tool models (opaque ones have no rules).
    pub fn modelled(&self) -> impl Iterator<Item = (&'d ResourceAddr, &'d Value)> + 'd {
        managed(self.desired)
            .filter(|(addr, _)| crate::model::schema(&addr.resource_type).is_some())
            .map(|(addr, r)| (addr, &*r.planned.value))
    }

    /// The resource with ARM id `id` (case-insensitively, as ARM compares ids).
    pub fn by_id(&self, id: &str) -> Option<Object<'d>> {
        self.by_id.get(&id.to_lowercase()).copied()
    }

    /// The VNet a subnet resource names by `virtual_network_name` and resource group.
    pub fn vnet_of_subnet(&self, subnet: &Value) -> Option<Object<'d>> {
        let rg = subnet.get("resource_group_name").as_str()?.to_lowercase();
        let name = subnet.get("virtual_network_name").as_str()?.to_lowercase();
        self.vnets.get(&(rg, name)).copied()
    }

    /// A finding about the argument at `attribute` (a dotted path into nested blocks) of
    /// `addr`; at the block header when the argument is not written, as for a default.
    pub fn finding(
        &self,
        rule: &'static Rule,
        addr: &ResourceAddr,
        attribute: &str,
        message: String,
        help: String,
    ) -> Finding {
        let span = self
            .attribute_span(addr, attribute)
            .unwrap_or(self.desired.resources[addr].span);
        let at = self.config.sources.locate(span);
        Finding {
            rule,
            message,
            help,
            src: at.src,
            span: at.span,
        }
    }

    /// The span of the argument at `path` (`ip_configuration.subnet_id` reads the first
    /// nested block), or of the nested block itself when the path ends at one.
    fn attribute_span(&self, addr: &ResourceAddr, path: &str) -> Option<Span> {
        let mut module: &Module = &self.config.root;
        for step in &addr.module {
            module = &module.calls.get(&step.name)?.module;
        }
        let local = ResourceAddr {
            module: Vec::new(),
            key: None,
            ..addr.clone()
        };
        module
            .resources
            .get(&local)?
            .argument_span(&self.config.sources, path)
    }
}

/// The (gateway id, peer gateway id) of a VNet-to-VNet connection, lower-cased.
fn link_ends(addr: &ResourceAddr, connection: &Value) -> Option<(String, String)> {
    if addr.resource_type != "azurerm_virtual_network_gateway_connection"
        || connection.get("type").as_str() != Some("Vnet2Vnet")
    {
        return None;
    }
    let end = |key: &str| connection.get(key).as_str().map(str::to_lowercase);
    Some((
        end("virtual_network_gateway_id")?,
        end("peer_virtual_network_gateway_id")?,
    ))
}

fn managed(
    desired: &DesiredState,
) -> impl Iterator<Item = (&ResourceAddr, &crate::eval::DesiredResource)> {
    desired
        .resources
        .iter()
        .filter(|(addr, _)| addr.mode == crate::addr::Mode::Managed)
}

/// The known prefixes of a list-of-CIDR argument (unknown or malformed ones are skipped:
/// other checks report malformed ones).
pub fn prefixes(value: &Value) -> Vec<IpNet> {
    value
        .as_list()
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str()?.parse().ok())
        .collect()
}
