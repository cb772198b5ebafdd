//! Gateway rules (azure-domain §3.3-3.5): the subnet a gateway sits in, the routing type a
//! VNet-to-VNet link needs, and the public IP SKU a gateway SKU accepts.

use miette::Severity;

use super::topology::{Topology, prefixes};
use super::{Finding, Rule};
use crate::model::limits;

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
    check_sku(t, findings);
    new_gateway_skus(t, findings);
    standard_ips_static(t, findings);
    resizes(t, findings);
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
                && prefix.prefix_len() > limits::GATEWAY_SUBNET_RECOMMENDED_PREFIX
            {
                let rule = if prefix.prefix_len() > limits::gateway_subnet_longest_prefix(sku) {
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
                && t.is_new(addr)
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

pub const POLICY_BASED_SKU: Rule = Rule {
    id: "policy-based-sku",
    severity: Severity::Error,
    title: "PolicyBased gateway with a SKU other than Basic",
    checks: "a PolicyBased gateway must use the Basic SKU",
};

pub const SKU_GENERATION: Rule = Rule {
    id: "gateway-sku-generation",
    severity: Severity::Error,
    title: "Gateway SKU not available in this generation",
    checks: "VpnGw1 exists only in Generation1, VpnGw4 and VpnGw5 only in Generation2",
};

pub const BGP_SKU: Rule = Rule {
    id: "bgp-sku",
    severity: Severity::Error,
    title: "BGP on a gateway that cannot run it",
    checks: "BGP needs a RouteBased gateway of a SKU other than Basic",
};

pub const ACTIVE_ACTIVE_CONFIGURATIONS: Rule = Rule {
    id: "active-active-ip-configurations",
    severity: Severity::Error,
    title: "Active-active gateway without two IP configurations",
    checks: "an active-active gateway has exactly two ip_configuration blocks, and a SKU other than Basic",
};

pub const RETIRED_SKU: Rule = Rule {
    id: "gateway-sku-retired",
    severity: Severity::Error,
    title: "Retired gateway SKU",
    checks: "a new gateway does not use the retired Standard or HighPerformance SKUs",
};

pub const NON_AZ_SKU: Rule = Rule {
    id: "gateway-sku-non-az",
    severity: Severity::Warning,
    title: "Non-zone-redundant gateway SKU",
    checks: "a new gateway uses an AZ SKU: non-AZ VpnGw1-5 are no longer created and are being migrated",
};

pub const STANDARD_IP_STATIC: Rule = Rule {
    id: "public-ip-standard-static",
    severity: Severity::Error,
    title: "Standard public IP with dynamic allocation",
    checks: "a Standard public IP is allocated statically",
};

/// Azure refuses to create a Standard public IP with dynamic allocation.
fn standard_ips_static(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, pip) in t.of_type("azurerm_public_ip").filter(|(a, _)| t.is_new(a)) {
        if pip.get("sku").as_str() == Some("Standard")
            && pip.get("allocation_method").as_str() == Some("Dynamic")
        {
            findings.push(t.finding(
                &STANDARD_IP_STATIC,
                addr,
                "allocation_method",
                format!("{addr} is Standard with Dynamic allocation"),
                "set allocation_method = \"Static\" (Static IP allocation must be used when creating Standard SKU public IP addresses)".into(),
            ));
        }
    }
}

pub const RESIZE: Rule = Rule {
    id: "gateway-resize",
    severity: Severity::Error,
    title: "Gateway SKU change that cannot be made in place",
    checks: "a gateway's SKU changes only within its family (VpnGwN to VpnGwM, VpnGwNAZ to VpnGwMAZ), never to or from Basic",
};

/// An existing gateway whose SKU would move to another family: Azure cannot resize it, and
/// rebuilding a gateway takes 45 minutes, so the plan refuses rather than replace it quietly.
fn resizes(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, gateway) in t.of_type("azurerm_virtual_network_gateway") {
        let (Some(prior), Some(sku)) = (t.prior(addr), gateway.get("sku").as_str()) else {
            continue;
        };
        let Some(before) = prior.get("sku").as_str() else {
            continue;
        };
        if limits::sku_family(before) != limits::sku_family(sku) {
            findings.push(t.finding(
                &RESIZE,
                addr,
                "sku",
                format!("{addr} cannot change from {before} to {sku} in place"),
                format!(
                    "rebuilding it takes about 45 minutes of downtime: to do it deliberately, plan with -replace=\"{addr}\""
                ),
            ));
        }
    }
}

