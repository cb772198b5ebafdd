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

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::Serialize;

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
    /// How many joins the path crosses: 1 for a direct join, more through BGP transit.
    #[serde(skip)]
    pub hops: usize,
}

#[derive(Debug, Default, Serialize)]
pub struct Reachability {
    pub networks: Vec<Network>,
    pub reachable: Vec<Reachable>,
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
    let by_id: BTreeMap<String, (&ResourceAddr, &Value)> = objects
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
    Reachability {
        reachable: reachable_pairs(&networks, &joins),
        networks,
    }
}

fn network(addr: &ResourceAddr, v: &Value) -> Network {
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

/// The VNet a gateway sits in, and whether it runs BGP.
fn gateway_network<'v>(
    by_id: &BTreeMap<String, (&'v ResourceAddr, &'v Value)>,
    gateway_id: &Value,
) -> Option<(ResourceAddr, bool)> {
    let (_, gateway) = by_id.get(&gateway_id.as_str()?.to_lowercase())?;
    let (vnet, _) = by_id.get(&super::gateway_vnet_id(gateway)?.to_lowercase())?;
    Some(((*vnet).clone(), super::bgp_enabled(gateway)))
}

fn joins(
    objects: &[(&ResourceAddr, &Value)],
    by_id: &BTreeMap<String, (&ResourceAddr, &Value)>,
) -> Vec<Join> {
    let connections: Vec<(&ResourceAddr, &Value)> = objects
        .iter()
        .filter(|(a, _)| a.resource_type == "azurerm_virtual_network_gateway_connection")
        .copied()
        .collect();
    let by_ends: BTreeMap<(&str, &str), (&ResourceAddr, &Value)> = connections
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
                if addr < reverse_addr {
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

/// A peering's local and remote VNets.
fn peering_ends<'v>(
    by_id: &BTreeMap<String, (&'v ResourceAddr, &'v Value)>,
    peering: &Value,
) -> Option<(ResourceAddr, ResourceAddr)> {
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
    by_id: &BTreeMap<String, (&ResourceAddr, &Value)>,
    connection_joins: &[Join],
) -> Vec<Join> {
    let peerings: Vec<(&ResourceAddr, &Value, (ResourceAddr, ResourceAddr))> = objects
        .iter()
        .filter(|(a, _)| a.resource_type == "azurerm_virtual_network_peering")
        .filter_map(|(a, p)| Some((*a, *p, peering_ends(by_id, p)?)))
        .collect();
    let by_ends: BTreeMap<(&ResourceAddr, &ResourceAddr), (&ResourceAddr, &Value)> = peerings
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

/// Every pair joined directly, or through a path whose every join runs BGP; `via` is a
/// shortest path found breadth-first with neighbours in address order.
fn reachable_pairs(networks: &[Network], joins: &[Join]) -> Vec<Reachable> {
    // (from, to) → (connections crossed, joins crossed).
    let mut pairs: BTreeMap<(ResourceAddr, ResourceAddr), (Vec<ResourceAddr>, usize)> =
        BTreeMap::new();
    let ordered = |a: &ResourceAddr, b: &ResourceAddr| {
        if a < b {
            (a.clone(), b.clone())
        } else {
            (b.clone(), a.clone())
        }
    };
    for join in joins {
        let key = ordered(&join.a, &join.b);
        let shorter = pairs.get(&key).is_none_or(|(via, _)| join.via < *via);
        if join.a != join.b && shorter {
            pairs.insert(key, (join.via.clone(), 1));
        }
    }
    let mut transit: BTreeMap<&ResourceAddr, Vec<(&ResourceAddr, &Join)>> = BTreeMap::new();
    for join in joins.iter().filter(|j| j.bgp) {
        transit.entry(&join.a).or_default().push((&join.b, join));
        transit.entry(&join.b).or_default().push((&join.a, join));
    }
    for neighbours in transit.values_mut() {
        neighbours.sort_by(|x, y| (x.0, &x.1.via).cmp(&(y.0, &y.1.via)));
    }
    let known: BTreeSet<&ResourceAddr> = networks.iter().map(|n| &n.address).collect();
    for start in transit.keys().copied().filter(|n| known.contains(n)) {
        let mut paths: BTreeMap<&ResourceAddr, (Vec<ResourceAddr>, usize)> =
            BTreeMap::from([(start, (Vec::new(), 0))]);
        let mut queue = VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            for (next, join) in transit.get(node).into_iter().flatten() {
                if paths.contains_key(next) {
                    continue;
                }
                let (mut via, hops) = paths[node].clone();
                via.extend(join.via.iter().cloned());
                paths.insert(next, (via, hops + 1));
                queue.push_back(next);
            }
        }
        for (end, path) in paths {
            if end != start {
                pairs.entry(ordered(start, end)).or_insert(path);
            }
        }
    }
    pairs
        .into_iter()
        .map(|((from, to), (via, hops))| Reachable {
            from,
            to,
            via,
            hops,
        })
        .collect()
}

/// What the desired end state joins.
pub fn of_desired(desired: &crate::eval::DesiredState) -> Reachability {
    reachability(desired.resources.iter().map(|(a, r)| (a, &r.planned.value)))
}

/// What the objects recorded in state join.
pub fn of_state(state: &crate::state::State) -> Reachability {
    let objects: BTreeMap<ResourceAddr, Value> = state
        .attributes()
        .into_iter()
        .map(|(addr, json)| (addr, Value::from_json(&json)))
        .collect();
    reachability(&objects)
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
    let pairs = |r: &Reachability| -> BTreeSet<Pair> {
        r.reachable
            .iter()
            .map(|p| Pair {
                from: p.from.clone(),
                to: p.to.clone(),
            })
            .collect()
    };
    let (before, after) = (pairs(before), pairs(after));
    ReachabilityChange {
        gained: after.difference(&before).cloned().collect(),
        lost: before.difference(&after).cloned().collect(),
    }
}
