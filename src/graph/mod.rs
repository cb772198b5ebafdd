//! The resource dependency graph.
//!
//! Owns building the DAG over every resource in configuration or state — reference edges
//! from evaluation, the domain's own edges (a resource after its resource group, a subnet
//! after its VNet, anything after the resources whose ids it names) and, for resources that
//! left the configuration, the dependencies recorded in state — plus cycle reporting, the
//! deterministic topological order (ties broken by address) and DOT output. Edges point from
//! a dependent to its dependency, as in Terraform's graphs. It computes no diffs.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::addr::{AddrMap, ResourceAddr};
use crate::eval::DesiredState;
use crate::eval::value::Value;
use crate::state::State;
use crate::{FastMap, FastSet};

/// A dependency cycle.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("Cycle: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
#[diagnostic(
    code(graph::cycle),
    help(
        "these resources depend on each other; remove one of the references or depends_on entries"
    )
)]
pub struct CycleError(pub Vec<ResourceAddr>);

/// Dependencies between resources.
#[derive(Debug, Default)]
pub struct ResourceGraph {
    /// Nodes are added in address order, so a node's index orders it as its address does.
    graph: DiGraph<ResourceAddr, ()>,
    index: AddrMap<NodeIndex>,
    /// Every resource, dependencies first (computed once, when building proves no cycle).
    order: Vec<ResourceAddr>,
}

impl ResourceGraph {
    /// Builds the graph of the desired resources and of every resource in state.
    pub fn build(desired: &DesiredState, state: &State) -> Result<ResourceGraph, CycleError> {
        let mut g = ResourceGraph::default();
        for addr in crate::sorted_union(desired.resources.keys(), state.resources.keys()) {
            let node = g.graph.add_node(addr.clone());
            g.index.insert(addr.clone(), node);
        }
        // References name resource blocks; an edge goes to every instance of the block.
        let mut instances: AddrMap<Vec<NodeIndex>> = AddrMap::default();
        for node in g.graph.node_indices() {
            instances
                .entry(g.graph[node].config())
                .or_default()
                .push(node);
        }
        let instances_of = |block: &ResourceAddr| {
            instances
                .get(&block.config())
                .map_or(&[][..], Vec::as_slice)
        };
        for (addr, resource) in &desired.resources {
            let from = g.index[addr];
            for &dep in resource.deps.iter().flat_map(&instances_of) {
                g.edge(from, dep);
            }
        }
        for (addr, dep) in domain_edges(desired) {
            g.edge(g.index[addr], g.index[dep]);
        }
        for (addr, resource) in &state.resources {
            if !desired.resources.contains_key(addr) {
                let from = g.index[addr];
                for &dep in resource.dependencies.iter().flat_map(&instances_of) {
                    g.edge(from, dep);
                }
            }
        }
        g.order = g.topological_order()?;
        Ok(g)
    }

    fn edge(&mut self, from: NodeIndex, to: NodeIndex) {
        if from != to {
            self.graph.update_edge(from, to, ());
        }
    }

    /// Every resource, dependencies before dependents, ties broken by address.
    pub fn order(&self) -> &[ResourceAddr] {
        &self.order
    }

    fn topological_order(&self) -> Result<Vec<ResourceAddr>, CycleError> {
        let mut remaining: Vec<usize> = self
            .graph
            .node_indices()
            .map(|n| {
                self.graph
                    .neighbors_directed(n, Direction::Outgoing)
                    .count()
            })
            .collect();
        // Node order is address order: the smallest ready index is the smallest address.
        let mut ready: BTreeSet<NodeIndex> = self
            .graph
            .node_indices()
            .filter(|n| remaining[n.index()] == 0)
            .collect();
        let mut out = Vec::with_capacity(remaining.len());
        while let Some(n) = ready.pop_first() {
            out.push(self.graph[n].clone());
            for dependent in self.graph.neighbors_directed(n, Direction::Incoming) {
                let count = &mut remaining[dependent.index()];
                *count -= 1;
                if *count == 0 {
                    ready.insert(dependent);
                }
            }
        }
        if out.len() == self.graph.node_count() {
            Ok(out)
        } else {
            let stuck = self
                .graph
                .node_indices()
                .filter(|n| remaining[n.index()] > 0)
                .map(|n| self.graph[n].clone())
                .collect();
            Err(CycleError(stuck))
        }
    }

