//! Load balancer rules: everything a load balancer serves sits in one virtual network (its
//! internal frontends, its backend pools' `virtual_network_id`, and the network interfaces
//! associated with its pools).

use std::collections::BTreeMap;

use miette::Severity;

use super::topology::Topology;
use super::{Finding, Rule};
use crate::addr::ResourceAddr;

pub const SINGLE_VNET: Rule = Rule {
    id: "lb-backend-single-vnet",
    severity: Severity::Error,
    title: "Load balancer spans virtual networks",
    checks: "a load balancer's internal frontends and backend pool members are all in one virtual network",
};

/// One thing that ties a load balancer to a VNet: who says so, in which argument.
struct Member<'d> {
    addr: &'d ResourceAddr,
    attribute: &'static str,
    vnet_id: String,
}

pub fn check(t: &Topology, findings: &mut Vec<Finding>) {
    let mut by_balancer: BTreeMap<String, Vec<Member>> = BTreeMap::new();
    for (addr, lb) in t.of_type("azurerm_lb") {
        let Some(id) = lb.get("id").as_str() else {
            continue;
        };
        let frontends = lb.get("frontend_ip_configuration").as_list();
        for frontend in frontends.unwrap_or_default() {
            if let Some(vnet_id) = frontend.get("subnet_id").as_str().and_then(vnet_of) {
                by_balancer
                    .entry(id.to_lowercase())
                    .or_default()
                    .push(Member {
                        addr,
                        attribute: "frontend_ip_configuration.subnet_id",
                        vnet_id,
                    });
            }
        }
    }
    for (addr, pool) in t.of_type("azurerm_lb_backend_address_pool") {
        if let (Some(lb_id), Some(vnet_id)) = (
            pool.get("loadbalancer_id").as_str(),
            pool.get("virtual_network_id").as_str(),
        ) {
            by_balancer
                .entry(lb_id.to_lowercase())
                .or_default()
                .push(Member {
                    addr,
                    attribute: "virtual_network_id",
                    vnet_id: vnet_id.to_lowercase(),
                });
        }
    }
    for (addr, association) in
        t.of_type("azurerm_network_interface_backend_address_pool_association")
    {
        let pool_id = association.get("backend_address_pool_id").as_str();
        let Some((lb_id, _)) = pool_id.and_then(|p| p.rsplit_once("/backendAddressPools/")) else {
            continue;
        };
        if let Some(vnet_id) = association_vnet(t, association) {
            by_balancer
                .entry(lb_id.to_lowercase())
                .or_default()
                .push(Member {
                    addr,
                    attribute: "network_interface_id",
                    vnet_id,
                });
        }
    }
    for (lb_id, members) in by_balancer {
        report_strays(t, &lb_id, &members, findings);
    }
}

/// The members outside the VNet of the load balancer's first member.
fn report_strays(t: &Topology, lb_id: &str, members: &[Member], findings: &mut Vec<Finding>) {
    let Some(first) = members.first() else { return };
    let balancer = t
        .by_id(lb_id)
        .map_or_else(|| super::id_name(lb_id).to_owned(), |(a, _)| a.to_string());
    for stray in members.iter().filter(|m| m.vnet_id != first.vnet_id) {
        findings.push(t.finding(
            &SINGLE_VNET,
            stray.addr,
            stray.attribute,
            format!(
                "{} puts {balancer} in VNet {}, but {} puts it in VNet {}",
                stray.addr,
                super::id_name(&stray.vnet_id),
                first.addr,
                super::id_name(&first.vnet_id)
            ),
            "a load balancer serves one virtual network: use a load balancer per VNet (or peer the VNets and front them with an Application Gateway)".into(),
        ));
    }
}

/// The VNet of the NIC IP configuration an association names.
fn association_vnet(t: &Topology, association: &crate::eval::value::Value) -> Option<String> {
    let (_, nic) = t.by_id(association.get("network_interface_id").as_str()?)?;
    let name = association.get("ip_configuration_name").as_str()?;
    let config = nic
        .get("ip_configuration")
        .as_list()?
        .iter()
        .find(|c| c.get("name").as_str() == Some(name))?;
    vnet_of(config.get("subnet_id").as_str()?)
}

/// The lower-cased VNet id of a subnet id.
fn vnet_of(subnet_id: &str) -> Option<String> {
    subnet_id
        .rsplit_once("/subnets/")
        .map(|(vnet, _)| vnet.to_lowercase())
}
