//! Azure's limits, reserved values and naming rules (azure-domain §3), each stated once and
//! shared by the plan-time rules and the simulated cloud, so that a plan and the API judge a
//! value alike. Pure functions over plain values: no configuration, state or backend here.

use std::net::Ipv4Addr;
use std::ops::RangeInclusive;

use ipnet::IpNet;

/// Ranges no VNet address space may touch (A1).
const FORBIDDEN_RANGES: [&str; 5] = [
    "224.0.0.0/4",
    "255.255.255.255/32",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "168.63.129.16/32",
];

/// Whether two prefixes share an address.
pub fn overlap(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// The reserved range `prefix` overlaps, if any.
pub fn forbidden_range(prefix: &IpNet) -> Option<IpNet> {
    FORBIDDEN_RANGES
        .iter()
        .filter_map(|f| f.parse::<IpNet>().ok())
        .find(|f| overlap(f, prefix))
}

/// IPv4 subnets are /8 to /29 (A3).
pub fn subnet_size_allowed(prefix: &IpNet) -> bool {
    match prefix {
        IpNet::V4(net) => (8..=29).contains(&net.prefix_len()),
        IpNet::V6(_) => true,
    }
}

/// The longest GatewaySubnet prefix a gateway of `sku` accepts (G1: /29 only for Basic).
pub fn gateway_subnet_longest_prefix(sku: &str) -> u8 {
    if sku == "Basic" { 29 } else { 28 }
}

/// The GatewaySubnet prefix length Azure recommends at most (/27).
pub const GATEWAY_SUBNET_RECOMMENDED_PREFIX: u8 = 27;

/// Site-to-site and VNet-to-VNet tunnels a gateway SKU carries (S2).
pub fn tunnel_limit(sku: &str) -> Option<usize> {
    match sku.trim_end_matches("AZ") {
        "Basic" | "Standard" => Some(10),
        "VpnGw1" | "VpnGw2" | "VpnGw3" | "HighPerformance" => Some(30),
        "VpnGw4" | "VpnGw5" => Some(100),
        _ => None,
    }
}

/// The resize family of a SKU (S3): Basic, the non-AZ VpnGw SKUs, the AZ ones, or a legacy
/// SKU on its own. A gateway changes SKU in place only within its family.
pub fn sku_family(sku: &str) -> &str {
    match sku {
        "Basic" => "Basic",
        s if s.starts_with("VpnGw") && s.ends_with("AZ") => "VpnGwAZ",
        s if s.starts_with("VpnGw") => "VpnGw",
        other => other,
    }
}

/// Legacy SKUs Azure no longer creates (S2).
pub fn sku_retired(sku: &str) -> bool {
    matches!(sku, "Standard" | "HighPerformance")
}

/// The generation a VPN gateway of `sku` gets when none is set.
pub fn default_generation(sku: &str) -> &'static str {
    match sku.trim_end_matches("AZ") {
        "VpnGw4" | "VpnGw5" => "Generation2",
        _ => "Generation1",
    }
}

/// Whether `sku` exists in `generation`: VpnGw1 is Generation1 only, VpnGw4 and VpnGw5
/// Generation2 only (S2).
pub fn sku_in_generation(sku: &str, generation: &str) -> bool {
    let family = sku.trim_end_matches("AZ");
    match generation {
        "Generation1" => !matches!(family, "VpnGw4" | "VpnGw5"),
        "Generation2" => family != "VpnGw1",
        _ => true,
    }
}

/// BGP needs a RouteBased gateway of a SKU other than Basic (B1).
pub fn bgp_supported(sku: &str, policy_based: bool) -> bool {
    sku != "Basic" && !policy_based
}

/// Every Azure VPN gateway's ASN when none is set.
pub const DEFAULT_GATEWAY_ASN: u64 = 65515;

/// Why `asn` cannot be used (B2); 65515 is every gateway's default, so allowed on a gateway.
pub fn asn_reserved(asn: u64, on_gateway: bool) -> Option<&'static str> {
    match asn {
        8074 | 8075 | 12076 => Some("reserved by Azure (public)"),
        65515 if on_gateway => None,
        65515 | 65517..=65520 => Some("reserved by Azure (private)"),
        23456 | 64496..=64511 | 65535..=65551 | 4_294_967_295 => Some("reserved by IANA"),
        _ => None,
    }
}

