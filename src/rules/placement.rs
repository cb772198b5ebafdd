//! Placement and naming rules (azure-domain §3.1, §3.3): what may sit in a GatewaySubnet, how
//! many gateways a VNet holds, where a gateway lives, and what Azure accepts as a name.

use std::collections::BTreeMap;

use miette::Severity;

use super::topology::Topology;
use super::{Finding, Rule};
use crate::addr::ResourceAddr;

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
    checks: "a gateway is in its VNet's region",
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
        let vnet = t.by_id(&vnet_id);
        if let (Some((vnet_addr, vnet)), Some(location)) = (vnet, gateway.get("location").as_str())
            && let Some(vnet_location) = vnet.get("location").as_str()
            && super::region(location) != super::region(vnet_location)
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

/// (resource type, shortest, longest) name lengths; all use letters, digits, `_`, `.`, `-`,
/// start with a letter or digit and end with a letter, digit or `_`.
const NAME_LENGTHS: [(&str, usize, usize); 7] = [
    ("azurerm_virtual_network", 2, 64),
    ("azurerm_subnet", 1, 80),
    ("azurerm_public_ip", 1, 80),
    ("azurerm_virtual_network_gateway", 1, 80),
    ("azurerm_local_network_gateway", 1, 80),
    ("azurerm_virtual_network_gateway_connection", 1, 80),
    ("azurerm_network_interface", 1, 80),
];

fn names(t: &Topology, findings: &mut Vec<Finding>) {
    for (resource_type, min, max) in NAME_LENGTHS {
        for (addr, object) in t.of_type(resource_type) {
            let Some(name) = object.get("name").as_str() else {
                continue;
            };
            if let Some(problem) = name_problem(name, min, max) {
                findings.push(t.finding(
                    &NAME_FORMAT,
                    addr,
                    "name",
                    format!("\"{name}\" {problem}"),
                    format!("use {min} to {max} letters, digits, '_', '.' or '-', starting with a letter or digit and ending with a letter, digit or '_'"),
                ));
            }
        }
    }
}

fn name_problem(name: &str, min: usize, max: usize) -> Option<String> {
    let length = name.chars().count();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if length < min || length > max {
        let plural = if length == 1 { "" } else { "s" };
        Some(format!("is {length} character{plural} long"))
    } else if let Some(c) = name.chars().find(|c| !allowed(*c)) {
        Some(format!("contains '{c}'"))
    } else if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        Some("does not start with a letter or digit".into())
    } else if !name.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        Some("does not end with a letter, digit or '_'".into())
    } else {
        None
    }
}

pub const UNKNOWN_REGION: Rule = Rule {
    id: "location-unknown",
    severity: Severity::Error,
    title: "Unknown Azure region",
    checks: "a location names an Azure region (compared as Azure does: `West Europe` is `westeurope`)",
};

/// Azure regions (public, US Government and China clouds), as `az account list-locations`
/// names them.
const REGIONS: &[&str] = &[
    "australiacentral",
    "australiacentral2",
    "australiaeast",
    "australiasoutheast",
    "austriaeast",
    "belgiumcentral",
    "brazilsouth",
    "brazilsoutheast",
    "canadacentral",
    "canadaeast",
    "centralindia",
    "centralus",
    "centraluseuap",
    "chilecentral",
    "eastasia",
    "eastus",
    "eastus2",
    "eastus2euap",
    "francecentral",
    "francesouth",
    "germanynorth",
    "germanywestcentral",
    "indonesiacentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "jioindiacentral",
    "jioindiawest",
    "koreacentral",
    "koreasouth",
    "malaysiawest",
    "mexicocentral",
    "newzealandnorth",
    "northcentralus",
    "northeurope",
    "norwayeast",
    "norwaywest",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southafricawest",
    "southcentralus",
    "southeastasia",
    "southindia",
    "spaincentral",
    "swedencentral",
    "swedensouth",
    "switzerlandnorth",
    "switzerlandwest",
    "uaecentral",
    "uaenorth",
    "uksouth",
    "ukwest",
    "westcentralus",
    "westeurope",
    "westindia",
    "westus",
    "westus2",
    "westus3",
    "usgovarizona",
    "usgovtexas",
    "usgovvirginia",
    "usdodcentral",
    "usdodeast",
    "chinaeast",
    "chinaeast2",
    "chinaeast3",
    "chinanorth",
    "chinanorth2",
    "chinanorth3",
];

/// Every modelled resource's `location` names a region.
fn regions(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, object) in t.modelled() {
        let Some(location) = object.get("location").as_str() else {
            continue;
        };
        let normalized = super::region(location);
        if REGIONS.contains(&normalized.as_str()) {
            continue;
        }
        let closest = REGIONS
            .iter()
            .min_by_key(|r| edit_distance(r, &normalized))
            .copied()
            .unwrap_or("westeurope");
        findings.push(t.finding(
            &UNKNOWN_REGION,
            addr,
            "location",
            format!("\"{location}\" is not an Azure region"),
            format!("did you mean \"{closest}\"? `az account list-locations -o table` lists them"),
        ));
    }
}

/// Levenshtein distance, for suggesting the region a typo meant.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}
