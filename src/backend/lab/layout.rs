//! The lab's layout: the namespaces, links, addresses, routes and tunnels that stand for the
//! objects in the lab's store.
//!
//! A pure function of those objects, so that it is tested without root; `host` makes the
//! machine match it. A VNet is a router namespace with one bridge per subnet holding the
//! subnet's first address (Azure's gateway address of a subnet); a VM is a namespace on its
//! subnet's bridge; a VPN gateway is a namespace on the GatewaySubnet's bridge and on the
//! lab's internet, holding its public IP; a peering (both directions declared) is a small
//! router namespace between the two VNets' routers; an on-premises site (a local network gateway with a
//! connection to it) is a namespace on the internet holding the site's address space. Tunnel
//! traffic selectors are worked out here from the objects themselves, not by the
//! reachability analysis, so that the lab checks that analysis independently.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::backend::sim::{Row, list, text};

/// The public ranges the lab hands gateways their addresses from (documentation ranges,
/// RFC 5737: nothing leaves the host); the first address of each is the internet's router.
pub const PUBLIC_RANGES: [Ipv4Net; 2] = [
    Ipv4Net::new_assert(Ipv4Addr::new(198, 51, 100, 0), 24),
    Ipv4Net::new_assert(Ipv4Addr::new(203, 0, 113, 0), 24),
];

const CONNECTION: &str = "azurerm_virtual_network_gateway_connection";

/// The internet's bridge, in the internet namespace.
const INTERNET_BRIDGE: &str = "inet0";

/// What a namespace stands for; also the order namespaces are built in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Internet,
    Network,
    Peering,
    Site,
    Gateway,
    Vm,
}

/// One network namespace of the lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Namespace {
    pub role: Role,
    /// The object it stands for (none for the internet).
    pub id: Option<String>,
    /// The object's name, for people.
    pub label: String,
    pub bridges: Vec<Bridge>,
    /// Links to the namespaces it hangs off, made when it is built.
    pub uplinks: Vec<Uplink>,
    /// Addresses held on the loopback device (an on-premises site's address space).
    pub loopback: Vec<IpNet>,
    pub routes: Vec<Route>,
    /// Forwards packets (routers, gateways, sites).
    pub forwarding: bool,
    /// Runs an IKE daemon (gateways and sites).
    pub daemon: bool,
}

impl Namespace {
    fn new(role: Role, id: Option<&str>, label: &str) -> Namespace {
        Namespace {
            role,
            id: id.map(str::to_owned),
            label: label.to_owned(),
            bridges: Vec::new(),
            uplinks: Vec::new(),
            loopback: Vec::new(),
            routes: Vec::new(),
            forwarding: role != Role::Vm,
            daemon: matches!(role, Role::Gateway | Role::Site),
        }
    }

    /// The namespaces this one's links lead to: rebuilding one of them rebuilds this one.
    pub fn parents(&self) -> impl Iterator<Item = &str> {
        self.uplinks.iter().map(|u| u.peer_ns.as_str())
    }
}

/// A bridge and the addresses it holds (`address/prefix`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bridge {
    pub name: String,
    pub addresses: Vec<IpNet>,
}

/// A veth pair from this namespace to another, where the far end may join a bridge and may
/// need routes of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uplink {
    pub name: String,
    pub address: IpNet,
    pub peer_ns: String,
    pub peer_name: String,
    /// The far end's address, if it has one of its own (a peering's link to a router).
    pub peer_address: Option<IpNet>,
    pub peer_bridge: Option<String>,
    /// Routes added in the far namespace once the link exists (and removed with it).
    pub peer_routes: Vec<Route>,
}

/// A route: to a prefix, through a neighbour or straight out of a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub to: IpNet,
    pub via: Option<IpAddr>,
    pub dev: Option<String>,
}

impl Route {
    fn via(to: IpNet, via: IpAddr) -> Route {
        Route {
            to,
            via: Some(via),
            dev: None,
        }
    }

    fn default_via(via: IpAddr) -> Route {
        Route::via(IpNet::V4(Ipv4Net::default()), via)
    }

    fn dev(to: IpNet, dev: &str) -> Route {
        Route {
            to,
            via: None,
            dev: Some(dev.to_owned()),
        }
    }
}

/// One IKEv2/IPsec tunnel end, as one daemon holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tunnel {
    /// The daemon's name for it.
    pub name: String,
    /// The connection it stands for.
    pub connection_id: String,
    pub local: Ipv4Addr,
    pub remote: Ipv4Addr,
    pub local_ts: Vec<IpNet>,
    pub remote_ts: Vec<IpNet>,
    pub shared_key: String,
    /// IKE and ESP proposals from a custom `ipsec_policy`; the daemon's defaults otherwise.
    pub proposals: Option<Proposals>,
}

/// strongSwan's spelling of an `ipsec_policy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposals {
    pub ike: String,
    pub esp: String,
}

/// Everything the lab holds on the host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    pub namespaces: BTreeMap<String, Namespace>,
    /// Each daemon's tunnels, by its namespace.
    pub tunnels: BTreeMap<String, Vec<Tunnel>>,
}

impl Layout {
    /// The namespaces in the order they are built: what a namespace hangs off comes first.
    pub fn build_order(&self) -> Vec<(&String, &Namespace)> {
        let mut order: Vec<_> = self.namespaces.iter().collect();
        order.sort_by_key(|(name, ns)| (ns.role, *name));
        order
    }
}