/// Whether `address` is in the APIPA range Azure VPN gateways accept (B4).
pub fn in_apipa_range(address: &str) -> bool {
    address
        .parse::<Ipv4Addr>()
        .is_ok_and(|ip| matches!(ip.octets(), [169, 254, 21 | 22, _]))
}

/// Dead peer detection timeouts Azure accepts, in seconds (C7).
pub const DPD_TIMEOUT_SECONDS: RangeInclusive<f64> = 9.0..=3600.0;

/// The smallest IPsec SA lifetime (seconds) and data size (KB) Azure accepts (I3).
pub const SA_MINIMUMS: [(&str, f64); 2] = [("sa_lifetime", 300.0), ("sa_datasize", 1024.0)];

/// GCMAES IPsec encryption needs the same GCMAES algorithm for integrity (I2).
pub fn gcm_integrity_mismatch(encryption: &str, integrity: &str) -> bool {
    encryption.starts_with("GCMAES") && integrity != encryption
}

/// Shared key lengths Azure accepts (K3).
pub const SHARED_KEY_LENGTH: RangeInclusive<usize> = 1..=128;

/// Characters of a shared key outside Azure's documented set: printable ASCII without space,
/// `-` and `~` (K2).
pub fn shared_key_odd_characters(key: &str) -> usize {
    key.chars()
        .filter(|c| !c.is_ascii_graphic() || matches!(c, '-' | '~'))
        .count()
}

/// (resource type, shortest, longest) name lengths (N1); all use letters, digits, `_`, `.`,
/// `-`, start with a letter or digit and end with a letter, digit or `_`.
pub const NAME_LENGTHS: [(&str, usize, usize); 10] = [
    ("azurerm_virtual_network", 2, 64),
    ("azurerm_subnet", 1, 80),
    ("azurerm_public_ip", 1, 80),
    ("azurerm_virtual_network_gateway", 1, 80),
    ("azurerm_local_network_gateway", 1, 80),
    ("azurerm_virtual_network_gateway_connection", 1, 80),
    ("azurerm_network_interface", 1, 80),
    ("azurerm_virtual_network_peering", 1, 80),
    ("azurerm_lb", 1, 80),
    ("azurerm_lb_backend_address_pool", 1, 80),
];

/// What is wrong with `name` for `resource_type`, if anything.
pub fn name_problem(resource_type: &str, name: &str) -> Option<String> {
    let (_, min, max) = NAME_LENGTHS.iter().find(|(t, _, _)| *t == resource_type)?;
    let length = name.chars().count();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if length < *min || length > *max {
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

/// How to write a valid name for `resource_type`.
pub fn name_advice(resource_type: &str) -> String {
    let (min, max) = NAME_LENGTHS
        .iter()
        .find(|(t, _, _)| *t == resource_type)
        .map_or((1, 80), |(_, min, max)| (*min, *max));
    format!(
        "use {min} to {max} letters, digits, '_', '.' or '-', starting with a letter or digit and ending with a letter, digit or '_'"
    )
}

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

/// Whether `location` names an Azure region (compared as Azure does: `West Europe` is
/// `westeurope`).
pub fn is_region(location: &str) -> bool {
    REGIONS.contains(&super::normalize_location(location).as_str())
}

/// The region a mistyped `location` most likely meant.
pub fn closest_region(location: &str) -> &'static str {
    let normalized = super::normalize_location(location);
    REGIONS
        .iter()
        .min_by_key(|r| crate::source::edit_distance(r, &normalized))
        .copied()
        .unwrap_or("westeurope")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_values_as_azure_does() {
        assert_eq!(
            forbidden_range(&"169.254.10.0/24".parse().unwrap()),
            Some("169.254.0.0/16".parse().unwrap())
        );
        assert!(!subnet_size_allowed(&"10.0.0.0/30".parse().unwrap()));
        assert_eq!(tunnel_limit("VpnGw4AZ"), Some(100));
        assert_eq!(sku_family("VpnGw2AZ"), "VpnGwAZ");
        assert!(!sku_in_generation("VpnGw1AZ", "Generation2"));
        assert_eq!(asn_reserved(65515, true), None);
        assert!(asn_reserved(65515, false).is_some());
        assert!(in_apipa_range("169.254.22.9") && !in_apipa_range("169.254.23.1"));
        assert_eq!(
            name_problem("azurerm_virtual_network", "v"),
            Some("is 1 character long".into())
        );
        assert!(is_region("West Europe") && !is_region("westeurop"));
        assert_eq!(closest_region("westeurop"), "westeurope");
    }
}
