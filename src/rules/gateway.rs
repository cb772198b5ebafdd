//! Gateway rules (azure-domain §3.3-3.5): the subnet a gateway sits in, the routing type a
//! VNet-to-VNet link needs, and the public IP SKU a gateway SKU accepts.

use miette::Severity;

use super::topology::{Topology, prefixes};
use super::{Finding, Rule};

pub const SUBNET_NAME: Rule = Rule {
    id: "gateway-subnet-name",
    severity: Severity::Error,
    title: "Gateway not in GatewaySubnet",
    checks: "a virtual network gateway must sit in the subnet named GatewaySubnet",
};

pub const VNET2VNET_ROUTE_BASED: Rule = Rule {
    id: "vnet2vnet-route-based",
    severity: Severity::Error,
    title: "VNet-to-VNet needs RouteBased gateways",
    checks: "both gateways of a VNet-to-VNet connection must be RouteBased",
};

pub const PUBLIC_IP_SKU: Rule = Rule {
    id: "gateway-public-ip-sku",
    severity: Severity::Error,
    title: "Basic public IP on a VPN gateway",
    checks: "a VPN gateway other than Basic needs Standard public IPs",
};

pub const SUBNET_TOO_SMALL: Rule = Rule {
    id: "gateway-subnet-too-small",
    severity: Severity::Error,
    title: "GatewaySubnet too small for the gateway SKU",
    checks: "a gateway other than Basic needs a GatewaySubnet of /28 or larger (/27 recommended)",
};

pub const SUBNET_SMALL: Rule = Rule {
    id: "gateway-subnet-small",
    severity: Severity::Warning,
    title: "GatewaySubnet smaller than /27",
    checks: "a GatewaySubnet of /27 or larger leaves room for active-active and coexistence",
};

pub fn check(t: &Topology, findings: &mut Vec<Finding>) {
    placement_and_public_ips(t, findings);
    route_based_links(t, findings);
}

fn placement_and_public_ips(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, gateway) in t.of_type("azurerm_virtual_network_gateway") {
        let configs = gateway
            .get("ip_configuration")
            .as_list()
            .unwrap_or_default();
        for config in configs {
            let sku = gateway.get("sku").as_str().unwrap_or_default();
            if let Some(subnet_id) = config.get("subnet_id").as_str()
                && sku != "Basic"
                && let Some(prefix) = gateway_subnet_prefix(t, subnet_id)
                && prefix.prefix_len() > 27
            {
                let rule = if prefix.prefix_len() > 28 {
                    &SUBNET_TOO_SMALL
                } else {
                    &SUBNET_SMALL
                };
                findings.push(t.finding(
                    rule,
                    addr,
                    "ip_configuration.subnet_id",
                    format!(
                        "{addr} (SKU {sku}) is placed in a /{} GatewaySubnet ({prefix})",
                        prefix.prefix_len()
                    ),
                    "make the GatewaySubnet a /27 (or larger)".into(),
                ));
            }
            if let Some(subnet_id) = config.get("subnet_id").as_str()
                && let Some((_, name)) = subnet_id.rsplit_once("/subnets/")
                && !name.eq_ignore_ascii_case("GatewaySubnet")
            {
                findings.push(t.finding(
                    &SUBNET_NAME,
                    addr,
                    "ip_configuration.subnet_id",
                    format!("{addr} is placed in subnet \"{name}\", not GatewaySubnet"),
                    "add a subnet named GatewaySubnet (a /27 or larger) to the VNet and use its id"
                        .into(),
                ));
            }
            let pip = config
                .get("public_ip_address_id")
                .as_str()
                .and_then(|id| t.by_id(id));
            if let Some((pip_addr, pip)) = pip
                && sku != "Basic"
                && pip.get("sku").as_str() == Some("Basic")
            {
                findings.push(t.finding(
                    &PUBLIC_IP_SKU,
                    addr,
                    "ip_configuration.public_ip_address_id",
                    format!("{addr} (SKU {sku}) uses {pip_addr}, a Basic public IP"),
                    format!(
                        "set sku = \"Standard\" and allocation_method = \"Static\" on {pip_addr} (Azure: PublicIpWithBasicSkuNotAllowedOnVPNGateways)"
                    ),
                ));
            }
        }
    }
}

/// The first prefix of the GatewaySubnet `subnet_id` names: a subnet resource, or a subnet
/// declared inline in its VNet.
fn gateway_subnet_prefix(t: &Topology, subnet_id: &str) -> Option<ipnet::IpNet> {
    let (vnet_id, name) = subnet_id.rsplit_once("/subnets/")?;
    if !name.eq_ignore_ascii_case("GatewaySubnet") {
        return None;
    }
    let written = match t.by_id(subnet_id) {
        Some((_, subnet)) => subnet.get("address_prefixes").clone(),
        None => t
            .by_id(vnet_id)?
            .1
            .get("subnet")
            .as_list()?
            .iter()
            .find(|s| {
                s.get("name")
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })?
            .get("address_prefixes")
            .clone(),
    };
    prefixes(&written).into_iter().next()
}

fn route_based_links(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, connection) in t.of_type("azurerm_virtual_network_gateway_connection") {
        if connection.get("type").as_str() != Some("Vnet2Vnet") {
            continue;
        }
        for side in [
            "virtual_network_gateway_id",
            "peer_virtual_network_gateway_id",
        ] {
            let gateway = connection.get(side).as_str().and_then(|id| t.by_id(id));
            if let Some((gateway_addr, gateway)) = gateway
                && gateway.get("vpn_type").as_str() == Some("PolicyBased")
            {
                findings.push(t.finding(
                    &VNET2VNET_ROUTE_BASED,
                    addr,
                    side,
                    format!("{addr} links {gateway_addr}, a PolicyBased gateway"),
                    format!(
                        "set vpn_type = \"RouteBased\" on {gateway_addr} (a gateway cannot be converted in place: it is rebuilt)"
                    ),
                ));
            }
        }
    }
}
