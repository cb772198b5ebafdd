//! VNet peering rules: peered address spaces apart, both directions declared, and gateway
//! transit only where the remote VNet offers its gateway and the local one has none.

use std::collections::{BTreeMap, BTreeSet};

use miette::Severity;

use super::topology::{Topology, prefixes};
use super::{Finding, Rule};
use crate::addr::ResourceAddr;
use crate::eval::value::Value;
use crate::model::limits::overlap;

pub const OVERLAP: Rule = Rule {
    id: "peering-address-overlap",
    severity: Severity::Error,
    title: "Peered VNets overlap",
    checks: "two peered VNets do not overlap",
};

pub const ONE_DIRECTION: Rule = Rule {
    id: "peering-one-direction",
    severity: Severity::Warning,
    title: "VNet peering in one direction only",
    checks: "a peering has its reverse peering",
};

pub const REMOTE_GATEWAY: Rule = Rule {
    id: "peering-remote-gateway",
    severity: Severity::Error,
    title: "use_remote_gateways without a gateway to use",
    checks: "use_remote_gateways needs a remote VNet with a gateway and allow_gateway_transit, and no gateway of its own",
};

/// A peering's two VNets (by id, lower-cased).
fn ends(peering: &Value, t: &Topology) -> Option<(String, String)> {
    let (local, _) = t.vnet_of_subnet(peering)?;
    let local_id = t.desired.resources[local]
        .planned
        .value
        .get("id")
        .as_str()?;
    let remote = peering.get("remote_virtual_network_id").as_str()?;
    Some((local_id.to_lowercase(), remote.to_lowercase()))
}

pub fn check(t: &Topology, findings: &mut Vec<Finding>) {
    let peerings: Vec<(&ResourceAddr, &Value, (String, String))> = t
        .of_type("azurerm_virtual_network_peering")
        .filter_map(|(addr, p)| Some((addr, p, ends(p, t)?)))
        .collect();
    let by_ends: BTreeMap<(&str, &str), &Value> = peerings
        .iter()
        .map(|(_, p, (local, remote))| ((local.as_str(), remote.as_str()), *p))
        .collect();
    let gateway_vnets: BTreeSet<String> = t
        .of_type("azurerm_virtual_network_gateway")
        .filter_map(|(_, g)| super::gateway_vnet_id(g).map(str::to_lowercase))
        .collect();
    for (addr, peering, (local, remote)) in &peerings {
        let reverse = by_ends.get(&(remote.as_str(), local.as_str()));
        if reverse.is_none() {
            findings.push(t.finding(
                &ONE_DIRECTION,
                addr,
                "remote_virtual_network_id",
                format!("no peering leads back from the remote VNet to {local}"),
                "add the peering in the other direction; traffic flows only when both exist".into(),
            ));
        }
        let spaces = |id: &str| t.by_id(id).map(|(_, v)| prefixes(v.get("address_space")));
        if let (Some(ours), Some(theirs)) = (spaces(local), spaces(remote))
            && let Some((a, b)) = ours
                .iter()
                .find_map(|a| theirs.iter().find(|b| overlap(a, b)).map(|b| (a, b)))
        {
            findings.push(t.finding(
                &OVERLAP,
                addr,
                "remote_virtual_network_id",
                format!("{addr} peers {a} with the overlapping {b}"),
                "peered VNets need distinct address spaces; renumber one".into(),
            ));
        }
        if peering.get("use_remote_gateways").as_bool() == Some(true) {
            let offered =
                reverse.is_some_and(|r| r.get("allow_gateway_transit").as_bool() == Some(true));
            let problem = if !gateway_vnets.contains(remote) {
                Some("the remote VNet has no gateway")
            } else if !offered {
                Some("the remote VNet's peering does not set allow_gateway_transit")
            } else if gateway_vnets.contains(local) {
                Some("this VNet has a gateway of its own")
            } else {
                None
            };
            if let Some(problem) = problem {
                findings.push(t.finding(
                    &REMOTE_GATEWAY,
                    addr,
                    "use_remote_gateways",
                    format!("{addr} sets use_remote_gateways, but {problem}"),
                    "set allow_gateway_transit = true on the hub's peering, give the hub a gateway, and keep the spoke without one".into(),
                ));
            }
        }
    }
}