    /// The direct dependencies of `addr`, sorted.
    pub fn dependencies(&self, addr: &ResourceAddr) -> Vec<ResourceAddr> {
        self.neighbors(addr, Direction::Outgoing)
    }

    /// The direct dependents of `addr`, sorted.
    pub fn dependents(&self, addr: &ResourceAddr) -> Vec<ResourceAddr> {
        self.neighbors(addr, Direction::Incoming)
    }

    fn neighbors(&self, addr: &ResourceAddr, dir: Direction) -> Vec<ResourceAddr> {
        let Some(node) = self.index.get(addr) else {
            return Vec::new();
        };
        // Sorted by index is sorted by address.
        let mut nodes: Vec<NodeIndex> = self.graph.neighbors_directed(*node, dir).collect();
        nodes.sort_unstable();
        nodes.into_iter().map(|n| self.graph[n].clone()).collect()
    }

    /// Where `addr` sorts among every resource of the graph.
    pub fn rank(&self, addr: &ResourceAddr) -> Option<usize> {
        self.index.get(addr).map(|n| n.index())
    }

    /// The resource blocks `addr` depends on, directly or not, as state records them in
    /// `dependencies` (block addresses, without instance keys, as Terraform writes them).
    pub fn transitive_dependencies(&self, addr: &ResourceAddr) -> Vec<ResourceAddr> {
        let Some(start) = self.index.get(addr) else {
            return Vec::new();
        };
        // Each node once: references fan out to every instance of a block, so the same
        // nodes are met again and again.
        let mut seen: FastSet<NodeIndex> = FastSet::default();
        let mut stack = vec![*start];
        let mut blocks = Vec::new();
        while let Some(node) = stack.pop() {
            for dep in self.graph.neighbors_directed(node, Direction::Outgoing) {
                if seen.insert(dep) {
                    blocks.push(self.graph[dep].config());
                    stack.push(dep);
                }
            }
        }
        blocks.sort_unstable();
        blocks.dedup();
        // Kept in every planned change: without the room left by duplicates.
        blocks.shrink_to_fit();
        blocks
    }

    /// DOT text in Terraform's resource-summary style.
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "digraph G {\n  rankdir = \"RL\";\n  node [shape = rect, fontname = \"sans-serif\"];\n",
        );
        // Instance keys (`["web"]`) hold quotes, which DOT strings must escape.
        let quoted = |addr: &ResourceAddr| addr.to_string().replace('"', "\\\"");
        for addr in self.graph.node_weights() {
            let id = quoted(addr);
            out.push_str(&format!("  \"{id}\" [label=\"{id}\"];\n"));
        }
        for addr in self.graph.node_weights() {
            for dep in self.dependencies(addr) {
                out.push_str(&format!(
                    "  \"{}\" -> \"{}\";\n",
                    quoted(addr),
                    quoted(&dep)
                ));
            }
        }
        out.push_str("}\n");
        out
    }
}

