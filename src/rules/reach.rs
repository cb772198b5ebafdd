//! Reachability: which networks (VNets, and on-premises sites given by local network gateways)
//! can exchange traffic through the VPN topology.
//!
//! A VNet-to-VNet link (both of its connections present) or a site-to-site connection joins
//! two networks. Traffic crosses an intermediate network only where BGP runs on every hop
//! (both gateways and every connection of the hop), as Azure only transits learned routes.
//! A peering declared in both directions joins two VNets, and a spoke using its hub's
//! gateway reaches what the hub's connections join. NSGs and route tables are not modelled.
//! Works on any set of objects (the desired state, or the current state), and knows nothing
//! of where they come from.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::FastMap;
use crate::addr::ResourceAddr;
use crate::eval::value::Value;

/// One network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Network {
    pub address: ResourceAddr,
    pub name: String,
    pub prefixes: Vec<String>,
    pub region: String,
    pub subscription: String,
}

/// Two networks that reach each other, `from` < `to`, through the connections in `via` (a
/// shortest path, ties broken by address).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Reachable {
    pub from: ResourceAddr,
    pub to: ResourceAddr,
    pub via: Vec<ResourceAddr>,
}

/// What a topology joins, kept in a form that grows with networks and connections rather than
/// with pairs: the direct joins, and the groups of networks that reach each other through BGP
/// transit (every member reaches every other). [`Reachability::pairs`] spells the pairs out.
#[derive(Debug, Default)]
pub struct Reachability {
    pub networks: Vec<Network>,
    /// Networks joined directly, `from` < `to`: the connections of the shortest join.
    direct: BTreeMap<(ResourceAddr, ResourceAddr), Vec<ResourceAddr>>,
    /// BGP joins: each network's neighbours (in address order) and the connections to them.
    transit: BTreeMap<ResourceAddr, Vec<(ResourceAddr, Vec<ResourceAddr>)>>,
    /// The transit group of every network with a BGP join (an index into `groups`).
    group_of: BTreeMap<ResourceAddr, usize>,
    /// Groups of networks joined through BGP, members sorted.
    pub groups: Vec<Vec<ResourceAddr>>,
}

impl Reachability {
    /// Whether a connection or peering joins `a` and `b` directly.
    pub fn directly_joined(&self, a: &ResourceAddr, b: &ResourceAddr) -> bool {
        self.direct.contains_key(&ordered(a, b))
    }

    /// Whether `a` and `b` exchange traffic.
    pub fn reaches(&self, a: &ResourceAddr, b: &ResourceAddr) -> bool {
        self.directly_joined(a, b) || self.same_group(a, b)
    }

    fn same_group(&self, a: &ResourceAddr, b: &ResourceAddr) -> bool {
        matches!((self.group_of.get(a), self.group_of.get(b)), (Some(x), Some(y)) if x == y)
    }

    /// Every pair that reaches each other, with a shortest path; sorted. Quadratic in a
    /// group's size by nature: for `reach`, not for planning.
    pub fn pairs(&self) -> Vec<Reachable> {
        let mut pairs: BTreeMap<(ResourceAddr, ResourceAddr), Vec<ResourceAddr>> =
            self.direct.clone();
        for group in &self.groups {
            for start in group {
                for (end, path) in self.paths_from(start) {
                    if start < end {
                        pairs.entry((start.clone(), end.clone())).or_insert(path);
                    }
                }
            }
        }
        pairs
            .into_iter()
            .map(|((from, to), via)| Reachable { from, to, via })
            .collect()
    }