/// SKU rules that apply when a gateway is created (an existing one keeps its SKU).
fn new_gateway_skus(t: &Topology, findings: &mut Vec<Finding>) {
    let new_gateways = t
        .of_type("azurerm_virtual_network_gateway")
        .filter(|(addr, _)| t.is_new(addr));
    for (addr, gateway) in new_gateways {
        let sku = gateway.get("sku").as_str().unwrap_or_default();
        if limits::sku_retired(sku) {
            findings.push(t.finding(
                &RETIRED_SKU,
                addr,
                "sku",
                format!("{addr} uses the retired {sku} SKU"),
                "use a VpnGwNAZ SKU (VpnGw1AZ is the smallest)".into(),
            ));
        } else if sku.starts_with("VpnGw") && !sku.ends_with("AZ") {
            findings.push(t.finding(
                &NON_AZ_SKU,
                addr,
                "sku",
                format!("{addr} uses {sku}, which Azure no longer creates for new gateways"),
                format!("use {sku}AZ (with a Standard public IP)"),
            ));
        }
    }
}

/// SKU rules of one gateway on its own.
fn check_sku(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, gateway) in t.of_type("azurerm_virtual_network_gateway") {
        let sku = gateway.get("sku").as_str().unwrap_or_default();
        let policy_based = gateway.get("vpn_type").as_str() == Some("PolicyBased");
        if policy_based && sku != "Basic" {
            findings.push(t.finding(
                &POLICY_BASED_SKU,
                addr,
                "sku",
                format!("{addr} is PolicyBased with SKU {sku}"),
                "use vpn_type = \"RouteBased\" (every SKU supports it), or the Basic SKU".into(),
            ));
        }
        let generation = gateway.get("generation").as_str().unwrap_or_default();
        let wrong_generation = !limits::sku_in_generation(sku, generation);
        if wrong_generation {
            findings.push(t.finding(
                &SKU_GENERATION,
                addr,
                "generation",
                format!("{sku} cannot be created as {generation}"),
                "VpnGw1 is Generation1 only, VpnGw4 and VpnGw5 Generation2 only; VpnGw2 and VpnGw3 exist in both".into(),
            ));
        }
        let bgp = super::bgp_enabled(gateway);
        if bgp && !limits::bgp_supported(sku, policy_based) {
            findings.push(t.finding(
                &BGP_SKU,
                addr,
                "bgp_enabled",
                format!(
                    "{addr} enables BGP with SKU {sku}{}",
                    if policy_based { ", PolicyBased" } else { "" }
                ),
                "BGP needs a RouteBased gateway of SKU VpnGw1 or above".into(),
            ));
        }
        if gateway.get("active_active").as_bool() == Some(true) {
            let configs = gateway
                .get("ip_configuration")
                .as_list()
                .map_or(0, <[_]>::len);
            if configs != 2 || sku == "Basic" {
                findings.push(t.finding(
                    &ACTIVE_ACTIVE_CONFIGURATIONS,
                    addr,
                    "active_active",
                    format!("{addr} is active-active with {configs} ip_configuration block(s) and SKU {sku}"),
                    "give it two ip_configuration blocks, each with its own Standard public IP (Azure: ActiveActiveGatewayMustHaveExactlyTwoIpConfigurations)".into(),
                ));
            }
        }
    }
}
