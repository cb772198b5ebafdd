//! Connection rules (azure-domain §3.4, §3.8-3.9): a VNet-to-VNet link needs a connection in
//! each direction with one shared key, and a gateway carries a limited number of tunnels.

use std::collections::BTreeMap;

use miette::Severity;

use super::topology::Topology;
use super::{Finding, Rule};
use crate::addr::ResourceAddr;
use crate::eval::value::Value;
use crate::model::limits;

pub const SHARED_KEY_MISMATCH: Rule = Rule {
    id: "vnet2vnet-shared-key-mismatch",
    severity: Severity::Error,
    title: "Different shared keys on the two directions of a link",
    checks: "both connections of a VNet-to-VNet link use the same shared key",
};

pub const MISSING_REVERSE: Rule = Rule {
    id: "vnet2vnet-missing-reverse",
    severity: Severity::Warning,
    title: "VNet-to-VNet link in one direction only",
    checks: "a VNet-to-VNet connection has its reverse connection",
};

pub const TUNNEL_LIMIT: Rule = Rule {
    id: "gateway-tunnel-limit",
    severity: Severity::Error,
    title: "Too many tunnels on a gateway",
    checks: "a gateway carries no more tunnels than its SKU allows",
};

pub fn check(t: &Topology, findings: &mut Vec<Finding>) {
    directions(t, findings);
    tunnel_limits(t, findings);
    check_each(t, findings);
}

fn directions(t: &Topology, findings: &mut Vec<Finding>) {
    let links = t
        .of_type("azurerm_virtual_network_gateway_connection")
        .filter(|(_, c)| c.get("type").as_str() == Some("Vnet2Vnet"));
    for (addr, link) in links {
        match t.reverse_connection(link) {
            None => {
                let gateway = link
                    .get("virtual_network_gateway_id")
                    .as_str()
                    .unwrap_or_default();
                let origin = t
                    .by_id(gateway)
                    .map_or_else(|| gateway.to_lowercase(), |(a, _)| a.to_string());
                findings.push(t.finding(
                    &MISSING_REVERSE,
                    addr,
                    "name",
                    format!("no connection leads back from the peer gateway to {origin}"),
                    "add the connection in the other direction, with the same shared key; the tunnel does not come up without it".into(),
                ));
            }
            // Reported once, on the direction that sorts first; the keys themselves are never shown.
            Some((reverse_addr, reverse)) if addr < reverse_addr => {
                let ours = link.get("shared_key").unmark().0;
                let theirs = reverse.get("shared_key").unmark().0;
                if let (Value::String(a), Value::String(b)) = (ours, theirs)
                    && a != b
                {
                    findings.push(t.finding(
                        &SHARED_KEY_MISMATCH,
                        addr,
                        "shared_key",
                        format!("{addr} and {reverse_addr} use different shared keys"),
                        "give both directions the same shared_key (for example from one variable); IKE authentication fails otherwise".into(),
                    ));
                }
            }
            Some(_) => {}
        }
    }
}

/// Tunnels per gateway: a VNet-to-VNet link (either or both directions) is one tunnel on
/// each of its two gateways; a site-to-site connection one on its gateway.
fn tunnel_limits(t: &Topology, findings: &mut Vec<Finding>) {
    let mut peers: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for (addr, c) in t.of_type("azurerm_virtual_network_gateway_connection") {
        let Some(gateway) = c.get("virtual_network_gateway_id").as_str() else {
            continue;
        };
        let gateway = gateway.to_lowercase();
        match c.get("peer_virtual_network_gateway_id").as_str() {
            Some(peer) => {
                let peer = peer.to_lowercase();
                peers
                    .entry(peer.clone())
                    .or_default()
                    .insert(gateway.clone());
                peers.entry(gateway).or_default().insert(peer);
            }
            None => {
                peers.entry(gateway).or_default().insert(addr.to_string());
            }
        }
    }
    for (gateway_id, tunnels) in peers {
        let Some((addr, gateway)) = t.by_id(&gateway_id) else {
            continue;
        };
        let sku = gateway.get("sku").as_str().unwrap_or_default();
        let Some(limit) = limits::tunnel_limit(sku) else {
            continue;
        };
        if tunnels.len() > limit {
            findings.push(t.finding(
                &TUNNEL_LIMIT,
                addr,
                "sku",
                format!("{addr} would carry {} tunnels; {sku} allows {limit}", tunnels.len()),
                "choose a larger SKU (VpnGw4AZ and VpnGw5AZ allow 100), or spread the links over more gateways".into(),
            ));
        }
    }
}