    /// Shortest paths over BGP joins from `start` (breadth-first, neighbours in address
    /// order): each network reached, with the connections crossed.
    fn paths_from<'r>(
        &'r self,
        start: &'r ResourceAddr,
    ) -> BTreeMap<&'r ResourceAddr, Vec<ResourceAddr>> {
        let mut parent: BTreeMap<&ResourceAddr, Option<(&ResourceAddr, &[ResourceAddr])>> =
            BTreeMap::from([(start, None)]);
        let mut order = vec![start];
        let mut next = 0;
        while let Some(node) = order.get(next).copied() {
            next += 1;
            for (neighbour, via) in self.transit.get(node).into_iter().flatten() {
                if !parent.contains_key(neighbour) {
                    parent.insert(neighbour, Some((node, via)));
                    order.push(neighbour);
                }
            }
        }
        let mut paths: BTreeMap<&ResourceAddr, Vec<ResourceAddr>> = BTreeMap::new();
        for node in order {
            let path = match parent[node] {
                None => Vec::new(),
                Some((from, via)) => paths[from].iter().chain(via).cloned().collect(),
            };
            paths.insert(node, path);
        }
        paths
    }

    /// A shortest path between two networks of one transit group.
    pub fn transit_path(&self, a: &ResourceAddr, b: &ResourceAddr) -> Option<Vec<ResourceAddr>> {
        self.paths_from(a).remove(b)
    }

    /// The pairs `self` joins that `other` does not, sorted. Costs what the answer holds, plus
    /// the networks and joins: never the pairs both join.
    fn pairs_beyond(&self, other: &Reachability) -> Vec<Pair> {
        let mut out: BTreeSet<Pair> = self
            .direct
            .keys()
            .filter(|(a, b)| !other.reaches(a, b))
            .map(|(a, b)| Pair {
                from: a.clone(),
                to: b.clone(),
            })
            .collect();
        for group in &self.groups {
            // Members by the group they had in `other`; only pairs across classes are new.
            // A member without a group in `other` is a class of its own (keyed by position).
            let mut classes: BTreeMap<Result<usize, usize>, Vec<&ResourceAddr>> = BTreeMap::new();
            for (i, member) in group.iter().enumerate() {
                let key = other.group_of.get(member).copied().ok_or(i);
                classes.entry(key).or_default().push(member);
            }
            let classes: Vec<&Vec<&ResourceAddr>> = classes.values().collect();
            for (i, first) in classes.iter().enumerate() {
                for second in &classes[i + 1..] {
                    for a in first.iter() {
                        for b in second.iter() {
                            if !other.direct.contains_key(&ordered(a, b)) {
                                let (from, to) = ordered(a, b);
                                out.insert(Pair { from, to });
                            }
                        }
                    }
                }
            }
        }
        out.into_iter().collect()
    }
}

fn ordered(a: &ResourceAddr, b: &ResourceAddr) -> (ResourceAddr, ResourceAddr) {
    if a < b {
        (a.clone(), b.clone())
    } else {
        (b.clone(), a.clone())
    }
}

/// A join between two networks: the connections it consists of, and whether BGP runs on it.
struct Join {
    a: ResourceAddr,
    b: ResourceAddr,
    via: Vec<ResourceAddr>,
    bgp: bool,
}

pub fn reachability<'a>(
    objects: impl IntoIterator<Item = (&'a ResourceAddr, &'a Value)>,
) -> Reachability {
    let objects: Vec<(&ResourceAddr, &Value)> = objects
        .into_iter()
        .filter(|(addr, _)| addr.mode == crate::addr::Mode::Managed)
        .collect();
    let by_id: ById<'_> = objects
        .iter()
        .filter_map(|(addr, v)| Some((v.get("id").as_str()?.to_lowercase(), (*addr, *v))))
        .collect();
    let networks: Vec<Network> = objects
        .iter()
        .filter(|(a, _)| {
            matches!(
                a.resource_type.as_str(),
                "azurerm_virtual_network" | "azurerm_local_network_gateway"
            )
        })
        .map(|(addr, v)| network(addr, v))
        .collect();
    let joins = joins(&objects, &by_id);
    let known: BTreeSet<&ResourceAddr> = networks.iter().map(|n| &n.address).collect();
    let mut direct: BTreeMap<(ResourceAddr, ResourceAddr), Vec<ResourceAddr>> = BTreeMap::new();
    let mut transit: BTreeMap<ResourceAddr, Vec<(ResourceAddr, Vec<ResourceAddr>)>> =
        BTreeMap::new();
    for join in joins.iter().filter(|j| j.a != j.b) {
        let key = ordered(&join.a, &join.b);
        if direct.get(&key).is_none_or(|via| join.via < *via) {
            direct.insert(key, join.via.clone());
        }
        if join.bgp && known.contains(&join.a) && known.contains(&join.b) {
            for (from, to) in [(&join.a, &join.b), (&join.b, &join.a)] {
                transit
                    .entry(from.clone())
                    .or_default()
                    .push((to.clone(), join.via.clone()));
            }
        }
    }
    for neighbours in transit.values_mut() {
        neighbours.sort();
    }
    let (group_of, groups) = transit_groups(&transit);
    Reachability {
        networks,
        direct,
        transit,
        group_of,
        groups,
    }
}