/// A short, stable tag for an object: the same id always gives the same tag.
pub fn tag(id: &str) -> String {
    let guid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, id.to_lowercase().as_bytes());
    guid.simple().to_string()[..8].to_owned()
}

/// The namespace of the object `id` in the lab `lab`.
pub fn namespace_name(lab: &str, role: Role, id: &str) -> String {
    let kind = match role {
        Role::Internet => return format!("{lab}-internet"),
        Role::Network => "net",
        Role::Peering => "peer",
        Role::Site => "site",
        Role::Gateway => "gw",
        Role::Vm => "vm",
    };
    format!("{lab}-{kind}-{}", tag(id))
}

/// The daemon's name for the tunnel of connection `id`.
pub fn tunnel_name(connection_id: &str) -> String {
    format!("c{}", tag(connection_id))
}

/// The objects of the store, looked up by lower-cased id.
struct Objects<'r> {
    by_id: BTreeMap<String, &'r Row>,
}

impl<'r> Objects<'r> {
    fn new(rows: &'r [Row]) -> Objects<'r> {
        Objects {
            by_id: rows.iter().map(|r| (r.id.to_lowercase(), r)).collect(),
        }
    }

    fn get(&self, id: &str) -> Option<&'r Row> {
        self.by_id.get(&id.to_lowercase()).copied()
    }

    fn of_type(&self, resource_type: &'r str) -> impl Iterator<Item = &'r Row> + '_ {
        self.by_id
            .values()
            .copied()
            .filter(move |r| r.resource_type == resource_type)
    }
}

/// The first item of a list attribute (a block given once), null when there is none.
fn first<'a>(value: &'a Json, key: &str) -> &'a Json {
    list(value, key).first().unwrap_or(&Json::Null)
}

fn prefixes(value: &Json, key: &str) -> Vec<IpNet> {
    list(value, key)
        .iter()
        .filter_map(|p| p.as_str()?.parse::<IpNet>().ok())
        .map(|p| p.trunc())
        .collect()
}

/// A subnet's prefixes (`address_prefixes`, or the older `address_prefix`).
fn subnet_prefixes(subnet: &Json) -> Vec<IpNet> {
    let mut found = prefixes(subnet, "address_prefixes");
    if found.is_empty()
        && let Ok(p) = text(subnet, "address_prefix").parse::<IpNet>()
    {
        found.push(p.trunc());
    }
    found
}

/// The address of the internet's router in one of the lab's public ranges: its first.
fn internet_router(range: &Ipv4Net) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(u32::from(range.network()) + 1))
}

/// The `n`th address of a prefix, with the prefix's length.
fn nth_address(prefix: IpNet, n: u32) -> Option<IpNet> {
    let IpNet::V4(p) = prefix else { return None };
    let address = Ipv4Addr::from(u32::from(p.network()).checked_add(n)?);
    p.contains(&address)
        .then(|| IpNet::V4(Ipv4Net::new_assert(address, p.prefix_len())))
}

/// The VNet a subnet id belongs to.
pub fn vnet_of_subnet(subnet_id: &str) -> &str {
    subnet_id
        .rsplit_once("/subnets/")
        .map_or(subnet_id, |(vnet, _)| vnet)
}

/// A subnet of a VNet, inline or a resource of its own.
struct Subnet {
    id: String,
    prefixes: Vec<IpNet>,
}

fn subnets_of(objects: &Objects<'_>, vnet: &Row) -> Vec<Subnet> {
    let inline = list(&vnet.attributes, "subnet").iter().map(|s| Subnet {
        id: text(s, "id").to_owned(),
        prefixes: subnet_prefixes(s),
    });
    let own = objects
        .of_type("azurerm_subnet")
        .filter(|s| vnet_of_subnet(&s.id).eq_ignore_ascii_case(&vnet.id))
        .map(|s| Subnet {
            id: s.id.clone(),
            prefixes: subnet_prefixes(&s.attributes),
        });
    let mut all: Vec<Subnet> = inline.chain(own).filter(|s| !s.id.is_empty()).collect();
    all.sort_by_key(|s| s.id.to_lowercase());
    all
}

/// The bridge of a subnet in its VNet's router.
fn bridge_name(subnet_id: &str) -> String {
    format!("b{}", tag(subnet_id))
}

/// Where a subnet is: its router namespace, bridge, and prefixes.
struct Place {
    router: String,
    bridge: String,
    prefixes: Vec<IpNet>,
}

/// The lab's view of the objects, built into a layout.
struct Builder<'a> {
    lab: &'a str,
    objects: Objects<'a>,
    layout: Layout,
    subnets: BTreeMap<String, Place>,
    /// Each realized gateway's public address and the address space it carries.
    gateways: BTreeMap<String, (Ipv4Addr, Vec<IpNet>)>,
    /// The VNets that use each VNet's gateway through a peering (lower-cased ids).
    transit_spokes: BTreeMap<String, Vec<String>>,
}

/// The layout that stands for `rows` (every object in the lab's store) in the lab `lab`.
pub fn layout(lab: &str, rows: &[Row]) -> Layout {
    let mut builder = Builder {
        lab,
        objects: Objects::new(rows),
        layout: Layout::default(),
        subnets: BTreeMap::new(),
        gateways: BTreeMap::new(),
        transit_spokes: BTreeMap::new(),
    };
    builder.networks();
    builder.peerings();
    builder.gateways();
    builder.vms();
    builder.connections();
    if builder
        .layout
        .namespaces
        .values()
        .any(|ns| matches!(ns.role, Role::Gateway | Role::Site))
    {
        builder.internet();
    }
    builder.layout
}

