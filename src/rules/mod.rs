//! Domain checks over the whole desired topology: rules Azure enforces, decided before
//! anything is created, so that a deployment that cannot succeed fails at plan time rather
//! than 45 minutes into an apply.
//!
//! Each rule is one small function with a stable id (listed in [`RULES`] and in
//! docs/rules.md). A rule only judges values that are known: what depends on values known
//! after apply is left to the backend, which enforces the same rules at its API. Findings
//! point at the argument responsible. This module reads the desired state and the
//! configuration's spans; it never evaluates, plans or talks to a backend. [`reach`] computes
//! which networks the topology joins.

mod address;
mod balancer;
mod bgp;
mod connection;
mod gateway;
mod ipsec;
mod peering;
pub mod picture;
mod placement;
pub mod reach;
mod topology;

use std::collections::BTreeMap;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, Severity, SourceCode, SourceSpan};

use crate::addr::ResourceAddr;
use crate::config::Config;
use crate::eval::DesiredState;
use crate::eval::value::Value;
use topology::Topology;

/// A rule: its stable id, how bad breaking it is, and what it checks.
#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// The diagnostic's summary.
    pub title: &'static str,
    /// What the rule checks, for docs/rules.md.
    pub checks: &'static str,
}

/// Every rule, in the order docs/rules.md lists them.
pub const RULES: &[&Rule] = &[
    &address::MALFORMED_PREFIX,
    &address::SUBNET_SIZE,
    &address::FORBIDDEN_RANGE,
    &address::SUBNET_OUTSIDE_VNET,
    &address::SUBNET_OVERLAP,
    &address::CONNECTED_OVERLAP,
    &address::TRANSIT_OVERLAP,
    &gateway::SUBNET_NAME,
    &gateway::SUBNET_TOO_SMALL,
    &gateway::SUBNET_SMALL,
    &gateway::VNET2VNET_ROUTE_BASED,
    &gateway::PUBLIC_IP_SKU,
    &gateway::STANDARD_IP_STATIC,
    &gateway::RETIRED_SKU,
    &gateway::NON_AZ_SKU,
    &gateway::RESIZE,
    &gateway::POLICY_BASED_SKU,
    &gateway::SKU_GENERATION,
    &gateway::BGP_SKU,
    &gateway::ACTIVE_ACTIVE_CONFIGURATIONS,
    &connection::SHARED_KEY_MISMATCH,
    &connection::MISSING_REVERSE,
    &connection::TUNNEL_LIMIT,
    &connection::PEER_FIELD,
    &connection::SHARED_KEY_LENGTH,
    &connection::SHARED_KEY_CHARACTERS,
    &connection::CONNECTION_REGION,
    &placement::GATEWAY_SUBNET_EXCLUSIVE,
    &placement::ONE_GATEWAY_PER_VNET,
    &placement::GATEWAY_REGION,
    &placement::NAME_FORMAT,
    &placement::UNKNOWN_REGION,
    &bgp::ASN_RESERVED,
    &bgp::ASN_DISTINCT,
    &bgp::APIPA_RANGE,
    &ipsec::POLICY_GCM,
    &ipsec::POLICY_LIFETIMES,
    &ipsec::POLICY_ON_BASIC,
    &ipsec::POLICY_MISMATCH,
    &ipsec::DPD_TIMEOUT,
    &ipsec::ACTIVE_ACTIVE_PUBLIC_IPS,
    &peering::OVERLAP,
    &peering::ONE_DIRECTION,
    &peering::REMOTE_GATEWAY,
    &balancer::SINGLE_VNET,
];

/// The prior attributes of the objects that stay (borrowed from the state).
pub type Existing<'a> = BTreeMap<&'a ResourceAddr, &'a Value>;

/// One broken rule, at the argument responsible.
#[derive(Debug, thiserror::Error)]
#[error("{}", rule.title)]
pub struct Finding {
    pub rule: &'static Rule,
    pub message: String,
    pub help: String,
    pub src: NamedSource<Arc<str>>,
    pub span: SourceSpan,
}

impl Diagnostic for Finding {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.rule.id))
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.rule.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = LabeledSpan::new_with_span(Some(self.message.clone()), self.span);
        Some(Box::new(std::iter::once(label)))
    }
}

/// The errors among the findings of a plan, reported together; a plan is refused while any
/// stands.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{} rule(s) broken by the configuration", findings.len())]
#[diagnostic(code(rules::broken))]
pub struct BrokenRules {
    #[related]
    pub findings: Vec<Finding>,
}

/// The rules of one area, adding what they find.
type Family = fn(&Topology, &mut Vec<Finding>);

/// Every family of rules, in the order their findings are listed before sorting.
const FAMILIES: [Family; 8] = [
    address::check,
    gateway::check,
    connection::check,
    placement::check,
    bgp::check,
    ipsec::check,
    peering::check,
    balancer::check,
];

/// Runs every rule over the desired topology; findings sorted by place, then rule. `existing`
/// holds the prior attributes of the objects that stay (in state and not being replaced):
/// rules about creating an object skip them, rules about changing one compare with them.
/// `end_state` is what the desired topology joins ([`reach::of_desired`]), computed once by
/// the caller, which shows it too.
pub fn check(
    desired: &DesiredState,
    config: &Config,
    existing: &Existing,
    end_state: &reach::Reachability,
) -> Vec<Finding> {
    let topology = Topology::new(desired, config, existing, end_state);
    let run = |families: &[Family]| {
        let mut findings = Vec::new();
        for check in families {
            check(&topology, &mut findings);
        }
        findings
    };
    // Two halves of about equal cost (address and gateway rules, the rest) on two cores.
    let (first, second) = FAMILIES.split_at(2);
    let mut findings = std::thread::scope(|scope| {
        let first = scope.spawn(|| run(first));
        let second = run(second);
        let mut findings = first.join().expect("rules do not panic");
        findings.extend(second);
        findings
    });
    findings.sort_by(|a, b| {
        (a.src.name(), a.span.offset(), a.rule.id).cmp(&(b.src.name(), b.span.offset(), b.rule.id))
    });
    findings
}

/// Whether a gateway or connection runs BGP (`bgp_enabled`, or azurerm 3.x's `enable_bgp`).
fn bgp_enabled(object: &Value) -> bool {
    ["bgp_enabled", "enable_bgp"]
        .iter()
        .any(|k| object.get(k).as_bool() == Some(true))
}

/// The id of the VNet a gateway sits in, from its first IP configuration's subnet.
fn gateway_vnet_id(gateway: &Value) -> Option<&str> {
    let config = gateway.get("ip_configuration").as_list()?.first()?;
    let (vnet_id, _) = config.get("subnet_id").as_str()?.rsplit_once("/subnets/")?;
    Some(vnet_id)
}

/// The name an ARM id ends with (`.../virtualNetworks/vnet1` → `vnet1`).
fn id_name(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// Whether a finding stops the plan.
pub fn is_error(finding: &Finding) -> bool {
    finding.rule.severity == Severity::Error
}
