//! Address-space rules (azure-domain §3.2): ranges Azure forbids, subnets inside their VNet
//! and apart from each other, and networks joined by a connection apart from each other.

use std::collections::BTreeMap;

use ipnet::IpNet;
use miette::Severity;

use super::topology::{Topology, prefixes};
use super::{Finding, Rule};
use crate::addr::ResourceAddr;
use crate::eval::value::Value;
use crate::model::limits;
use crate::model::limits::overlap;

pub const FORBIDDEN_RANGE: Rule = Rule {
    id: "address-forbidden-range",
    severity: Severity::Error,
    title: "Reserved address range in a VNet",
    checks: "a VNet address space may not use multicast, broadcast, loopback, link-local or Azure's 168.63.129.16",
};

pub const SUBNET_OUTSIDE_VNET: Rule = Rule {
    id: "subnet-outside-vnet",
    severity: Severity::Error,
    title: "Subnet outside its VNet",
    checks: "a subnet's prefixes must lie inside its VNet's address space",
};

pub const SUBNET_OVERLAP: Rule = Rule {
    id: "subnet-overlap",
    severity: Severity::Error,
    title: "Overlapping subnets",
    checks: "the subnets of a VNet must not overlap",
};

pub const CONNECTED_OVERLAP: Rule = Rule {
    id: "connected-address-overlap",
    severity: Severity::Error,
    title: "Connected networks overlap",
    checks: "networks joined by a connection must not overlap",
};

pub fn check(t: &Topology, findings: &mut Vec<Finding>) {
    check_prefixes(t, findings);
    forbidden_ranges(t, findings);
    subnets(t, findings);
    connected_networks(t, findings);
    transit_networks(t, findings);
}

fn forbidden_ranges(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, vnet) in t.of_type("azurerm_virtual_network") {
        for prefix in prefixes(vnet.get("address_space")) {
            if let Some(range) = limits::forbidden_range(&prefix) {
                findings.push(
                    t.finding(
                        &FORBIDDEN_RANGE,
                        addr,
                        "address_space",
                        format!(
                            "{addr}: address space {prefix} overlaps the reserved range {range}"
                        ),
                        "use a private range (RFC 1918: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)"
                            .into(),
                    ),
                );
            }
        }
    }
}

/// A subnet as the overlap check sees it: who declares it (a subnet resource, or a VNet
/// for an inline one) and its prefixes.
struct SubnetPrefixes<'d> {
    declared_by: &'d ResourceAddr,
    name: String,
    attribute: &'static str,
    prefixes: Vec<IpNet>,
}

fn subnets(t: &Topology, findings: &mut Vec<Finding>) {
    // Subnet resources grouped by their VNet once, rather than searched for each VNet.
    let mut separate: BTreeMap<&ResourceAddr, Vec<SubnetPrefixes>> = BTreeMap::new();
    for (addr, s) in t.of_type("azurerm_subnet") {
        if let Some((vnet_addr, _)) = t.vnet_of_subnet(s) {
            separate.entry(vnet_addr).or_default().push(SubnetPrefixes {
                declared_by: addr,
                name: s.get("name").as_str().unwrap_or_default().to_owned(),
                attribute: "address_prefixes",
                prefixes: prefixes(s.get("address_prefixes")),
            });
        }
    }
    for (vnet_addr, vnet) in t.of_type("azurerm_virtual_network") {
        let space = prefixes(vnet.get("address_space"));
        if space.is_empty() {
            continue;
        }
        let mut members: Vec<SubnetPrefixes> = inline_subnets(vnet_addr, vnet);
        members.extend(separate.remove(vnet_addr).unwrap_or_default());
        for (i, subnet) in members.iter().enumerate() {
            for prefix in &subnet.prefixes {
                if !space.iter().any(|s| s.contains(prefix)) {
                    findings.push(t.finding(
                        &SUBNET_OUTSIDE_VNET,
                        subnet.declared_by,
                        subnet.attribute,
                        format!(
                            "Subnet {} ({prefix}) is outside the address space of {vnet_addr}",
                            subnet.name
                        ),
                        format!(
                            "choose a prefix inside {}, or add a range to the VNet's address_space",
                            list(&space)
                        ),
                    ));
                }
            }
            for earlier in &members[..i] {
                let clash = subnet
                    .prefixes
                    .iter()
                    .find(|p| earlier.prefixes.iter().any(|q| overlap(p, q)));
                if let Some(prefix) = clash {
                    findings.push(t.finding(
                        &SUBNET_OVERLAP,
                        subnet.declared_by,
                        subnet.attribute,
                        format!(
                            "Subnet {} ({prefix}) overlaps subnet {} in {vnet_addr}",
                            subnet.name, earlier.name
                        ),
                        "give each subnet its own range (cidrsubnets() can split the address space)"
                            .into(),
                    ));
                }
            }
        }
    }
}