impl Builder<'_> {
    fn name(&self, role: Role, id: &str) -> String {
        namespace_name(self.lab, role, id)
    }

    fn networks(&mut self) {
        for vnet in self.objects.of_type("azurerm_virtual_network") {
            let router = self.name(Role::Network, &vnet.id);
            let mut ns = Namespace::new(Role::Network, Some(&vnet.id), &vnet.name);
            for subnet in subnets_of(&self.objects, vnet) {
                let bridge = bridge_name(&subnet.id);
                ns.bridges.push(Bridge {
                    name: bridge.clone(),
                    addresses: subnet
                        .prefixes
                        .iter()
                        .filter_map(|p| nth_address(*p, 1))
                        .collect(),
                });
                let place = Place {
                    router: router.clone(),
                    bridge,
                    prefixes: subnet.prefixes,
                };
                self.subnets.insert(subnet.id.to_lowercase(), place);
            }
            self.layout.namespaces.insert(router, ns);
        }
    }

    fn place(&self, subnet_id: &str) -> Option<&Place> {
        self.subnets.get(&subnet_id.to_lowercase())
    }

    /// A VNet's address space.
    fn vnet_space(&self, vnet_id: &str) -> Vec<IpNet> {
        self.objects
            .get(vnet_id)
            .map(|vnet| prefixes(&vnet.attributes, "address_space"))
            .unwrap_or_default()
    }

    /// Peerings declared in both directions: a router namespace between the two VNets'
    /// routers, routing each one's space to the other; a VNet using the other's gateway
    /// (`use_remote_gateways`, with `allow_gateway_transit` on the other side) also sends
    /// everything it does not hold there.
    fn peerings(&mut self) {
        let ends = |p: &Row| {
            let (local, _) = p.id.rsplit_once("/virtualNetworkPeerings/")?;
            Some((
                local.to_lowercase(),
                text(&p.attributes, "remote_virtual_network_id").to_lowercase(),
            ))
        };
        let by_ends: BTreeMap<(String, String), &Row> = self
            .objects
            .of_type("azurerm_virtual_network_peering")
            .filter_map(|p| Some((ends(p)?, p)))
            .collect();
        let flag = |p: &Row, key: &str| p.attributes.get(key).and_then(Json::as_bool) == Some(true);
        let pairs = by_ends
            .iter()
            .filter(|((a, b), _)| a < b)
            .filter_map(|((a, b), forward)| {
                let back = by_ends.get(&(b.clone(), a.clone()))?;
                Some((a.clone(), b.clone(), *forward, *back))
            });
        for (i, (a, b, forward, back)) in pairs.enumerate().collect::<Vec<_>>() {
            let routers = (self.name(Role::Network, &a), self.name(Role::Network, &b));
            if !self.layout.namespaces.contains_key(&routers.0)
                || !self.layout.namespaces.contains_key(&routers.1)
            {
                continue;
            }
            let a_uses_b =
                flag(forward, "use_remote_gateways") && flag(back, "allow_gateway_transit");
            let b_uses_a =
                flag(back, "use_remote_gateways") && flag(forward, "allow_gateway_transit");
            if a_uses_b {
                self.transit_spokes
                    .entry(b.clone())
                    .or_default()
                    .push(a.clone());
            }
            if b_uses_a {
                self.transit_spokes
                    .entry(a.clone())
                    .or_default()
                    .push(b.clone());
            }
            // Each peering gets its own two /30s out of 169.254.0.0/16 (link-local).
            let base = u32::from(Ipv4Addr::new(169, 254, 0, 0)) + 8 * i as u32;
            let address = |n: u32| IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::from(base + n), 30));
            let mut ns = Namespace::new(Role::Peering, Some(&forward.id), &forward.name);
            for (uplink, peering, (near, far), router, far_space, uses_far) in [
                (
                    "a",
                    forward,
                    (1, 2),
                    &routers.0,
                    self.vnet_space(&b),
                    a_uses_b,
                ),
                ("b", back, (5, 6), &routers.1, self.vnet_space(&a), b_uses_a),
            ] {
                let here = address(near).addr();
                let mut peer_routes: Vec<Route> =
                    far_space.iter().map(|p| Route::via(*p, here)).collect();
                if uses_far {
                    peer_routes.push(Route::default_via(here));
                }
                ns.uplinks.push(Uplink {
                    name: uplink.into(),
                    address: address(near),
                    peer_ns: router.clone(),
                    peer_name: format!("q{}", tag(&peering.id)),
                    peer_address: Some(address(far)),
                    peer_bridge: None,
                    peer_routes,
                });
            }
            let (to_a, to_b) = (address(2).addr(), address(6).addr());
            ns.routes
                .extend(self.vnet_space(&a).iter().map(|p| Route::via(*p, to_a)));
            ns.routes
                .extend(self.vnet_space(&b).iter().map(|p| Route::via(*p, to_b)));
            if a_uses_b {
                ns.routes.push(Route::default_via(to_b));
            } else if b_uses_a {
                ns.routes.push(Route::default_via(to_a));
            }
            let name = self.name(Role::Peering, &forward.id);
            self.layout.namespaces.insert(name, ns);
        }
    }

    fn gateways(&mut self) {
        for gateway in self.objects.of_type("azurerm_virtual_network_gateway") {
            let config = first(&gateway.attributes, "ip_configuration");
            let subnet_id = text(config, "subnet_id");
            let public = self
                .objects
                .get(text(config, "public_ip_address_id"))
                .and_then(|ip| text(&ip.attributes, "ip_address").parse::<Ipv4Addr>().ok());
            let (Some(place), Some(public)) = (self.place(subnet_id), public) else {
                continue;
            };
            // Azure's first free address of a subnet is its fifth (.4).
            let Some(lan) = place.prefixes.first().and_then(|p| nth_address(*p, 4)) else {
                continue;
            };
            let router_address = nth_address(place.prefixes[0], 1).map(|a| a.addr());
            // A gateway carries its VNet's space and that of the VNets using it by peering.
            let vnet = vnet_of_subnet(subnet_id).to_lowercase();
            let spokes = self.transit_spokes.get(&vnet).into_iter().flatten();
            let space: Vec<IpNet> = std::iter::once(vnet.as_str())
                .chain(spokes.map(String::as_str))
                .flat_map(|id| self.vnet_space(id))
                .collect();
            let name = self.name(Role::Gateway, &gateway.id);
            let mut ns = Namespace::new(Role::Gateway, Some(&gateway.id), &gateway.name);
            ns.uplinks.push(Uplink {
                name: "lan".into(),
                address: lan,
                peer_ns: place.router.clone(),
                peer_name: format!("g{}", tag(&gateway.id)),
                peer_address: None,
                peer_bridge: Some(place.bridge.clone()),
                // Whatever the VNet does not hold goes to its gateway.
                peer_routes: vec![Route::default_via(lan.addr())],
            });
            if let Some(router_address) = router_address {
                ns.routes
                    .extend(space.iter().map(|p| Route::via(*p, router_address)));
            }
            self.attach_to_internet(&mut ns, public, &gateway.id);
            self.layout.namespaces.insert(name, ns);
            self.gateways
                .insert(gateway.id.to_lowercase(), (public, space));
        }
    }

    /// Puts a namespace on the internet with `public` as its address: on the internet's
    /// bridge when the address is in one of the lab's ranges, else on a link of its own.
    fn attach_to_internet(&self, ns: &mut Namespace, public: Ipv4Addr, id: &str) {
        let internet = self.name(Role::Internet, "");
        let peer_name = format!("p{}", tag(id));
        let link = match PUBLIC_RANGES.iter().find(|r| r.contains(&public)) {
            Some(range) => {
                ns.routes.push(Route::default_via(internet_router(range)));
                Uplink {
                    name: "wan".into(),
                    address: IpNet::V4(Ipv4Net::new_assert(public, range.prefix_len())),
                    peer_ns: internet,
                    peer_name,
                    peer_address: None,
                    peer_bridge: Some(INTERNET_BRIDGE.into()),
                    peer_routes: Vec::new(),
                }
            }
            None => {
                let router = internet_router(&PUBLIC_RANGES[0]);
                ns.routes.push(Route::dev(IpNet::from(router), "wan"));
                ns.routes.push(Route::default_via(router));
                Uplink {
                    name: "wan".into(),
                    address: IpNet::V4(Ipv4Net::new_assert(public, 32)),
                    peer_ns: internet,
                    peer_routes: vec![Route::dev(IpNet::from(IpAddr::V4(public)), &peer_name)],
                    peer_name,
                    peer_address: None,
                    peer_bridge: None,
                }
            }
        };
        ns.uplinks.push(link);
    }

    fn vms(&mut self) {
        let vm_types = [
            "azurerm_linux_virtual_machine",
            "azurerm_windows_virtual_machine",
        ];
        for vm in vm_types.iter().flat_map(|t| self.objects.of_type(t)) {
            let nic = first(&vm.attributes, "network_interface_ids")
                .as_str()
                .and_then(|id| self.objects.get(id));
            let Some(nic) = nic else { continue };
            let config = first(&nic.attributes, "ip_configuration");
            let address = text(config, "private_ip_address").parse::<IpAddr>().ok();
            let Some(place) = self.place(text(config, "subnet_id")) else {
                continue;
            };
            let Some(prefix) = address.and_then(|a| place.prefixes.iter().find(|p| p.contains(&a)))
            else {
                continue;
            };
            let Some(gateway) = nth_address(*prefix, 1) else {
                continue;
            };
            let address = IpNet::new(address.expect("found in a prefix"), prefix.prefix_len())
                .expect("a prefix length of a prefix");
            let mut ns = Namespace::new(Role::Vm, Some(&vm.id), &vm.name);
            ns.uplinks.push(Uplink {
                name: "eth0".into(),
                address,
                peer_ns: place.router.clone(),
                peer_name: format!("v{}", tag(&vm.id)),
                peer_address: None,
                peer_bridge: Some(place.bridge.clone()),
                peer_routes: Vec::new(),
            });
            ns.routes.push(Route::default_via(gateway.addr()));
            let name = self.name(Role::Vm, &vm.id);
            self.layout.namespaces.insert(name, ns);
        }
    }

    fn connections(&mut self) {
        let links = self.bgp_links();
        let connections: Vec<&Row> = self.objects.of_type(CONNECTION).collect();
        for connection in connections {
            let attrs = &connection.attributes;
            let near = text(attrs, "virtual_network_gateway_id").to_lowercase();
            let shared_key = text(attrs, "shared_key");
            let Some(&(local, _)) = self.gateways.get(&near) else {
                continue;
            };
            if shared_key.is_empty() {
                continue;
            }
            let (site, far, remote) = match text(attrs, "type") {
                "Vnet2Vnet" => {
                    let peer = text(attrs, "peer_virtual_network_gateway_id").to_lowercase();
                    let Some(&(public, _)) = self.gateways.get(&peer) else {
                        continue;
                    };
                    (None, peer, public)
                }
                "IPsec" => {
                    let site = self.objects.get(text(attrs, "local_network_gateway_id"));
                    let Some((site, public)) = site.and_then(|s| Some((s, self.site(s)?))) else {
                        continue;
                    };
                    (Some(site), site.id.to_lowercase(), public)
                }
                _ => continue,
            };
            let (local_ts, remote_ts) = self.selectors(&links, &near, &far);
            let tunnel = Tunnel {
                name: tunnel_name(&connection.id),
                connection_id: connection.id.clone(),
                local,
                remote,
                local_ts,
                remote_ts,
                shared_key: shared_key.to_owned(),
                proposals: proposals(first(attrs, "ipsec_policy")),
            };
            if let Some(site) = site {
                // The on-premises device's end of the same tunnel.
                let mirrored = Tunnel {
                    local: remote,
                    remote: local,
                    local_ts: tunnel.remote_ts.clone(),
                    remote_ts: tunnel.local_ts.clone(),
                    ..tunnel.clone()
                };
                let ns = self.name(Role::Site, &site.id);
                self.layout.tunnels.entry(ns).or_default().push(mirrored);
            }
            let ns = self.name(Role::Gateway, &near);
            self.layout.tunnels.entry(ns).or_default().push(tunnel);
        }
    }

    /// The namespace of an on-premises site (a local network gateway): on the internet at
    /// its `gateway_address`, holding its address space. Returns that address.
    fn site(&mut self, site: &Row) -> Option<Ipv4Addr> {
        let public = text(&site.attributes, "gateway_address")
            .parse::<Ipv4Addr>()
            .ok()?;
        let name = self.name(Role::Site, &site.id);
        if !self.layout.namespaces.contains_key(&name) {
            let mut ns = Namespace::new(Role::Site, Some(&site.id), &site.name);
            ns.loopback = prefixes(&site.attributes, "address_space")
                .iter()
                .filter_map(|p| nth_address(*p, 1))
                .collect();
            self.attach_to_internet(&mut ns, public, &site.id);
            self.layout.namespaces.insert(name, ns);
        }
        Some(public)
    }

    /// The address space a gateway (its VNet's) or a site stands for.
    fn space(&self, node: &str) -> Vec<IpNet> {
        match self.gateways.get(node) {
            Some((_, space)) => space.clone(),
            None => self
                .objects
                .get(node)
                .map(|site| prefixes(&site.attributes, "address_space"))
                .unwrap_or_default(),
        }
    }

    /// The BGP sessions between gateways and sites (lower-cased ids, both ways): a
    /// VNet-to-VNet link whose gateways and both connections run BGP, or a site-to-site
    /// connection running BGP from a BGP gateway to a site with BGP settings.
    fn bgp_links(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut one_way: BTreeSet<(String, String)> = BTreeSet::new();
        for c in self.objects.of_type(CONNECTION) {
            let attrs = &c.attributes;
            let gateway = self.objects.get(text(attrs, "virtual_network_gateway_id"));
            if !gateway.is_some_and(|g| runs_bgp(&g.attributes)) || !runs_bgp(attrs) {
                continue;
            }
            let near = text(attrs, "virtual_network_gateway_id").to_lowercase();
            match text(attrs, "type") {
                "Vnet2Vnet" => {
                    let peer = self
                        .objects
                        .get(text(attrs, "peer_virtual_network_gateway_id"));
                    if let Some(peer) = peer.filter(|p| runs_bgp(&p.attributes)) {
                        one_way.insert((near, peer.id.to_lowercase()));
                    }
                }
                "IPsec" => {
                    let site = self.objects.get(text(attrs, "local_network_gateway_id"));
                    let speaks_bgp = |s: &&Row| {
                        s.attributes
                            .get("bgp_settings")
                            .and_then(Json::as_array)
                            .is_some_and(|l| !l.is_empty())
                    };
                    if let Some(site) = site.filter(speaks_bgp) {
                        let far = site.id.to_lowercase();
                        one_way.insert((far.clone(), near.clone()));
                        one_way.insert((near, far));
                    }
                }
                _ => {}
            }
        }
        let mut links: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in &one_way {
            if one_way.contains(&(b.clone(), a.clone())) {
                links.entry(a.clone()).or_default().insert(b.clone());
            }
        }
        links
    }

    /// The traffic selectors of a tunnel from `near` to `far`: each end's own address space
    /// and, over a BGP session, everything BGP makes reachable on that end's side (transit).
    fn selectors(
        &self,
        links: &BTreeMap<String, BTreeSet<String>>,
        near: &str,
        far: &str,
    ) -> (Vec<IpNet>, Vec<IpNet>) {
        if !links.get(near).is_some_and(|n| n.contains(far)) {
            return (self.space(near), self.space(far));
        }
        let remote = self.side(links, far, near);
        let local = self
            .side(links, near, far)
            .into_iter()
            .filter(|p| !remote.contains(p))
            .collect();
        (local, remote)
    }

    /// The address spaces BGP reaches from `start` without passing through `not_through`.
    fn side(
        &self,
        links: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        not_through: &str,
    ) -> Vec<IpNet> {
        let mut seen = BTreeSet::from([start.to_owned(), not_through.to_owned()]);
        let mut queue = vec![start.to_owned()];
        let mut space = Vec::new();
        while let Some(node) = queue.pop() {
            space.extend(self.space(&node));
            for next in links.get(&node).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    queue.push(next.clone());
                }
            }
        }
        space.sort();
        space.dedup();
        space
    }

    fn internet(&mut self) {
        let mut ns = Namespace::new(Role::Internet, None, "internet");
        ns.bridges.push(Bridge {
            name: INTERNET_BRIDGE.into(),
            addresses: PUBLIC_RANGES
                .iter()
                .map(|r| IpNet::new(internet_router(r), r.prefix_len()).expect("a range's length"))
                .collect(),
        });
        let name = self.name(Role::Internet, "");
        self.layout.namespaces.insert(name, ns);
    }
}