/// The connected groups of the BGP joins (union-find, near-linear).
fn transit_groups(
    transit: &BTreeMap<ResourceAddr, Vec<(ResourceAddr, Vec<ResourceAddr>)>>,
) -> (BTreeMap<ResourceAddr, usize>, Vec<Vec<ResourceAddr>>) {
    let index: BTreeMap<&ResourceAddr, usize> =
        transit.keys().enumerate().map(|(i, a)| (a, i)).collect();
    let mut parent: Vec<usize> = (0..index.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (a, neighbours) in transit {
        for (b, _) in neighbours {
            let (x, y) = (root(&mut parent, index[a]), root(&mut parent, index[b]));
            parent[x.max(y)] = x.min(y);
        }
    }
    let mut by_root: BTreeMap<usize, Vec<ResourceAddr>> = BTreeMap::new();
    for (addr, i) in &index {
        let r = root(&mut parent, *i);
        by_root.entry(r).or_default().push((*addr).clone());
    }
    let groups: Vec<Vec<ResourceAddr>> = by_root.into_values().collect();
    let group_of = groups
        .iter()
        .enumerate()
        .flat_map(|(g, members)| members.iter().map(move |m| (m.clone(), g)))
        .collect();
    (group_of, groups)
}

/// A VNet or on-premises site as reachability (and the network picture) describes it.
pub(super) fn network(addr: &ResourceAddr, v: &Value) -> Network {
    let id = v.get("id").as_str().unwrap_or_default();
    Network {
        address: addr.clone(),
        name: v.get("name").as_str().unwrap_or_default().to_owned(),
        prefixes: v
            .get("address_space")
            .as_list()
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect(),
        region: v.get("location").as_str().unwrap_or_default().to_owned(),
        subscription: id
            .strip_prefix("/subscriptions/")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default()
            .to_owned(),
    }
}

/// Objects by lower-cased id.
type ById<'v> = FastMap<String, (&'v ResourceAddr, &'v Value)>;

/// The VNet a gateway sits in, and whether it runs BGP.
fn gateway_network<'v>(by_id: &ById<'v>, gateway_id: &Value) -> Option<(ResourceAddr, bool)> {
    let (_, gateway) = by_id.get(&gateway_id.as_str()?.to_lowercase())?;
    let (vnet, _) = by_id.get(&super::gateway_vnet_id(gateway)?.to_lowercase())?;
    Some(((*vnet).clone(), super::bgp_enabled(gateway)))
}