/// Edges the domain implies even when configuration names things by literal strings rather
/// than references: resource group before its contents, VNet before its subnets, and any
/// resource after the resources whose ARM ids appear in its arguments.
fn domain_edges(desired: &DesiredState) -> Vec<(&ResourceAddr, &ResourceAddr)> {
    let mut by_id: FastMap<String, &ResourceAddr> = FastMap::default();
    let mut groups: FastMap<String, &ResourceAddr> = FastMap::default();
    let mut vnets: FastMap<(String, String), &ResourceAddr> = FastMap::default();
    // Only managed resources create objects: a data source reading the same object must
    // never stand in for the resource that creates it.
    let managed = desired
        .resources
        .iter()
        .filter(|(addr, _)| addr.mode == crate::addr::Mode::Managed);
    for (addr, r) in managed {
        let v = &r.planned.value;
        if let Some(id) = v.get("id").as_str() {
            by_id.insert(id.to_lowercase(), addr);
        }
        let name = v.get("name").as_str().map(str::to_lowercase);
        match (addr.resource_type.as_str(), name) {
            ("azurerm_resource_group", Some(name)) => {
                groups.insert(name, addr);
            }
            ("azurerm_virtual_network", Some(name)) => {
                if let Some(rg) = v.get("resource_group_name").as_str() {
                    vnets.insert((rg.to_lowercase(), name), addr);
                }
            }
            _ => {}
        }
    }
    // ARM ids start with a slash; a string that does not cannot name one (unless some
    // resource has an id of another form).
    let ids_rooted = by_id.keys().all(|id| id.starts_with('/'));
    let mut edges = gateway_transit_edges(desired);
    for (addr, r) in &desired.resources {
        let v = &r.planned.value;
        let rg = v.get("resource_group_name").as_str().map(str::to_lowercase);
        if let Some(group) = rg.as_ref().and_then(|rg| groups.get(rg)) {
            edges.push((addr, *group));
        }
        if let (Some(rg), Some(vnet)) = (rg, v.get("virtual_network_name").as_str())
            && let Some(vnet) = vnets.get(&(rg, vnet.to_lowercase()))
        {
            edges.push((addr, *vnet));
        }
        let Some(schema) = crate::model::schema(&addr.resource_type) else {
            continue;
        };
        let could_be_id = |s: &str| !ids_rooted || s.starts_with('/');
        for s in crate::model::argument_strings(schema, v, &could_be_id) {
            let s = s.to_lowercase();
            if let Some(target) = by_id
                .get(&s)
                .or_else(|| parent_id(&s).and_then(|p| by_id.get(p)))
                && *target != addr
            {
                edges.push((addr, *target));
            }
        }
    }
    edges
}

/// A peering that uses the remote VNet's gateway waits for that gateway and for the remote
/// side's peering that offers it: Azure refuses `use_remote_gateways` before both exist
/// (`RemoteVnetHasNoGateways`), and configurations rarely say so with `depends_on`.
fn gateway_transit_edges(desired: &DesiredState) -> Vec<(&ResourceAddr, &ResourceAddr)> {
    let lower = |v: &Value, key: &str| v.get(key).as_str().map(str::to_lowercase);
    let mut gateways: BTreeMap<String, Vec<&ResourceAddr>> = BTreeMap::new();
    let mut peerings: BTreeMap<(String, String), &ResourceAddr> = BTreeMap::new();
    for (addr, r) in &desired.resources {
        let v = &r.planned.value;
        match addr.resource_type.as_str() {
            "azurerm_virtual_network_gateway" => {
                let configs = v.get("ip_configuration").as_list().unwrap_or_default();
                if let Some(vnet) = configs
                    .first()
                    .and_then(|c| c.get("subnet_id").as_str())
                    .and_then(parent_id)
                {
                    gateways.entry(vnet.to_lowercase()).or_default().push(addr);
                }
            }
            "azurerm_virtual_network_peering" => {
                if let (Some(local), Some(remote)) = (
                    lower(v, "id").and_then(|id| {
                        id.rsplit_once("/virtualnetworkpeerings/")
                            .map(|(vnet, _)| vnet.to_owned())
                    }),
                    lower(v, "remote_virtual_network_id"),
                ) {
                    peerings.insert((local, remote), addr);
                }
            }
            _ => {}
        }
    }
    let uses_remote_gateways = |addr: &ResourceAddr| {
        let peering = &desired.resources[addr].planned.value;
        peering.get("use_remote_gateways").as_bool() == Some(true)
    };
    let mut edges = Vec::new();
    for ((local, remote), addr) in &peerings {
        if !uses_remote_gateways(addr) {
            continue;
        }
        // Both sides using remote gateways is an error the rules report; no cycle for it.
        let reverse = peerings
            .get(&(remote.clone(), local.clone()))
            .filter(|r| !uses_remote_gateways(r));
        let remote_gateways = gateways.get(remote).into_iter().flatten();
        for dep in reverse.into_iter().chain(remote_gateways) {
            edges.push((*addr, *dep));
        }
    }
    edges
}

/// `.../virtualNetworks/v/subnets/s` names the VNet too (for inline subnets).
fn parent_id(id: &str) -> Option<&str> {
    id.rsplit_once("/subnets/").map(|(vnet, _)| vnet)
}
