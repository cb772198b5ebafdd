//! IPsec and public IP rules (azure-domain §3.5, §3.8, §3.10): custom IPsec policies that Azure
//! accepts and both ends agree on, dead-peer detection bounds, and the public IPs an
//! active-active gateway pairs.

use miette::Severity;

use super::topology::Topology;
use super::{Finding, Rule};
use crate::eval::value::Value;
use crate::model::limits;

pub const POLICY_GCM: Rule = Rule {
    id: "ipsec-policy-gcm",
    severity: Severity::Error,
    title: "GCM encryption without the matching GCM integrity",
    checks: "a GCMAES IPsec encryption uses the same GCMAES algorithm for IPsec integrity",
};

pub const POLICY_LIFETIMES: Rule = Rule {
    id: "ipsec-policy-lifetimes",
    severity: Severity::Error,
    title: "IPsec SA lifetime below Azure's minimum",
    checks: "sa_lifetime is at least 300 seconds and sa_datasize at least 1024 KB",
};

pub const POLICY_ON_BASIC: Rule = Rule {
    id: "ipsec-policy-basic-sku",
    severity: Severity::Error,
    title: "Custom IPsec policy on a Basic gateway",
    checks: "custom IPsec/IKE policies need a gateway SKU other than Basic",
};

pub const POLICY_MISMATCH: Rule = Rule {
    id: "vnet2vnet-ipsec-policy-mismatch",
    severity: Severity::Error,
    title: "Different IPsec policies on the two directions of a link",
    checks: "both connections of a VNet-to-VNet link use the same custom IPsec policy",
};

pub const DPD_TIMEOUT: Rule = Rule {
    id: "dpd-timeout",
    severity: Severity::Error,
    title: "Dead peer detection timeout out of range",
    checks: "dpd_timeout_seconds is between 9 and 3600",
};

pub const ACTIVE_ACTIVE_PUBLIC_IPS: Rule = Rule {
    id: "active-active-public-ips",
    severity: Severity::Error,
    title: "Active-active public IPs differ",
    checks: "the public IPs of an active-active gateway share SKU, allocation method and zones",
};

pub fn check(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, c) in t.of_type("azurerm_virtual_network_gateway_connection") {
        if let Some(dpd) = c.get("dpd_timeout_seconds").as_number()
            && !limits::DPD_TIMEOUT_SECONDS.contains(&dpd)
        {
            findings.push(t.finding(
                &DPD_TIMEOUT,
                addr,
                "dpd_timeout_seconds",
                format!("dpd_timeout_seconds is {dpd}"),
                "use 9 to 3600 seconds (45, the default, is recommended)".into(),
            ));
        }
        let Some(policy) = c.get("ipsec_policy").as_list().and_then(|p| p.first()) else {
            continue;
        };
        let text = |key: &str| policy.get(key).as_str().unwrap_or_default();
        if limits::gcm_integrity_mismatch(text("ipsec_encryption"), text("ipsec_integrity")) {
            findings.push(t.finding(
                &POLICY_GCM,
                addr,
                "ipsec_policy.ipsec_integrity",
                format!(
                    "ipsec_encryption {} with ipsec_integrity {}",
                    text("ipsec_encryption"),
                    text("ipsec_integrity")
                ),
                format!("set ipsec_integrity = \"{}\"", text("ipsec_encryption")),
            ));
        }
        let too_short = limits::SA_MINIMUMS
            .into_iter()
            .find(|(key, min)| policy.get(key).as_number().is_some_and(|v| v < *min));
        if let Some((key, min)) = too_short {
            findings.push(t.finding(
                &POLICY_LIFETIMES,
                addr,
                &format!("ipsec_policy.{key}"),
                format!("{key} is below {min}"),
                "use at least 300 seconds and 1024 KB (the defaults are 27000 s and 102400000 KB)"
                    .into(),
            ));
        }
        let gateway = c
            .get("virtual_network_gateway_id")
            .as_str()
            .and_then(|id| t.by_id(id));
        if let Some((gateway_addr, gateway)) = gateway
            && gateway.get("sku").as_str() == Some("Basic")
        {
            findings.push(t.finding(
                &POLICY_ON_BASIC,
                addr,
                "ipsec_policy",
                format!("{addr} sets an IPsec policy on {gateway_addr}, a Basic gateway"),
                "remove the policy, or move to a VpnGw SKU".into(),
            ));
        }
        reverse_policy(t, addr, c, policy, findings);
    }
    active_active_public_ips(t, findings);
}

/// Reported on the connection that sorts first, when the reverse direction sets another policy
/// (or none).
fn reverse_policy(
    t: &Topology,
    addr: &crate::addr::ResourceAddr,
    c: &Value,
    policy: &Value,
    findings: &mut Vec<Finding>,
) {
    let Some((reverse_addr, reverse)) = t.reverse_connection(c) else {
        return;
    };
    let theirs = reverse
        .get("ipsec_policy")
        .as_list()
        .and_then(|p| p.first());
    let differs = theirs.is_none_or(|p| p != policy);
    if differs && (theirs.is_none() || addr < reverse_addr) {
        findings.push(t.finding(
            &POLICY_MISMATCH,
            addr,
            "ipsec_policy",
            format!("{addr} and {reverse_addr} set different IPsec policies"),
            "give both directions the same ipsec_policy block".into(),
        ));
    }
}

fn active_active_public_ips(t: &Topology, findings: &mut Vec<Finding>) {
    for (addr, gateway) in t.of_type("azurerm_virtual_network_gateway") {
        if gateway.get("active_active").as_bool() != Some(true) {
            continue;
        }
        let pips: Vec<&Value> = gateway
            .get("ip_configuration")
            .as_list()
            .unwrap_or_default()
            .iter()
            .filter_map(|c| t.by_id(c.get("public_ip_address_id").as_str()?))
            .map(|(_, pip)| pip)
            .collect();
        let shape = |pip: &Value| {
            (
                pip.get("sku").clone(),
                pip.get("allocation_method").clone(),
                pip.get("zones").clone(),
            )
        };
        if pips.windows(2).any(|w| shape(w[0]) != shape(w[1])) {
            findings.push(t.finding(
                &ACTIVE_ACTIVE_PUBLIC_IPS,
                addr,
                "active_active",
                format!("the public IPs of {addr} differ in SKU, allocation method or zones"),
                "give both the same sku, allocation_method and zones (Azure: ActiveActiveGatewayPublicIPAddressesDiffersInSkuOrZones)".into(),
            ));
        }
    }
}