fn joins(objects: &[(&ResourceAddr, &Value)], by_id: &ById<'_>) -> Vec<Join> {
    let connections: Vec<(&ResourceAddr, &Value)> = objects
        .iter()
        .filter(|(a, _)| a.resource_type == "azurerm_virtual_network_gateway_connection")
        .copied()
        .collect();
    let by_ends: FastMap<(&str, &str), (&ResourceAddr, &Value)> = connections
        .iter()
        .filter_map(|(a, c)| {
            let ends = (
                c.get("virtual_network_gateway_id").as_str()?,
                c.get("peer_virtual_network_gateway_id").as_str()?,
            );
            Some((ends, (*a, *c)))
        })
        .collect();
    let mut joins = Vec::new();
    for (addr, c) in &connections {
        let Some((ours, our_bgp)) = gateway_network(by_id, c.get("virtual_network_gateway_id"))
        else {
            continue;
        };
        match c.get("type").as_str() {
            Some("Vnet2Vnet") => {
                let from = c.get("virtual_network_gateway_id");
                let to = c.get("peer_virtual_network_gateway_id");
                // The link is joined once, from the direction that sorts first.
                let reverse = to
                    .as_str()
                    .zip(from.as_str())
                    .and_then(|ends| by_ends.get(&ends));
                let (Some((reverse_addr, reverse)), Some((theirs, their_bgp))) =
                    (reverse, gateway_network(by_id, to))
                else {
                    continue;
                };
                if addr < reverse_addr && !keys_differ(c, reverse) {
                    joins.push(Join {
                        a: ours,
                        b: theirs,
                        via: vec![(*addr).clone(), (*reverse_addr).clone()],
                        bgp: our_bgp
                            && their_bgp
                            && super::bgp_enabled(c)
                            && super::bgp_enabled(reverse),
                    });
                }
            }
            Some("IPsec") => {
                let site = c
                    .get("local_network_gateway_id")
                    .as_str()
                    .and_then(|id| by_id.get(&id.to_lowercase()));
                if let Some((site_addr, site)) = site {
                    let site_bgp = site
                        .get("bgp_settings")
                        .as_list()
                        .is_some_and(|l| !l.is_empty());
                    joins.push(Join {
                        a: ours,
                        b: (*site_addr).clone(),
                        via: vec![(*addr).clone()],
                        bgp: our_bgp && super::bgp_enabled(c) && site_bgp,
                    });
                }
            }
            _ => {}
        }
    }
    let peerings = peering_joins(objects, by_id, &joins);
    joins.extend(peerings);
    joins
}

/// Whether the two directions of a link hold different shared keys (IKE then fails); a
/// key not known yet is taken to match.
fn keys_differ(a: &Value, b: &Value) -> bool {
    match (
        a.get("shared_key").unmark().0,
        b.get("shared_key").unmark().0,
    ) {
        (Value::String(a), Value::String(b)) => a != b,
        _ => false,
    }
}

/// A peering's local and remote VNets.
fn peering_ends<'v>(by_id: &ById<'v>, peering: &Value) -> Option<(ResourceAddr, ResourceAddr)> {
    let remote = by_id.get(
        &peering
            .get("remote_virtual_network_id")
            .as_str()?
            .to_lowercase(),
    )?;
    let id = peering.get("id").as_str()?;
    let (local_id, _) = id.rsplit_once("/virtualNetworkPeerings/")?;
    let local = by_id.get(&local_id.to_lowercase())?;
    Some((local.0.clone(), remote.0.clone()))
}

/// Peerings declared in both directions join their VNets. A spoke that uses its hub's
/// gateway (`use_remote_gateways`, with `allow_gateway_transit` on the hub's side) also
/// reaches every network the hub's connections join.
fn peering_joins(
    objects: &[(&ResourceAddr, &Value)],
    by_id: &ById<'_>,
    connection_joins: &[Join],
) -> Vec<Join> {
    let peerings: Vec<(&ResourceAddr, &Value, (ResourceAddr, ResourceAddr))> = objects
        .iter()
        .filter(|(a, _)| a.resource_type == "azurerm_virtual_network_peering")
        .filter_map(|(a, p)| Some((*a, *p, peering_ends(by_id, p)?)))
        .collect();
    let by_ends: FastMap<(&ResourceAddr, &ResourceAddr), (&ResourceAddr, &Value)> = peerings
        .iter()
        .map(|(a, p, (local, remote))| ((local, remote), (*a, *p)))
        .collect();
    let mut joins = Vec::new();
    for (addr, peering, (local, remote)) in &peerings {
        let Some((reverse_addr, reverse)) = by_ends.get(&(remote, local)) else {
            continue;
        };
        let via = vec![(*addr).clone(), (*reverse_addr).clone()];
        if addr < reverse_addr {
            joins.push(Join {
                a: local.clone(),
                b: remote.clone(),
                via: via.clone(),
                bgp: false,
            });
        }
        let transit = peering.get("use_remote_gateways").as_bool() == Some(true)
            && reverse.get("allow_gateway_transit").as_bool() == Some(true);
        if !transit {
            continue;
        }
        for join in connection_joins {
            let other = if join.a == *remote {
                &join.b
            } else if join.b == *remote {
                &join.a
            } else {
                continue;
            };
            joins.push(Join {
                a: local.clone(),
                b: other.clone(),
                via: via.iter().chain(&join.via).cloned().collect(),
                bgp: false,
            });
        }
    }
    joins
}