fn inline_subnets<'d>(vnet_addr: &'d ResourceAddr, vnet: &'d Value) -> Vec<SubnetPrefixes<'d>> {
    vnet.get("subnet")
        .as_list()
        .unwrap_or_default()
        .iter()
        .map(|s| SubnetPrefixes {
            declared_by: vnet_addr,
            name: s.get("name").as_str().unwrap_or_default().to_owned(),
            attribute: "subnet",
            prefixes: prefixes(s.get("address_prefixes")),
        })
        .collect()
}

/// Every connection's two sides: VNet-to-VNet joins two gateways' VNets, IPsec a gateway's
/// VNet and a local network gateway's on-premises ranges.
fn connected_networks(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, connection) in t.of_type("azurerm_virtual_network_gateway_connection") {
        let Some(ours) = gateway_network(t, connection.get("virtual_network_gateway_id")) else {
            continue;
        };
        let theirs = match connection.get("type").as_str() {
            Some("Vnet2Vnet") => {
                gateway_network(t, connection.get("peer_virtual_network_gateway_id"))
            }
            Some("IPsec") => connection
                .get("local_network_gateway_id")
                .as_str()
                .and_then(|id| t.by_id(id))
                .map(|(a, lng)| (a.to_string(), prefixes(lng.get("address_space")))),
            _ => None,
        };
        let Some(theirs) = theirs else { continue };
        let clash = ours
            .1
            .iter()
            .find_map(|a| theirs.1.iter().find(|b| overlap(a, b)).map(|b| (a, b)));
        if let Some((a, b)) = clash {
            findings.push(t.finding(
                &CONNECTED_OVERLAP,
                addr,
                "virtual_network_gateway_id",
                format!(
                    "{addr} joins {} ({a}) and {} ({b}), whose address spaces overlap",
                    ours.0, theirs.0
                ),
                "Azure refuses the connection (ConnectionOverlappingAddressSpaces); renumber one side"
                    .into(),
            ));
        }
    }
}

/// The VNet (its address, prefixes) of the gateway with id `gateway_id`.
fn gateway_network(t: &Topology, gateway_id: &Value) -> Option<(String, Vec<IpNet>)> {
    let (_, gateway) = t.by_id(gateway_id.as_str()?)?;
    let (vnet_addr, vnet) = t.by_id(super::gateway_vnet_id(gateway)?)?;
    Some((vnet_addr.to_string(), prefixes(vnet.get("address_space"))))
}

fn list(prefixes: &[IpNet]) -> String {
    prefixes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub const MALFORMED_PREFIX: Rule = Rule {
    id: "address-malformed",
    severity: Severity::Error,
    title: "Malformed address prefix",
    checks: "every address prefix is one CIDR block (`10.0.0.0/16`), one per list item",
};

pub const SUBNET_SIZE: Rule = Rule {
    id: "subnet-size",
    severity: Severity::Error,
    title: "Subnet size out of range",
    checks: "an IPv4 subnet is between /8 and /29",
};

/// Every prefix a user writes: VNet and local network gateway address spaces, subnet
/// prefixes (separate and inline).
fn written_prefixes<'d>(
    t: &Topology<'d>,
) -> Vec<(&'d ResourceAddr, &'static str, &'d Value, bool)> {
    let mut out = Vec::new();
    for (resource_type, attribute, subnet) in [
        ("azurerm_virtual_network", "address_space", false),
        ("azurerm_local_network_gateway", "address_space", false),
        ("azurerm_subnet", "address_prefixes", true),
    ] {
        for (addr, object) in t.of_type(resource_type) {
            for prefix in object.get(attribute).as_list().unwrap_or_default() {
                out.push((addr, attribute, prefix, subnet));
            }
        }
    }
    for (addr, vnet) in t.of_type("azurerm_virtual_network") {
        for subnet in vnet.get("subnet").as_list().unwrap_or_default() {
            for prefix in subnet.get("address_prefixes").as_list().unwrap_or_default() {
                out.push((addr, "subnet", prefix, true));
            }
        }
    }
    out
}