pub const PEER_FIELD: Rule = Rule {
    id: "connection-peer-field",
    severity: Severity::Error,
    title: "Connection peer does not match its type",
    checks: "Vnet2Vnet names a peer gateway, IPsec a local network gateway, ExpressRoute a circuit, and none names another kind",
};

pub const SHARED_KEY_LENGTH: Rule = Rule {
    id: "shared-key-length",
    severity: Severity::Error,
    title: "Shared key length out of range",
    checks: "a shared key is 1 to 128 characters long",
};

pub const SHARED_KEY_CHARACTERS: Rule = Rule {
    id: "shared-key-characters",
    severity: Severity::Warning,
    title: "Shared key with characters Azure documents as unsupported",
    checks: "a shared key uses printable ASCII without spaces, hyphens or tildes",
};

pub const CONNECTION_REGION: Rule = Rule {
    id: "connection-region",
    severity: Severity::Error,
    title: "Connection in another region than its gateway",
    checks: "a connection is created in its gateway's region",
};

const PEER_FIELDS: [(&str, &str); 3] = [
    ("Vnet2Vnet", "peer_virtual_network_gateway_id"),
    ("IPsec", "local_network_gateway_id"),
    ("ExpressRoute", "express_route_circuit_id"),
];

/// Rules about one connection on its own.
fn check_each(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, c) in t.of_type("azurerm_virtual_network_gateway_connection") {
        let kind = c.get("type").as_str().unwrap_or_default();
        for (field_kind, field) in PEER_FIELDS {
            let set = !c.get(field).is_null();
            if field_kind == kind && !set {
                findings.push(t.finding(
                    &PEER_FIELD,
                    addr,
                    "type",
                    format!("a {kind} connection needs {field}"),
                    format!("set {field}"),
                ));
            } else if field_kind != kind && set && !c.get(field).is_unknown() {
                findings.push(t.finding(
                    &PEER_FIELD,
                    addr,
                    field,
                    format!("{field} belongs to {field_kind} connections, not {kind}"),
                    format!("remove {field}, or set type = \"{field_kind}\""),
                ));
            }
        }
        if let Value::String(key) = c.get("shared_key").unmark().0 {
            shared_key(t, addr, key, findings);
        }
        let gateway = c
            .get("virtual_network_gateway_id")
            .as_str()
            .and_then(|id| t.by_id(id));
        if let (Some((gateway_addr, gateway)), Some(location)) =
            (gateway, c.get("location").as_str())
            && let Some(gateway_location) = gateway.get("location").as_str()
            && crate::model::normalize_location(location)
                != crate::model::normalize_location(gateway_location)
        {
            findings.push(t.finding(
                &CONNECTION_REGION,
                addr,
                "location",
                format!("{addr} is in {location}, {gateway_addr} in {gateway_location}"),
                format!("set location = \"{gateway_location}\" (or azurerm_virtual_network_gateway's location)"),
            ));
        }
    }
}

/// Length and characters of a shared key; messages never quote the key.
fn shared_key(t: &Topology, addr: &ResourceAddr, key: &str, findings: &mut Vec<Finding>) {
    let length = key.chars().count();
    if !limits::SHARED_KEY_LENGTH.contains(&length) {
        findings.push(t.finding(
            &SHARED_KEY_LENGTH,
            addr,
            "shared_key",
            format!("the shared key of {addr} is {length} characters long"),
            "use 1 to 128 characters".into(),
        ));
    }
    let odd = limits::shared_key_odd_characters(key);
    if odd > 0 {
        findings.push(t.finding(
            &SHARED_KEY_CHARACTERS,
            addr,
            "shared_key",
            format!("the shared key of {addr} holds {odd} character(s) outside Azure's documented set"),
            "use printable ASCII without spaces, '-' or '~' (some devices and the Azure FAQ reject them)".into(),
        ));
    }
}