/// What the desired end state joins.
pub fn of_desired(desired: &crate::eval::DesiredState) -> Reachability {
    reachability(
        desired
            .resources
            .iter()
            .map(|(a, r)| (a, &*r.planned.value)),
    )
}

/// The resource types reachability reads: networks, and what joins them.
const JOINING_TYPES: [&str; 5] = [
    "azurerm_virtual_network",
    "azurerm_local_network_gateway",
    "azurerm_virtual_network_gateway",
    "azurerm_virtual_network_gateway_connection",
    "azurerm_virtual_network_peering",
];

/// What the objects recorded in state join.
pub fn of_state(state: &crate::state::State) -> Reachability {
    reachability(
        state
            .resources
            .iter()
            .filter(|(addr, _)| JOINING_TYPES.contains(&addr.resource_type.as_str()))
            .map(|(addr, r)| (addr, &*r.attributes)),
    )
}

/// Two networks that reach each other, `from` < `to`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct Pair {
    pub from: ResourceAddr,
    pub to: ResourceAddr,
}

/// The pairs a plan connects and disconnects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct ReachabilityChange {
    pub gained: Vec<Pair>,
    pub lost: Vec<Pair>,
}

impl ReachabilityChange {
    pub fn is_empty(&self) -> bool {
        self.gained.is_empty() && self.lost.is_empty()
    }
}

/// What changes from `before` to `after`, sorted.
pub fn change(before: &Reachability, after: &Reachability) -> ReachabilityChange {
    ReachabilityChange {
        gained: after.pairs_beyond(before),
        lost: before.pairs_beyond(after),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(name: &str) -> ResourceAddr {
        format!("azurerm_virtual_network.{name}").parse().unwrap()
    }

    /// Networks joined directly by `direct` and through BGP by `bgp` (each join one connection).
    fn topology(direct: &[(&str, &str)], bgp: &[(&str, &str)]) -> Reachability {
        let mut transit: BTreeMap<ResourceAddr, Vec<(ResourceAddr, Vec<ResourceAddr>)>> =
            BTreeMap::new();
        let mut joined = BTreeMap::new();
        for (a, b) in direct.iter().chain(bgp) {
            let via = vec![
                format!("azurerm_virtual_network_gateway_connection.{a}_{b}")
                    .parse()
                    .unwrap(),
            ];
            joined.insert(ordered(&net(a), &net(b)), via);
        }
        for (a, b) in bgp {
            let via = joined[&ordered(&net(a), &net(b))].clone();
            transit
                .entry(net(a))
                .or_default()
                .push((net(b), via.clone()));
            transit.entry(net(b)).or_default().push((net(a), via));
        }
        let (group_of, groups) = transit_groups(&transit);
        Reachability {
            networks: Vec::new(),
            direct: joined,
            transit,
            group_of,
            groups,
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<Pair> {
        list.iter()
            .map(|(a, b)| Pair {
                from: net(a),
                to: net(b),
            })
            .collect()
    }

    #[test]
    fn changes_cost_what_changes_and_match_the_pairs() {
        let before = topology(&[("c", "d")], &[("a", "hub"), ("b", "hub")]);
        let after = topology(&[], &[("a", "hub"), ("b", "hub"), ("c", "hub")]);
        let diff = change(&before, &after);
        assert_eq!(diff.gained, pairs(&[("a", "c"), ("b", "c"), ("c", "hub")]));
        assert_eq!(diff.lost, pairs(&[("c", "d")]));
        assert_eq!(
            after.pairs().len(),
            6,
            "four networks in one group: every pair"
        );
        let via: Vec<String> = after.pairs()[0]
            .via
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            via,
            [
                "azurerm_virtual_network_gateway_connection.a_hub",
                "azurerm_virtual_network_gateway_connection.b_hub"
            ],
            "a <-> b crosses the hub"
        );
        assert!(change(&after, &after).is_empty());
    }
}
