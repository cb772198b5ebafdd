//! A picture of the network a set of objects describes: the VNets (with their address spaces
//! and gateways) and on-premises sites, and the links between them — VPN tunnels (one per
//! pair of gateways, whichever directions exist, BGP marked) and peerings. For
//! `graph -type=topology`; it decides nothing and knows nothing of where objects come from.

use std::collections::BTreeMap;

use crate::addr::ResourceAddr;
use crate::eval::value::Value;

/// A VNet or an on-premises site.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub address: ResourceAddr,
    pub name: String,
    pub prefixes: Vec<String>,
    pub region: String,
    pub on_premises: bool,
    /// (address, name, SKU) of the gateways in a VNet.
    pub gateways: Vec<(ResourceAddr, String, String)>,
}

/// How two places are linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// A VPN tunnel; `both_ways` when a VNet-to-VNet link has both its connections.
    Tunnel {
        bgp: bool,
        both_ways: bool,
    },
    Peering {
        both_ways: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub a: ResourceAddr,
    pub b: ResourceAddr,
    pub kind: LinkKind,
    /// The resources that make the link.
    pub via: Vec<ResourceAddr>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Picture {
    pub places: Vec<Place>,
    pub links: Vec<Link>,
}

/// The picture of `objects` (managed resources by address), places and links sorted.
pub fn picture<'a>(objects: impl IntoIterator<Item = (&'a ResourceAddr, &'a Value)>) -> Picture {
    let objects: Vec<(&ResourceAddr, &Value)> = objects
        .into_iter()
        .filter(|(addr, _)| addr.mode == crate::addr::Mode::Managed)
        .collect();
    let id_of = |v: &Value| v.get("id").as_str().map(str::to_lowercase);
    let by_id: BTreeMap<String, &ResourceAddr> = objects
        .iter()
        .filter_map(|(addr, v)| Some((id_of(v)?, *addr)))
        .collect();
    let mut places: BTreeMap<ResourceAddr, Place> = objects
        .iter()
        .filter(|(a, _)| {
            matches!(
                a.resource_type.as_str(),
                "azurerm_virtual_network" | "azurerm_local_network_gateway"
            )
        })
        .map(|(addr, v)| ((*addr).clone(), place(addr, v)))
        .collect();
    // Gateways by id, with the place they sit in.
    let mut gateway_place: BTreeMap<String, ResourceAddr> = BTreeMap::new();
    for (addr, gateway) in objects
        .iter()
        .filter(|(a, _)| a.resource_type == "azurerm_virtual_network_gateway")
    {
        let vnet = super::gateway_vnet_id(gateway).and_then(|id| by_id.get(&id.to_lowercase()));
        let Some(vnet) = vnet else { continue };
        if let Some(place) = places.get_mut(*vnet) {
            let text = |k: &str| gateway.get(k).as_str().unwrap_or_default().to_owned();
            place
                .gateways
                .push(((*addr).clone(), text("name"), text("sku")));
        }
        if let Some(id) = id_of(gateway) {
            gateway_place.insert(id, (*vnet).clone());
        }
    }
    let mut links: BTreeMap<(ResourceAddr, ResourceAddr, bool), Link> = BTreeMap::new();
    for (addr, c) in objects
        .iter()
        .filter(|(a, _)| a.resource_type == "azurerm_virtual_network_gateway_connection")
    {
        let place_of = |field: &str| -> Option<ResourceAddr> {
            let id = c.get(field).as_str()?.to_lowercase();
            gateway_place
                .get(&id)
                .cloned()
                .or_else(|| by_id.get(&id).map(|a| (*a).clone()))
        };
        let far = place_of("peer_virtual_network_gateway_id")
            .or_else(|| place_of("local_network_gateway_id"));
        let (Some(near), Some(far)) = (place_of("virtual_network_gateway_id"), far) else {
            continue;
        };
        let bgp = super::bgp_enabled(c);
        join(&mut links, near, far, false, (*addr).clone(), |both| {
            LinkKind::Tunnel {
                bgp,
                both_ways: both,
            }
        });
    }
    for (addr, p) in objects
        .iter()
        .filter(|(a, _)| a.resource_type == "azurerm_virtual_network_peering")
    {
        let local = p.get("id").as_str().and_then(|id| {
            let (vnet, _) = id.rsplit_once("/virtualNetworkPeerings/")?;
            by_id.get(&vnet.to_lowercase()).map(|a| (*a).clone())
        });
        let remote = p
            .get("remote_virtual_network_id")
            .as_str()
            .and_then(|id| by_id.get(&id.to_lowercase()).map(|a| (*a).clone()));
        if let (Some(local), Some(remote)) = (local, remote) {
            join(&mut links, local, remote, true, (*addr).clone(), |both| {
                LinkKind::Peering { both_ways: both }
            });
        }
    }
    Picture {
        places: places.into_values().collect(),
        links: links.into_values().collect(),
    }
}

/// Adds one direction of a link between two places; the second direction completes it.
fn join(
    links: &mut BTreeMap<(ResourceAddr, ResourceAddr, bool), Link>,
    near: ResourceAddr,
    far: ResourceAddr,
    peering: bool,
    via: ResourceAddr,
    kind: impl Fn(bool) -> LinkKind,
) {
    let (a, b) = if near <= far {
        (near.clone(), far.clone())
    } else {
        (far.clone(), near.clone())
    };
    let link = links
        .entry((a.clone(), b.clone(), peering))
        .or_insert(Link {
            a,
            b,
            kind: kind(false),
            via: Vec::new(),
        });
    // Site-to-site has one connection; a VNet-to-VNet link or a peering needs both.
    let one_way_enough = far.resource_type == "azurerm_local_network_gateway";
    link.via.push(via);
    link.via.sort();
    link.kind = kind(one_way_enough || link.via.len() >= 2);
}

fn place(addr: &ResourceAddr, v: &Value) -> Place {
    let network = super::reach::network(addr, v);
    Place {
        address: network.address,
        name: network.name,
        prefixes: network.prefixes,
        region: network.region,
        on_premises: addr.resource_type == "azurerm_local_network_gateway",
        gateways: Vec::new(),
    }
}
