//! BGP rules (azure-domain §3.7): usable ASNs, and distinct ASNs on the two ends of a BGP
//! VNet-to-VNet link.

use miette::Severity;

use super::topology::Topology;
use super::{Finding, Rule};
use crate::eval::value::Value;
use crate::model::limits;

pub const ASN_RESERVED: Rule = Rule {
    id: "bgp-asn-reserved",
    severity: Severity::Error,
    title: "Reserved BGP ASN",
    checks: "an ASN is not one Azure or IANA reserves",
};

pub const ASN_DISTINCT: Rule = Rule {
    id: "bgp-asn-distinct",
    severity: Severity::Error,
    title: "Same ASN on both ends of a BGP link",
    checks: "the two gateways of a BGP VNet-to-VNet link have different ASNs",
};

pub fn check(t: &Topology, findings: &mut Vec<Finding>) {
    reserved(t, findings);
    distinct(t, findings);
    check_apipa(t, findings);
}

fn reserved(t: &Topology, findings: &mut Vec<Finding>) {
    for (resource_type, on_gateway) in [
        ("azurerm_virtual_network_gateway", true),
        ("azurerm_local_network_gateway", false),
    ] {
        for (addr, object) in t.of_type(resource_type) {
            let Some(asn) = asn_of(object) else { continue };
            if let Some(why) = limits::asn_reserved(asn as u64, on_gateway) {
                findings.push(t.finding(
                    &ASN_RESERVED,
                    addr,
                    "bgp_settings.asn",
                    format!("ASN {asn} of {addr} is {why}"),
                    "use a private ASN in 64512-65514 or 65521-65534".into(),
                ));
            }
        }
    }
}

fn asn_of(object: &Value) -> Option<f64> {
    object
        .get("bgp_settings")
        .as_list()?
        .first()?
        .get("asn")
        .as_number()
}

fn distinct(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, c) in t.of_type("azurerm_virtual_network_gateway_connection") {
        let bgp = super::bgp_enabled(c);
        if !bgp || c.get("type").as_str() != Some("Vnet2Vnet") {
            continue;
        }
        let asn = |field: &str| {
            let (_, gateway) = t.by_id(c.get(field).as_str()?)?;
            Some(asn_of(gateway).unwrap_or(limits::DEFAULT_GATEWAY_ASN as f64))
        };
        if let (Some(ours), Some(theirs)) = (
            asn("virtual_network_gateway_id"),
            asn("peer_virtual_network_gateway_id"),
        ) && ours == theirs
        {
            findings.push(t.finding(
                &ASN_DISTINCT,
                addr,
                "bgp_enabled",
                format!("both gateways of {addr} use ASN {ours}"),
                "give one gateway its own bgp_settings { asn = ... } (65515 is every gateway's default)".into(),
            ));
        }
    }
}

pub const APIPA_RANGE: Rule = Rule {
    id: "bgp-apipa-range",
    severity: Severity::Error,
    title: "Custom BGP address outside Azure's APIPA range",
    checks: "custom APIPA BGP addresses are in 169.254.21.0-169.254.22.255 and differ between a gateway's instances",
};

fn check_apipa(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, gateway) in t.of_type("azurerm_virtual_network_gateway") {
        let peering = gateway
            .get("bgp_settings")
            .as_list()
            .and_then(|s| s.first())
            .map(|s| s.get("peering_addresses"));
        let mut seen = std::collections::BTreeSet::new();
        for instance in peering.and_then(Value::as_list).unwrap_or_default() {
            for address in instance
                .get("apipa_addresses")
                .as_list()
                .unwrap_or_default()
            {
                let Some(address) = address.as_str() else {
                    continue;
                };
                let problem = if !limits::in_apipa_range(address) {
                    Some("is outside 169.254.21.0-169.254.22.255")
                } else if !seen.insert(address) {
                    Some("is used by both instances of the gateway")
                } else {
                    None
                };
                if let Some(problem) = problem {
                    findings.push(t.finding(
                        &APIPA_RANGE,
                        addr,
                        "bgp_settings.peering_addresses.apipa_addresses",
                        format!("APIPA address {address} of {addr} {problem}"),
                        "use distinct addresses in 169.254.21.0-169.254.22.255".into(),
                    ));
                }
            }
        }
    }
    for (addr, c) in t.of_type("azurerm_virtual_network_gateway_connection") {
        let custom = c
            .get("custom_bgp_addresses")
            .as_list()
            .and_then(|l| l.first());
        for field in ["primary", "secondary"] {
            if let Some(address) = custom.and_then(|b| b.get(field).as_str())
                && !limits::in_apipa_range(address)
            {
                findings.push(t.finding(
                    &APIPA_RANGE,
                    addr,
                    &format!("custom_bgp_addresses.{field}"),
                    format!("custom BGP address {address} of {addr} is outside 169.254.21.0-169.254.22.255"),
                    "use an address the gateway lists in its apipa_addresses, in 169.254.21.0-169.254.22.255".into(),
                ));
            }
        }
    }
}