fn check_prefixes(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, attribute, prefix, subnet) in written_prefixes(t) {
        let Some(text) = prefix.as_str() else {
            continue;
        };
        match text.parse::<IpNet>() {
            Err(_) => findings.push(t.finding(
                &MALFORMED_PREFIX,
                addr,
                attribute,
                format!("\"{text}\" is not a CIDR prefix"),
                "write one prefix per list item, as ADDRESS/LENGTH (\"10.0.0.0/16\")".into(),
            )),
            Ok(net) if subnet && !limits::subnet_size_allowed(&net) => findings.push(t.finding(
                &SUBNET_SIZE,
                addr,
                attribute,
                format!("subnet prefix {net} is a /{}", net.prefix_len()),
                "Azure subnets are /29 (8 addresses, 3 usable) up to /8".into(),
            )),
            Ok(_) => {}
        }
    }
}

pub const TRANSIT_OVERLAP: Rule = Rule {
    id: "transit-address-overlap",
    severity: Severity::Error,
    title: "Networks joined through BGP transit overlap",
    checks: "networks that reach each other through BGP transit do not overlap",
};

/// Networks that reach each other through an intermediate network (BGP transit) must not
/// overlap either: the gateways would drop the overlapping routes. Direct joins are
/// `connected-address-overlap`'s.
fn transit_networks(t: &Topology, findings: &mut Vec<Finding>) {
    let reach = t.reach;
    let spaces: BTreeMap<&ResourceAddr, Vec<IpNet>> = reach
        .networks
        .iter()
        .map(|n| {
            let parsed = n.prefixes.iter().filter_map(|p| p.parse().ok()).collect();
            (&n.address, parsed)
        })
        .collect();
    for group in &reach.groups {
        let members = group
            .iter()
            .flat_map(|m| spaces.get(m).into_iter().flatten().map(move |p| (*p, m)));
        for ((x, a), (y, b)) in overlapping(members.collect()) {
            if reach.directly_joined(a, b) {
                continue; // connected-address-overlap's
            }
            let Some(first) = reach
                .transit_path(a, b)
                .and_then(|via| via.into_iter().next())
            else {
                continue;
            };
            findings.push(t.finding(
                &TRANSIT_OVERLAP,
                &first,
                "virtual_network_gateway_id",
                format!("{a} ({x}) and {b} ({y}) reach each other through BGP transit but overlap"),
                "renumber one of them; transit routes to overlapping prefixes are dropped".into(),
            ));
        }
    }
}

/// A prefix and the network it belongs to.
type Owned<'a> = (IpNet, &'a ResourceAddr);

/// The pairs of prefixes of different networks that overlap, earlier network first: one sweep
/// in address order, where the prefixes still open are a chain of nested ones.
fn overlapping(mut prefixes: Vec<Owned>) -> Vec<(Owned, Owned)> {
    prefixes.sort_by(|x, y| {
        (x.0.network(), x.0.prefix_len(), x.1).cmp(&(y.0.network(), y.0.prefix_len(), y.1))
    });
    let mut open: Vec<Owned> = Vec::new();
    let mut out = Vec::new();
    for (prefix, owner) in prefixes {
        open.retain(|(o, _)| o.contains(&prefix.network()));
        for (o, o_owner) in &open {
            if *o_owner != owner {
                let (first, second) = if *o_owner < owner {
                    ((*o, *o_owner), (prefix, owner))
                } else {
                    ((prefix, owner), (*o, *o_owner))
                };
                out.push((first, second));
            }
        }
        open.push((prefix, owner));
    }
    out.sort_by(|x, y| (x.0.1, x.1.1, x.0.0, x.1.0).cmp(&(y.0.1, y.1.1, y.0.0, y.1.0)));
    out.dedup_by(|x, y| (x.0.1, x.1.1) == (y.0.1, y.1.1));
    out
}
