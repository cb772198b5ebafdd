//! Placement and naming rules (azure-domain §3.1, §3.3): what may sit in a GatewaySubnet, how
//! many gateways a VNet holds, where a gateway lives, and what Azure accepts as a name.

use std::collections::BTreeMap;

use miette::Severity;

use super::topology::Topology;
use super::{Finding, Rule};
use crate::addr::ResourceAddr;
use crate::model::limits;

pub const GATEWAY_SUBNET_EXCLUSIVE: Rule = Rule {
    id: "gateway-subnet-exclusive",
    severity: Severity::Error,
    title: "Network interface in GatewaySubnet",
    checks: "nothing but the gateway is deployed in GatewaySubnet",
};

pub const ONE_GATEWAY_PER_VNET: Rule = Rule {
    id: "one-vpn-gateway-per-vnet",
    severity: Severity::Error,
    title: "More than one VPN gateway in a VNet",
    checks: "a VNet holds at most one VPN gateway",
};

pub const GATEWAY_REGION: Rule = Rule {
    id: "gateway-region",
    severity: Severity::Error,
    title: "Gateway in another region than its VNet",
    checks: "a gateway's IP configurations all use one VNet, in the gateway's region",
};

pub const NAME_FORMAT: Rule = Rule {
    id: "name-format",
    severity: Severity::Error,
    title: "Name Azure does not accept",
    checks: "names have the length and characters Azure allows for their resource type",
};

pub fn check(t: &Topology, findings: &mut Vec<Finding>) {
    gateway_subnet_exclusive(t, findings);
    gateways_per_vnet(t, findings);
    names(t, findings);
    regions(t, findings);
}

fn gateway_subnet_exclusive(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, nic) in t.of_type("azurerm_network_interface") {
        let configs = nic.get("ip_configuration").as_list().unwrap_or_default();
        let in_gateway_subnet = configs.iter().any(|c| {
            c.get("subnet_id")
                .as_str()
                .and_then(|id| id.rsplit_once("/subnets/"))
                .is_some_and(|(_, name)| name.eq_ignore_ascii_case("GatewaySubnet"))
        });
        if in_gateway_subnet {
            findings.push(t.finding(
                &GATEWAY_SUBNET_EXCLUSIVE,
                addr,
                "ip_configuration.subnet_id",
                format!("{addr} is placed in GatewaySubnet"),
                "put VMs and other NICs in a workload subnet; GatewaySubnet is the gateway's alone".into(),
            ));
        }
    }
}

/// One VPN gateway per VNet, in the VNet's region.
fn gateways_per_vnet(t: &Topology, findings: &mut Vec<Finding>) {
    let mut by_vnet: BTreeMap<String, Vec<&ResourceAddr>> = BTreeMap::new();
    for (addr, gateway) in t.of_type("azurerm_virtual_network_gateway") {
        let Some(vnet_id) = super::gateway_vnet_id(gateway).map(str::to_lowercase) else {
            continue;
        };
        if gateway.get("type").as_str() == Some("Vpn") {
            by_vnet.entry(vnet_id.clone()).or_default().push(addr);
        }
        let configs = gateway
            .get("ip_configuration")
            .as_list()
            .unwrap_or_default();
        let elsewhere = configs.iter().find_map(|c| {
            let (vnet, _) = c.get("subnet_id").as_str()?.rsplit_once("/subnets/")?;
            (!vnet.eq_ignore_ascii_case(&vnet_id)).then_some(vnet)
        });
        if let Some(other) = elsewhere {
            findings.push(t.finding(
                &GATEWAY_REGION,
                addr,
                "ip_configuration.subnet_id",
                format!(
                    "{addr} has IP configurations in two VNets ({} and {})",
                    super::id_name(&vnet_id),
                    super::id_name(other)
                ),
                "use the GatewaySubnet of one VNet in every ip_configuration".into(),
            ));
        }
        let vnet = t.by_id(&vnet_id);
        if let (Some((vnet_addr, vnet)), Some(location)) = (vnet, gateway.get("location").as_str())
            && let Some(vnet_location) = vnet.get("location").as_str()
            && crate::model::normalize_location(location)
                != crate::model::normalize_location(vnet_location)
        {
            findings.push(t.finding(
                &GATEWAY_REGION,
                addr,
                "location",
                format!("{addr} is in {location}, its VNet {vnet_addr} in {vnet_location}"),
                format!("create the gateway in {vnet_location}"),
            ));
        }
    }
    for gateways in by_vnet.values() {
        for extra in gateways.iter().skip(1) {
            findings.push(t.finding(
                &ONE_GATEWAY_PER_VNET,
                extra,
                "ip_configuration.subnet_id",
                format!(
                    "{extra} is a second VPN gateway in the VNet of {}",
                    gateways[0]
                ),
                "a VNet has one VPN gateway; connect further networks to that gateway".into(),
            ));
        }
    }
}

fn names(t: &Topology, findings: &mut Vec<Finding>) {
    for (resource_type, _, _) in limits::NAME_LENGTHS {
        for (addr, object) in t.of_type(resource_type) {
            let Some(name) = object.get("name").as_str() else {
                continue;
            };
            if let Some(problem) = limits::name_problem(resource_type, name) {
                findings.push(t.finding(
                    &NAME_FORMAT,
                    addr,
                    "name",
                    format!("\"{name}\" {problem}"),
                    limits::name_advice(resource_type),
                ));
            }
        }
    }
}

pub const UNKNOWN_REGION: Rule = Rule {
    id: "location-unknown",
    severity: Severity::Error,
    title: "Unknown Azure region",
    checks: "a location names an Azure region (compared as Azure does: `West Europe` is `westeurope`)",
};

/// Every modelled resource's `location` names a region.
fn regions(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, object) in t.modelled() {
        let Some(location) = object.get("location").as_str() else {
            continue;
        };
        if limits::is_region(location) {
            continue;
        }
        let closest = limits::closest_region(location);
        findings.push(t.finding(
            &UNKNOWN_REGION,
            addr,
            "location",
            format!("\"{location}\" is not an Azure region"),
            format!("did you mean \"{closest}\"? `az account list-locations -o table` lists them"),
        ));
    }
}