/// Whether a gateway or connection runs BGP (`bgp_enabled`, or azurerm 3.x's `enable_bgp`).
fn runs_bgp(object: &Json) -> bool {
    ["bgp_enabled", "enable_bgp"]
        .iter()
        .any(|k| object.get(k).and_then(Json::as_bool) == Some(true))
}

/// strongSwan's proposals for an Azure `ipsec_policy`, or `None` for Azure's defaults (and
/// for a policy naming an algorithm the lab does not know, which then negotiates defaults).
fn proposals(policy: &Json) -> Option<Proposals> {
    if policy.is_null() {
        return None;
    }
    let algorithm = |key: &str, table: &[(&str, &'static str)]| {
        let name = text(policy, key);
        table
            .iter()
            .find(|(azure, _)| azure.eq_ignore_ascii_case(name))
            .map(|(_, ours)| *ours)
    };
    const ENCRYPTION: &[(&str, &str)] = &[
        ("AES128", "aes128"),
        ("AES192", "aes192"),
        ("AES256", "aes256"),
        ("DES3", "3des"),
        ("GCMAES128", "aes128gcm16"),
        ("GCMAES192", "aes192gcm16"),
        ("GCMAES256", "aes256gcm16"),
        ("None", "null"),
    ];
    const INTEGRITY: &[(&str, &str)] = &[
        ("MD5", "md5"),
        ("SHA1", "sha1"),
        ("SHA256", "sha256"),
        ("SHA384", "sha384"),
        ("GCMAES128", ""),
        ("GCMAES192", ""),
        ("GCMAES256", ""),
    ];
    const GROUPS: &[(&str, &str)] = &[
        ("DHGroup1", "modp768"),
        ("PFS1", "modp768"),
        ("DHGroup2", "modp1024"),
        ("PFS2", "modp1024"),
        ("DHGroup14", "modp2048"),
        ("DHGroup2048", "modp2048"),
        ("PFS14", "modp2048"),
        ("PFS2048", "modp2048"),
        ("DHGroup24", "modp2048s256"),
        ("PFS24", "modp2048s256"),
        ("ECP256", "ecp256"),
        ("ECP384", "ecp384"),
        ("None", ""),
    ];
    let ike_encryption = algorithm("ike_encryption", ENCRYPTION)?;
    let ike_integrity = algorithm("ike_integrity", INTEGRITY)?;
    let dh = algorithm("dh_group", GROUPS)?;
    let esp_encryption = algorithm("ipsec_encryption", ENCRYPTION)?;
    let esp_integrity = algorithm("ipsec_integrity", INTEGRITY)?;
    let pfs = algorithm("pfs_group", GROUPS)?;
    // An AEAD cipher authenticates itself; IKE still needs a PRF, which SHA-256 gives.
    let ike_prf = if ike_integrity.is_empty() {
        "prfsha256"
    } else {
        ""
    };
    let join = |parts: &[&str]| {
        parts
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("-")
    };
    Some(Proposals {
        ike: join(&[ike_encryption, ike_integrity, ike_prf, dh]),
        esp: join(&[esp_encryption, esp_integrity, pfs]),
    })
}

/// Every namespace name a layout may hold for lab `lab` starts with this.
pub fn prefix(lab: &str) -> String {
    format!("{lab}-")
}

/// The names of a set of namespaces whose parents are in `set`, transitively: what must be
/// rebuilt along with `set`.
pub fn with_dependents(layout: &Layout, mut set: BTreeSet<String>) -> BTreeSet<String> {
    for (name, ns) in layout.build_order() {
        if ns.parents().any(|p| set.contains(p)) {
            set.insert(name.clone());
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RG: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network";

    fn row(resource_type: &str, kind: &str, name: &str, mut attributes: Json) -> Row {
        attributes["id"] = json!(format!("{RG}/{kind}/{name}"));
        attributes["name"] = json!(name);
        Row::from_attributes(resource_type, attributes)
    }

    fn id(kind: &str, name: &str) -> String {
        format!("{RG}/{kind}/{name}")
    }

    /// A VNet with an app subnet and a GatewaySubnet, its gateway (BGP as asked) and public
    /// IP, and a VM on the app subnet.
    fn network(name: &str, space: &str, public: &str, bgp: bool) -> Vec<Row> {
        let net: IpNet = space.parse().unwrap();
        let app = IpNet::new(nth_address(net, 256).unwrap().addr(), 24).unwrap();
        let gateway_subnet = IpNet::new(nth_address(net, 65280).unwrap().addr(), 27).unwrap();
        let vnet = id("virtualNetworks", name);
        vec![
            row(
                "azurerm_virtual_network",
                "virtualNetworks",
                name,
                json!({"address_space": [space], "subnet": [
                    {"name": "app", "id": format!("{vnet}/subnets/app"), "address_prefixes": [app.to_string()]}
                ]}),
            ),
            row(
                "azurerm_subnet",
                &format!("virtualNetworks/{name}/subnets"),
                "GatewaySubnet",
                json!({"address_prefixes": [gateway_subnet.to_string()]}),
            ),
            row(
                "azurerm_public_ip",
                "publicIPAddresses",
                &format!("{name}-pip"),
                json!({"ip_address": public}),
            ),
            row(
                "azurerm_virtual_network_gateway",
                "virtualNetworkGateways",
                &format!("{name}-gw"),
                json!({"bgp_enabled": bgp, "ip_configuration": [{
                    "subnet_id": format!("{vnet}/subnets/GatewaySubnet"),
                    "public_ip_address_id": id("publicIPAddresses", &format!("{name}-pip")),
                }]}),
            ),
            row(
                "azurerm_network_interface",
                "networkInterfaces",
                &format!("{name}-nic"),
                json!({"ip_configuration": [{
                    "subnet_id": format!("{vnet}/subnets/app"),
                    "private_ip_address": nth_address(app, 4).unwrap().addr().to_string(),
                }]}),
            ),
            row(
                "azurerm_linux_virtual_machine",
                "virtualMachines",
                &format!("{name}-vm"),
                json!({"network_interface_ids": [id("networkInterfaces", &format!("{name}-nic"))]}),
            ),
        ]
    }

    fn link(from: &str, to: &str, bgp: bool) -> Row {
        row(
            CONNECTION,
            "connections",
            &format!("{from}-to-{to}"),
            json!({
                "type": "Vnet2Vnet",
                "virtual_network_gateway_id": id("virtualNetworkGateways", &format!("{from}-gw")),
                "peer_virtual_network_gateway_id": id("virtualNetworkGateways", &format!("{to}-gw")),
                "shared_key": "k",
                "bgp_enabled": bgp,
            }),
        )
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|p| p.parse().unwrap()).collect()
    }

    fn tunnel<'l>(layout: &'l Layout, gateway: &str, connection: &str) -> &'l Tunnel {
        let ns = namespace_name("lab", Role::Gateway, &id("virtualNetworkGateways", gateway));
        layout.tunnels[&ns]
            .iter()
            .find(|t| t.connection_id == id("connections", connection))
            .unwrap()
    }

    #[test]
    fn networks_vms_and_gateways_get_azures_addresses() {
        let rows = [
            network("one", "10.1.0.0/16", "198.51.100.10", false),
            network("two", "10.2.0.0/16", "203.0.113.20", false),
        ]
        .concat();
        let layout = layout("lab", &rows);
        let roles: Vec<Role> = layout.build_order().iter().map(|(_, ns)| ns.role).collect();
        use Role::*;
        assert_eq!(
            roles,
            [Internet, Network, Network, Gateway, Gateway, Vm, Vm]
        );

        let router =
            &layout.namespaces[&namespace_name("lab", Network, &id("virtualNetworks", "one"))];
        let mut bridged: Vec<String> = router
            .bridges
            .iter()
            .flat_map(|b| b.addresses.iter().map(ToString::to_string))
            .collect();
        bridged.sort();
        assert_eq!(
            bridged,
            ["10.1.1.1/24", "10.1.255.1/27"],
            "each subnet's first address"
        );

        let gateway = &layout.namespaces
            [&namespace_name("lab", Gateway, &id("virtualNetworkGateways", "one-gw"))];
        let addresses: Vec<String> = gateway
            .uplinks
            .iter()
            .map(|u| u.address.to_string())
            .collect();
        assert_eq!(addresses, ["10.1.255.4/27", "198.51.100.10/24"]);
        assert_eq!(
            gateway.uplinks[0].peer_routes,
            [Route::default_via("10.1.255.4".parse().unwrap())]
        );
        assert!(gateway.routes.contains(&Route::via(
            "10.1.0.0/16".parse().unwrap(),
            "10.1.255.1".parse().unwrap()
        )));
        assert!(
            gateway
                .routes
                .contains(&Route::default_via("198.51.100.1".parse().unwrap()))
        );

        let vm = &layout.namespaces[&namespace_name("lab", Vm, &id("virtualMachines", "two-vm"))];
        assert_eq!(vm.uplinks[0].address.to_string(), "10.2.1.4/24");
        assert_eq!(vm.routes, [Route::default_via("10.2.1.1".parse().unwrap())]);
        assert!(!vm.forwarding && !vm.daemon);
        assert!(layout.tunnels.is_empty(), "no connections, no tunnels");
    }

    #[test]
    fn a_tunnel_carries_each_sides_own_space_and_bgp_adds_transit() {
        let hub_and_spokes = |bgp: bool| {
            let mut rows = [
                network("hub", "10.0.0.0/16", "198.51.100.10", bgp),
                network("north", "10.1.0.0/16", "198.51.100.11", bgp),
                network("south", "10.2.0.0/16", "198.51.100.12", bgp),
            ]
            .concat();
            for spoke in ["north", "south"] {
                rows.push(link("hub", spoke, bgp));
                rows.push(link(spoke, "hub", bgp));
            }
            layout("lab", &rows)
        };
        let plain = hub_and_spokes(false);
        let t = tunnel(&plain, "north-gw", "north-to-hub");
        assert_eq!(
            (t.local_ts.clone(), t.remote_ts.clone()),
            (nets(&["10.1.0.0/16"]), nets(&["10.0.0.0/16"]))
        );
        assert_eq!(t.remote.to_string(), "198.51.100.10");

        let bgp = hub_and_spokes(true);
        let t = tunnel(&bgp, "north-gw", "north-to-hub");
        assert_eq!(t.local_ts, nets(&["10.1.0.0/16"]));
        assert_eq!(
            t.remote_ts,
            nets(&["10.0.0.0/16", "10.2.0.0/16"]),
            "south through the hub"
        );
        let t = tunnel(&bgp, "hub-gw", "hub-to-north");
        assert_eq!(t.local_ts, nets(&["10.0.0.0/16", "10.2.0.0/16"]));
        assert_eq!(t.remote_ts, nets(&["10.1.0.0/16"]));
    }

    #[test]
    fn a_peering_routes_between_routers_and_transit_widens_the_hubs_tunnels() {
        let peering = |from: &str, to: &str, flags: Json| {
            let mut attrs = flags;
            attrs["remote_virtual_network_id"] = json!(id("virtualNetworks", to));
            row(
                "azurerm_virtual_network_peering",
                &format!("virtualNetworks/{from}/virtualNetworkPeerings"),
                &format!("{from}-to-{to}"),
                attrs,
            )
        };
        let mut rows = [
            network("hub", "10.0.0.0/16", "198.51.100.10", false),
            network("branch", "10.9.0.0/16", "198.51.100.19", false),
        ]
        .concat();
        rows.push(row(
            "azurerm_virtual_network",
            "virtualNetworks",
            "spoke",
            json!({"address_space": ["10.1.0.0/16"]}),
        ));
        rows.extend([link("hub", "branch", false), link("branch", "hub", false)]);
        rows.push(peering(
            "hub",
            "spoke",
            json!({"allow_gateway_transit": true}),
        ));
        rows.push(peering(
            "spoke",
            "hub",
            json!({"use_remote_gateways": true}),
        ));
        let layout = layout("lab", &rows);

        let ns = &layout.namespaces[&namespace_name(
            "lab",
            Role::Peering,
            &id("virtualNetworks/hub/virtualNetworkPeerings", "hub-to-spoke"),
        )];
        let spoke_side = ns
            .uplinks
            .iter()
            .find(|u| {
                u.peer_ns == namespace_name("lab", Role::Network, &id("virtualNetworks", "spoke"))
            })
            .unwrap();
        let here = spoke_side.address.addr();
        assert_eq!(
            spoke_side.peer_routes,
            [
                Route::via("10.0.0.0/16".parse().unwrap(), here),
                Route::default_via(here)
            ],
            "the spoke sends the hub's space and, through its gateway, everything else"
        );
        assert_eq!(
            tunnel(&layout, "hub-gw", "hub-to-branch").local_ts,
            nets(&["10.0.0.0/16", "10.1.0.0/16"]),
            "the hub's gateway carries the spoke's space too"
        );
        assert_eq!(
            tunnel(&layout, "branch-gw", "branch-to-hub").remote_ts,
            nets(&["10.0.0.0/16", "10.1.0.0/16"])
        );
    }

    #[test]
    fn a_site_gets_its_own_namespace_and_the_mirror_of_the_tunnel() {
        let mut rows = network("azure", "10.20.0.0/16", "198.51.100.30", false);
        rows.push(row(
            "azurerm_local_network_gateway",
            "localNetworkGateways",
            "onprem",
            json!({"gateway_address": "192.0.2.10", "address_space": ["192.168.50.0/24"]}),
        ));
        rows.push(row(
            CONNECTION,
            "connections",
            "to-onprem",
            json!({
                "type": "IPsec",
                "virtual_network_gateway_id": id("virtualNetworkGateways", "azure-gw"),
                "local_network_gateway_id": id("localNetworkGateways", "onprem"),
                "shared_key": "k",
                "ipsec_policy": [{
                    "dh_group": "DHGroup14", "ike_encryption": "AES256", "ike_integrity": "SHA256",
                    "ipsec_encryption": "GCMAES256", "ipsec_integrity": "GCMAES256", "pfs_group": "PFS2048",
                }],
            }),
        ));
        let layout = layout("lab", &rows);
        let site_ns = namespace_name("lab", Role::Site, &id("localNetworkGateways", "onprem"));
        let site = &layout.namespaces[&site_ns];
        assert_eq!(site.loopback, nets(&["192.168.50.1/24"]));
        let wan = &site.uplinks[0];
        assert_eq!(
            wan.address.to_string(),
            "192.0.2.10/32",
            "outside the lab's ranges: a link of its own"
        );
        assert_eq!(wan.peer_bridge, None);
        assert_eq!(
            wan.peer_routes,
            [Route::dev("192.0.2.10/32".parse().unwrap(), &wan.peer_name)]
        );

        let azure = tunnel(&layout, "azure-gw", "to-onprem");
        let mirror = &layout.tunnels[&site_ns][0];
        assert_eq!((mirror.local, mirror.remote), (azure.remote, azure.local));
        assert_eq!(
            (&mirror.local_ts, &mirror.remote_ts),
            (&azure.remote_ts, &azure.local_ts)
        );
        let proposals = azure.proposals.clone().unwrap();
        assert_eq!(proposals.ike, "aes256-sha256-modp2048");
        assert_eq!(proposals.esp, "aes256gcm16-modp2048");
    }
}
