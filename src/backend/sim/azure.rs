//! How the simulated cloud behaves like Azure: what it refuses (with Azure's error codes) and
//! what it assigns (public IPs, NIC private IPs skipping the five reserved addresses, GUIDs,
//! defaults of optional-computed arguments).

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};
use rusqlite::Connection;
use serde_json::{Value as Json, json};

use super::store::{self, Row};
use crate::backend::BackendError;
use crate::model::limits;

pub(super) fn refuse(code: &str, message: impl Into<String>) -> BackendError {
    BackendError::new(code, message)
}

/// A string attribute of an object, empty when it has none.
pub(crate) fn text<'a>(attrs: &'a Json, key: &str) -> &'a str {
    attrs.get(key).and_then(Json::as_str).unwrap_or_default()
}

/// A list attribute of an object, empty when it has none.
pub(crate) fn list<'a>(attrs: &'a Json, key: &str) -> &'a [Json] {
    attrs
        .get(key)
        .and_then(Json::as_array)
        .map_or(&[], Vec::as_slice)
}

pub(super) fn strings(attrs: &Json, key: &str) -> Vec<String> {
    list(attrs, key)
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn set(attrs: &mut Json, key: &str, value: Json) {
    if let Some(map) = attrs.as_object_mut() {
        map.insert(key.to_owned(), value);
    }
}

/// Sets an optional-computed attribute the configuration left unset.
fn default_if_null(attrs: &mut Json, key: &str, value: Json) {
    if attrs.get(key).is_none_or(Json::is_null) {
        set(attrs, key, value);
    }
}

pub(super) fn parse_prefixes(prefixes: &[String], what: &str) -> Result<Vec<IpNet>, BackendError> {
    prefixes
        .iter()
        .map(|p| {
            p.parse::<IpNet>().map_err(|_| {
                refuse(
                    "InvalidAddressPrefixFormat",
                    format!("{what} address prefix {p} is not a valid CIDR prefix"),
                )
            })
        })
        .collect()
}

/// Validates a create or update of `resource_type` and fills in what Azure assigns.
pub(super) fn admit(
    tx: &Connection,
    resource_type: &str,
    mut attrs: Json,
    prior: Option<&Row>,
    public_ranges: &[Ipv4Net],
) -> Result<Json, BackendError> {
    let group = text(&attrs, "resource_group_name").to_owned();
    if resource_type != "azurerm_resource_group" && !group.is_empty() {
        require_resource_group(tx, &group, text(&attrs, "id"))?;
    }
    super::policy::enforce(tx, resource_type, &attrs, prior)?;
    match resource_type {
        "azurerm_virtual_network" => virtual_network(&mut attrs)?,
        "azurerm_subnet" => subnet(tx, &attrs)?,
        "azurerm_public_ip" => public_ip(tx, &mut attrs, prior, public_ranges)?,
        "azurerm_virtual_network_gateway" => gateway(tx, &mut attrs, prior)?,
        "azurerm_local_network_gateway" => local_gateway(&attrs)?,
        "azurerm_virtual_network_gateway_connection" => connection(tx, &mut attrs)?,
        "azurerm_network_interface" => network_interface(tx, &mut attrs, prior)?,
        "azurerm_linux_virtual_machine" => virtual_machine(tx, &mut attrs, prior)?,
        "azurerm_lb" => load_balancer(tx, &mut attrs, prior)?,
        _ => {}
    }
    Ok(attrs)
}

fn require_resource_group(tx: &Connection, rg: &str, id: &str) -> Result<(), BackendError> {
    let sub = id.split('/').nth(2).unwrap_or_default();
    let rg_id = format!("/subscriptions/{sub}/resourceGroups/{rg}");
    match store::get(tx, &rg_id)? {
        Some(_) => Ok(()),
        None => Err(refuse(
            "ResourceGroupNotFound",
            format!("Resource group '{rg}' could not be found."),
        )),
    }
}

pub(super) fn get_referenced(tx: &Connection, id: &str, what: &str) -> Result<Row, BackendError> {
    store::get(tx, id)?.ok_or_else(|| {
        refuse(
            "InvalidResourceReference",
            format!("{what} {id} referenced by the request was not found."),
        )
    })
}

/// A number derived from a resource id: the same on every run, whatever order resources are
/// created in, so that what the simulator assigns is reproducible.
fn id_hash(id: &str) -> u32 {
    let guid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, id.to_lowercase().as_bytes());
    let [a, b, c, d, ..] = *guid.as_bytes();
    u32::from_be_bytes([a, b, c, d])
}

/// Azure's own address space, where public IPs come from unless the cloud says otherwise:
/// the 2^20 addresses from 20.40.0.0.
const AZURE_PUBLIC_RANGES: [Ipv4Net; 2] = [
    Ipv4Net::new_assert(std::net::Ipv4Addr::new(20, 40, 0, 0), 13),
    Ipv4Net::new_assert(std::net::Ipv4Addr::new(20, 48, 0, 0), 13),
];

/// A public address for a new Static IP, from `ranges` (Azure's when empty),
/// chosen by the id and moved on past any address already held. The first address of a
/// range is its router's, and addresses ending in .0 or .255 are never handed out.
fn free_public_address(
    tx: &Connection,
    id: &str,
    ranges: &[Ipv4Net],
) -> Result<std::net::Ipv4Addr, BackendError> {
    let ranges = if ranges.is_empty() {
        &AZURE_PUBLIC_RANGES
    } else {
        ranges
    };
    let size = |range: &Ipv4Net| 1u32 << (32 - range.prefix_len());
    let total: u32 = ranges.iter().map(size).sum();
    let nth = |mut i: u32| {
        for range in ranges {
            if i < size(range) {
                return (u32::from(range.network()) + i, i == 1);
            }
            i -= size(range);
        }
        unreachable!("an index below the total is inside a range")
    };
    let start = id_hash(id) % total.max(1);
    for i in 0..total {
        let (ip, router) = nth((start + i) % total);
        let ip = std::net::Ipv4Addr::from(ip);
        let usable = !router && ip.octets()[3] != 0 && ip.octets()[3] != 255;
        if usable && !store::public_address_taken(tx, &ip.to_string(), id)? {
            return Ok(ip);
        }
    }
    Err(refuse(
        "PublicIPCountLimitReached",
        "The simulated cloud has no public address left.",
    ))
}

fn deterministic_guid(id: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, id.to_lowercase().as_bytes()).to_string()
}

/// The VNet row and (inline or standalone) subnet prefixes of every subnet in it, except `skip`.
fn subnets_of(
    tx: &Connection,
    vnet: &Row,
    skip: &str,
) -> Result<Vec<(String, Vec<String>)>, BackendError> {
    let mut out: Vec<(String, Vec<String>)> = list(&vnet.attributes, "subnet")
        .iter()
        .map(|s| (text(s, "name").to_owned(), strings(s, "address_prefixes")))
        .collect();
    for row in store::under(tx, &format!("{}/subnets/", vnet.id), "azurerm_subnet")? {
        out.retain(|(n, _)| !n.eq_ignore_ascii_case(&row.name));
        out.push((
            row.name.clone(),
            strings(&row.attributes, "address_prefixes"),
        ));
    }
    out.retain(|(n, _)| !n.eq_ignore_ascii_case(skip));
    Ok(out)
}

fn check_subnet_prefixes(
    vnet_name: &str,
    space: &[IpNet],
    name: &str,
    prefixes: &[String],
    others: &[(String, Vec<String>)],
) -> Result<(), BackendError> {
    for p in parse_prefixes(prefixes, &format!("Subnet {name}"))? {
        if !space.iter().any(|s| s.contains(&p)) {
            return Err(refuse(
                "NetcfgSubnetRangeOutsideVnet",
                format!(
                    "Subnet '{name}' is not valid because its IP address range {p} is outside the IP address range of virtual network '{vnet_name}'."
                ),
            ));
        }
        for (other, other_prefixes) in others {
            for q in parse_prefixes(other_prefixes, &format!("Subnet {other}"))? {
                if limits::overlap(&p, &q) {
                    return Err(refuse(
                        "NetcfgSubnetRangesOverlap",
                        format!(
                            "Subnet '{name}' is not valid because its IP address range {p} overlaps with that of subnet '{other}' ({q})."
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn virtual_network(attrs: &mut Json) -> Result<(), BackendError> {
    let name = text(attrs, "name").to_owned();
    let space = parse_prefixes(
        &strings(attrs, "address_space"),
        &format!("Virtual network {name}"),
    )?;
    let inline: Vec<(String, Vec<String>)> = list(attrs, "subnet")
        .iter()
        .map(|s| (text(s, "name").to_owned(), strings(s, "address_prefixes")))
        .collect();
    for (i, (sub, prefixes)) in inline.iter().enumerate() {
        check_subnet_prefixes(&name, &space, sub, prefixes, &inline[..i])?;
    }
    let id = text(attrs, "id").to_owned();
    set(attrs, "guid", json!(deterministic_guid(&id)));
    default_if_null(attrs, "dns_servers", json!([]));
    default_if_null(attrs, "subnet", json!([]));
    if let Some(subnets) = attrs.get_mut("subnet").and_then(Json::as_array_mut) {
        for s in subnets {
            let sub_id = format!("{id}/subnets/{}", text(s, "name"));
            set(s, "id", json!(sub_id));
        }
    }
    Ok(())
}

fn subnet(tx: &Connection, attrs: &Json) -> Result<(), BackendError> {
    let id = text(attrs, "id");
    let vnet_id = id
        .rsplit_once("/subnets/")
        .map(|(v, _)| v)
        .unwrap_or_default();
    let vnet = store::get(tx, vnet_id)?.ok_or_else(|| {
        refuse(
            "ParentResourceNotFound",
            format!(
                "Virtual network '{}' could not be found.",
                text(attrs, "virtual_network_name")
            ),
        )
    })?;
    let space = parse_prefixes(
        &strings(&vnet.attributes, "address_space"),
        "Virtual network",
    )?;
    let name = text(attrs, "name");
    let others = subnets_of(tx, &vnet, name)?;
    check_subnet_prefixes(
        &vnet.name,
        &space,
        name,
        &strings(attrs, "address_prefixes"),
        &others,
    )
}

fn public_ip(
    tx: &Connection,
    attrs: &mut Json,
    prior: Option<&Row>,
    public_ranges: &[Ipv4Net],
) -> Result<(), BackendError> {
    let sku = text(attrs, "sku");
    let method = text(attrs, "allocation_method");
    if sku.starts_with("Standard") && method != "Static" {
        return Err(refuse(
            "StandardSkuPublicIPAddressesMustBeStatic",
            "Static IP allocation must be used when creating Standard SKU public IP addresses.",
        ));
    }
    let kept = prior
        .map(|p| p.attributes.get("ip_address").cloned().unwrap_or_default())
        .filter(|v| !v.is_null());
    let address = match kept {
        Some(a) => a,
        None if method == "Static" => {
            json!(free_public_address(tx, text(attrs, "id"), public_ranges)?.to_string())
        }
        None => json!(""),
    };
    set(attrs, "ip_address", address);
    let fqdn = match attrs.get("domain_name_label").and_then(Json::as_str) {
        Some(label) => json!(format!(
            "{label}.{}.cloudapp.azure.com",
            text(attrs, "location")
        )),
        None => Json::Null,
    };
    set(attrs, "fqdn", fqdn);
    Ok(())
}

fn gateway(tx: &Connection, attrs: &mut Json, prior: Option<&Row>) -> Result<(), BackendError> {
    let name = text(attrs, "name").to_owned();
    let sku = text(attrs, "sku").to_owned();
    let is_vpn = text(attrs, "type") == "Vpn";
    if text(attrs, "vpn_type") == "PolicyBased" && sku != "Basic" {
        return Err(refuse(
            "InvalidGatewaySize",
            format!("PolicyBased VPN gateways support only the Basic SKU, not {sku}."),
        ));
    }
    let generation = if is_vpn {
        limits::default_generation(&sku)
    } else {
        "None"
    };
    default_if_null(attrs, "generation", json!(generation));
    let generation = text(attrs, "generation").to_owned();
    if is_vpn && !limits::sku_in_generation(&sku, &generation) {
        return Err(refuse(
            "VirtualNetworkGatewaySkuCannotBeCreatedForSpecifiedVmGeneration",
            format!("Gateway SKU {sku} cannot be created for {generation}."),
        ));
    }
    default_if_null(attrs, "active_active", json!(false));
    let configs = list(attrs, "ip_configuration").to_vec();
    if attrs.get("active_active") == Some(&json!(true)) && configs.len() != 2 {
        return Err(refuse(
            "ActiveActiveGatewayMustHaveExactlyTwoIpConfigurations",
            format!("Active-active gateway {name} must have exactly two IP configurations."),
        ));
    }
    let mut vnet_id = None;
    let mut tunnel_addresses = Vec::new();
    for config in &configs {
        let subnet_id = text(config, "subnet_id");
        let (vnet, subnet_name) = subnet_id.rsplit_once("/subnets/").unwrap_or_default();
        if !subnet_name.eq_ignore_ascii_case("GatewaySubnet") {
            return Err(refuse(
                "InvalidGatewaySubnet",
                format!(
                    "Virtual network gateway {name} must use the subnet named GatewaySubnet, not '{subnet_name}'."
                ),
            ));
        }
        if store::get(tx, subnet_id)?.is_none() && !inline_subnet_exists(tx, vnet, subnet_name)? {
            return Err(refuse(
                "InvalidResourceReference",
                format!("Subnet {subnet_id} was not found."),
            ));
        }
        vnet_id = Some(vnet.to_lowercase());
        match config.get("public_ip_address_id").and_then(Json::as_str) {
            None if is_vpn => {
                return Err(refuse(
                    "PublicIpForGatewayIsRequired",
                    format!("VPN gateway {name} needs a public IP address."),
                ));
            }
            None => {}
            Some(pip_id) => {
                let pip = get_referenced(tx, pip_id, "Public IP address")?;
                if text(&pip.attributes, "sku") == "Basic" && sku != "Basic" {
                    return Err(refuse(
                        "PublicIpWithBasicSkuNotAllowedOnVPNGateways",
                        format!(
                            "Basic SKU public IP {} cannot be used with VPN gateway SKU {sku}.",
                            pip.name
                        ),
                    ));
                }
                tunnel_addresses.push(
                    pip.attributes
                        .get("ip_address")
                        .cloned()
                        .unwrap_or_default(),
                );
            }
        }
    }
    if let Some(vnet_id) = &vnet_id {
        let own = text(attrs, "id").to_owned();
        for user in store::referrers(tx, &format!("{vnet_id}/subnets/"), true)? {
            if user.resource_type != "azurerm_virtual_network_gateway"
                || user.id.eq_ignore_ascii_case(&own)
            {
                continue;
            }
            let Some(other) = store::get(tx, &user.id)? else {
                continue;
            };
            if text(&other.attributes, "type") == text(attrs, "type") {
                return Err(refuse(
                    "VnetAlreadyHasGateway",
                    format!(
                        "Virtual network already has a {} gateway ({}); a VNet holds one gateway of each type.",
                        text(attrs, "type"),
                        other.name
                    ),
                ));
            }
        }
    }
    let prior_bgp = prior
        .and_then(|p| p.attributes.get("bgp_settings"))
        .cloned();
    default_if_null(
        attrs,
        "bgp_settings",
        prior_bgp.unwrap_or_else(|| json!([{}])),
    );
    let first_config = configs
        .first()
        .map(|c| text(c, "name").to_owned())
        .unwrap_or_default();
    if let Some(bgp) = attrs.get_mut("bgp_settings").and_then(|b| b.get_mut(0)) {
        default_if_null(bgp, "asn", json!(65515));
        default_if_null(bgp, "peer_weight", json!(0));
        default_if_null(bgp, "peering_addresses", json!([{}]));
        if let Some(peers) = bgp
            .get_mut("peering_addresses")
            .and_then(Json::as_array_mut)
        {
            for (i, peer) in peers.iter_mut().enumerate() {
                default_if_null(peer, "ip_configuration_name", json!(first_config));
                default_if_null(peer, "apipa_addresses", json!([]));
                set(
                    peer,
                    "default_addresses",
                    json!([format!("10.255.{}.{}", 254, 4 + i)]),
                );
                set(
                    peer,
                    "tunnel_ip_addresses",
                    json!([tunnel_addresses.get(i).cloned().unwrap_or_default()]),
                );
            }
        }
    }
    Ok(())
}

fn inline_subnet_exists(tx: &Connection, vnet_id: &str, name: &str) -> Result<bool, BackendError> {
    Ok(store::get(tx, vnet_id)?.is_some_and(|v| {
        list(&v.attributes, "subnet")
            .iter()
            .any(|s| text(s, "name").eq_ignore_ascii_case(name))
    }))
}

/// A subnet declared inside its VNet, in the shape of an `azurerm_subnet`.
pub(super) fn inline_subnet(tx: &Connection, id: &str) -> Result<Option<Json>, BackendError> {
    let Some((vnet_id, name)) = id.rsplit_once("/subnets/") else {
        return Ok(None);
    };
    let Some(vnet) = store::get(tx, vnet_id)? else {
        return Ok(None);
    };
    let Some(subnet) = list(&vnet.attributes, "subnet")
        .iter()
        .find(|s| text(s, "name").eq_ignore_ascii_case(name))
    else {
        return Ok(None);
    };
    let mut attrs = subnet.clone();
    set(
        &mut attrs,
        "resource_group_name",
        json!(vnet.resource_group),
    );
    set(&mut attrs, "virtual_network_name", json!(vnet.name));
    Ok(Some(attrs))
}

/// The lower-cased id of the VNet a gateway sits in.
pub(super) fn gateway_vnet(attrs: &Json) -> Option<String> {
    let subnet = list(attrs, "ip_configuration")
        .first()
        .map(|c| text(c, "subnet_id"))?;
    subnet
        .rsplit_once("/subnets/")
        .map(|(v, _)| v.to_lowercase())
}

fn local_gateway(attrs: &Json) -> Result<(), BackendError> {
    let has_address = !text(attrs, "gateway_address").is_empty();
    let has_fqdn = !text(attrs, "gateway_fqdn").is_empty();
    if has_address == has_fqdn {
        return Err(refuse(
            "InvalidRequestFormat",
            format!(
                "Local network gateway {} needs exactly one of gateway_address and gateway_fqdn.",
                text(attrs, "name")
            ),
        ));
    }
    parse_prefixes(&strings(attrs, "address_space"), "Local network gateway")?;
    Ok(())
}

/// The address space on the far side of a gateway: its VNet's prefixes.
fn vnet_space(tx: &Connection, gateway: &Row) -> Result<Vec<IpNet>, BackendError> {
    let Some(vnet_id) = gateway_vnet(&gateway.attributes) else {
        return Ok(Vec::new());
    };
    match store::get(tx, &vnet_id)? {
        Some(vnet) => parse_prefixes(
            &strings(&vnet.attributes, "address_space"),
            "Virtual network",
        ),
        None => Ok(Vec::new()),
    }
}

fn connection(tx: &Connection, attrs: &mut Json) -> Result<(), BackendError> {
    let name = text(attrs, "name").to_owned();
    let gw = get_referenced(
        tx,
        text(attrs, "virtual_network_gateway_id"),
        "Virtual network gateway",
    )?;
    let kind = text(attrs, "type").to_owned();
    let far_space = match kind.as_str() {
        "Vnet2Vnet" => {
            let Some(peer_id) = attrs
                .get("peer_virtual_network_gateway_id")
                .and_then(Json::as_str)
            else {
                return Err(refuse(
                    "InvalidRequestFormat",
                    format!("Vnet2Vnet connection {name} needs peer_virtual_network_gateway_id."),
                ));
            };
            let peer = get_referenced(tx, peer_id, "Virtual network gateway")?;
            for g in [&gw, &peer] {
                if text(&g.attributes, "vpn_type") == "PolicyBased" {
                    return Err(refuse(
                        "VnetToVnetConnectionRequiresRouteBasedGateway",
                        format!(
                            "Vnet2Vnet connection {name} cannot use PolicyBased gateway {}; both gateways must be RouteBased.",
                            g.name
                        ),
                    ));
                }
            }
            vnet_space(tx, &peer)?
        }
        "IPsec" => {
            let Some(lng_id) = attrs.get("local_network_gateway_id").and_then(Json::as_str) else {
                return Err(refuse(
                    "InvalidRequestFormat",
                    format!("IPsec connection {name} needs local_network_gateway_id."),
                ));
            };
            let lng = get_referenced(tx, lng_id, "Local network gateway")?;
            parse_prefixes(
                &strings(&lng.attributes, "address_space"),
                "Local network gateway",
            )?
        }
        _ => Vec::new(),
    };
    for a in vnet_space(tx, &gw)? {
        if let Some(b) = far_space.iter().find(|b| limits::overlap(&a, b)) {
            return Err(refuse(
                "ConnectionOverlappingAddressSpaces",
                format!("Connection {name} joins address spaces that overlap: {a} and {b}."),
            ));
        }
    }
    let id = text(attrs, "id").to_owned();
    let tunnels = store::referrers(tx, &gw.id, false)?
        .iter()
        .filter(|c| c.resource_type == "azurerm_virtual_network_gateway_connection")
        .filter(|c| c.attr == "virtual_network_gateway_id" && !c.id.eq_ignore_ascii_case(&id))
        .count()
        + 1;
    let limit = limits::tunnel_limit(text(&gw.attributes, "sku")).unwrap_or(30);
    if tunnels > limit {
        return Err(refuse(
            "MaximumTunnelsPerGatewayExceeded",
            format!(
                "Gateway {} ({}) carries at most {limit} tunnels; connection {name} would be number {tunnels}.",
                gw.name,
                text(&gw.attributes, "sku")
            ),
        ));
    }
    default_if_null(
        attrs,
        "shared_key",
        json!(deterministic_guid(&format!("{id}/sharedkey")).replace('-', "")),
    );
    default_if_null(attrs, "connection_protocol", json!("IKEv2"));
    default_if_null(attrs, "dpd_timeout_seconds", json!(45));
    default_if_null(attrs, "routing_weight", json!(10));
    default_if_null(attrs, "use_policy_based_traffic_selectors", json!(false));
    default_if_null(attrs, "express_route_gateway_bypass", json!(false));
    if let Some(policy) = attrs.get_mut("ipsec_policy").and_then(|p| p.get_mut(0)) {
        default_if_null(policy, "sa_datasize", json!(102_400_000));
        default_if_null(policy, "sa_lifetime", json!(27000));
    }
    let status = connection_status(tx, attrs)?;
    set(attrs, "connection_status", json!(status));
    Ok(())
}

/// A connection's status as Azure reports it: a VNet-to-VNet tunnel is `Connected` once the
/// peer gateway has a connection back with the same shared key, `NotConnected` until then;
/// what is at the far end of any other kind of connection is beyond the simulation
/// (`Unknown`). Kept with the object, and brought up to date when the connection back is
/// written or deleted.
fn connection_status(tx: &Connection, attrs: &Json) -> Result<&'static str, BackendError> {
    if text(attrs, "type") != "Vnet2Vnet" {
        return Ok("Unknown");
    }
    let Some(key) = attrs.get("shared_key").filter(|k| k.is_string()) else {
        return Ok("NotConnected");
    };
    let ours = text(attrs, "virtual_network_gateway_id");
    let peer = text(attrs, "peer_virtual_network_gateway_id");
    for id in store::connections_between(tx, peer, ours)? {
        if store::get(tx, &id)?.is_some_and(|back| back.attributes.get("shared_key") == Some(key)) {
            return Ok("Connected");
        }
    }
    Ok("NotConnected")
}

/// Brings the status of the connections back from a connection's peer up to date, once the
/// connection has been written (`exists`) or deleted.
fn update_connections_back(
    tx: &Connection,
    connection: &Row,
    exists: bool,
) -> Result<(), BackendError> {
    let attrs = &connection.attributes;
    let ours = text(attrs, "virtual_network_gateway_id");
    let peer = text(attrs, "peer_virtual_network_gateway_id");
    let key = attrs.get("shared_key").filter(|k| exists && k.is_string());
    for id in store::connections_between(tx, peer, ours)? {
        if let Some(back) = store::get(tx, &id)? {
            // The same key as this connection's: connected; else another connection may
            // hold it.
            let status = if key.is_some() && back.attributes.get("shared_key") == key {
                "Connected"
            } else {
                connection_status(tx, &back.attributes)?
            };
            if text(&back.attributes, "connection_status") != status {
                store::set_plain_attribute(tx, &id, "connection_status", status)?;
            }
        }
    }
    Ok(())
}

/// What a stored object changes in others: a VNet-to-VNet connection's peer's connections
/// back change status with it.
pub(super) fn after_write(tx: &Connection, row: &Row) -> Result<(), BackendError> {
    if row.resource_type == "azurerm_virtual_network_gateway_connection" {
        update_connections_back(tx, row, true)?;
    }
    Ok(())
}

/// The prefixes of the subnet `subnet_id` names: a subnet resource, or one declared inline in
/// its VNet.
pub(super) fn subnet_prefixes(
    tx: &Connection,
    subnet_id: &str,
) -> Result<Option<Vec<String>>, BackendError> {
    if let Some(row) = store::get(tx, subnet_id)? {
        return Ok(Some(strings(&row.attributes, "address_prefixes")));
    }
    let Some((vnet_id, name)) = subnet_id.rsplit_once("/subnets/") else {
        return Ok(None);
    };
    Ok(store::get(tx, vnet_id)?.and_then(|v| {
        list(&v.attributes, "subnet")
            .iter()
            .find(|s| text(s, "name").eq_ignore_ascii_case(name))
            .map(|s| strings(s, "address_prefixes"))
    }))
}

/// The private address an IP configuration in `subnet_id` gets: its static address once
/// checked, the address it held before, or the first free one. `owner` is the (id, name) of
/// the NIC or load balancer asking.
fn private_address(
    tx: &Connection,
    (id, name): (&str, &str),
    subnet_id: &str,
    config: &Json,
    kept: Option<Json>,
) -> Result<Json, BackendError> {
    let (_, subnet_name) = subnet_id.rsplit_once("/subnets/").unwrap_or_default();
    if subnet_name.eq_ignore_ascii_case("GatewaySubnet") {
        return Err(refuse(
            "SubnetReservedForGateway",
            format!(
                "{name} cannot be placed in GatewaySubnet: nothing but the VPN gateway may be deployed there."
            ),
        ));
    }
    let prefixes = subnet_prefixes(tx, subnet_id)?.ok_or_else(|| {
        refuse(
            "InvalidResourceReference",
            format!("Subnet {subnet_id} was not found."),
        )
    })?;
    let subnet = parse_prefixes(&prefixes, "Subnet")?.into_iter().next();
    let taken = addresses_in_use(tx, subnet_id, id)?;
    let address = match (
        text(config, "private_ip_address_allocation"),
        config.get("private_ip_address").and_then(Json::as_str),
    ) {
        ("Static", Some(addr)) => {
            let ip: IpAddr = addr.parse().map_err(|_| {
                refuse(
                    "InvalidPrivateIPAddress",
                    format!("{addr} is not an IP address."),
                )
            })?;
            if !subnet.is_some_and(|s| s.contains(&ip)) {
                return Err(refuse(
                    "PrivateIPAddressNotInSubnet",
                    format!("Private IP address {addr} is not in subnet {subnet_name}."),
                ));
            }
            if taken.contains(&ip) {
                return Err(refuse(
                    "PrivateIPAddressInUse",
                    format!("Private IP address {addr} is already in use."),
                ));
            }
            json!(addr)
        }
        _ => match kept {
            Some(k) => k,
            None => json!(
                first_free(subnet, &taken)
                    .ok_or_else(|| {
                        refuse(
                            "SubnetIsFull",
                            format!("Subnet {subnet_name} has no free address for {name}."),
                        )
                    })?
                    .to_string()
            ),
        },
    };
    Ok(address)
}

/// The blocks `key` of the object before this request.
fn prior_list(prior: Option<&Row>, key: &str) -> Vec<Json> {
    prior.map_or_else(Vec::new, |p| list(&p.attributes, key).to_vec())
}

/// Frontend ids and private addresses of a load balancer.
fn load_balancer(
    tx: &Connection,
    attrs: &mut Json,
    prior: Option<&Row>,
) -> Result<(), BackendError> {
    let name = text(attrs, "name").to_owned();
    let id = text(attrs, "id").to_owned();
    let prior_frontends = prior_list(prior, "frontend_ip_configuration");
    let mut frontends = list(attrs, "frontend_ip_configuration").to_vec();
    let mut private = Vec::new();
    for frontend in &mut frontends {
        let frontend_name = text(frontend, "name").to_owned();
        set(
            frontend,
            "id",
            json!(format!("{id}/frontendIPConfigurations/{frontend_name}")),
        );
        let Some(subnet_id) = frontend
            .get("subnet_id")
            .and_then(Json::as_str)
            .map(str::to_owned)
        else {
            continue;
        };
        default_if_null(frontend, "private_ip_address_allocation", json!("Dynamic"));
        default_if_null(frontend, "private_ip_address_version", json!("IPv4"));
        let kept = prior_frontends
            .iter()
            .find(|p| text(p, "name") == frontend_name)
            .and_then(|p| p.get("private_ip_address"))
            .filter(|v| !v.is_null())
            .cloned();
        let address = private_address(tx, (&id, &name), &subnet_id, frontend, kept)?;
        private.push(address.clone());
        set(frontend, "private_ip_address", address);
    }
    set(attrs, "frontend_ip_configuration", Json::Array(frontends));
    set(
        attrs,
        "private_ip_address",
        private.first().cloned().unwrap_or(json!("")),
    );
    set(attrs, "private_ip_addresses", Json::Array(private));
    Ok(())
}

fn network_interface(
    tx: &Connection,
    attrs: &mut Json,
    prior: Option<&Row>,
) -> Result<(), BackendError> {
    let name = text(attrs, "name").to_owned();
    let id = text(attrs, "id").to_owned();
    let mut configs = list(attrs, "ip_configuration").to_vec();
    let prior_configs = prior_list(prior, "ip_configuration");
    for (i, config) in configs.iter_mut().enumerate() {
        default_if_null(config, "primary", json!(i == 0));
        let Some(subnet_id) = config
            .get("subnet_id")
            .and_then(Json::as_str)
            .map(str::to_owned)
        else {
            continue;
        };
        let kept = prior_configs
            .get(i)
            .and_then(|p| p.get("private_ip_address"))
            .filter(|v| !v.is_null())
            .cloned();
        let address = private_address(tx, (&id, &name), &subnet_id, config, kept)?;
        set(config, "private_ip_address", address);
    }
    let primary = configs
        .iter()
        .find(|c| c.get("primary") == Some(&json!(true)))
        .or(configs.first());
    let primary_ip = primary
        .and_then(|c| c.get("private_ip_address"))
        .cloned()
        .unwrap_or_default();
    let all_ips: Vec<Json> = configs
        .iter()
        .filter_map(|c| c.get("private_ip_address").cloned())
        .collect();
    set(attrs, "ip_configuration", Json::Array(configs));
    set(attrs, "private_ip_address", primary_ip);
    set(attrs, "private_ip_addresses", Json::Array(all_ips));
    let kept = |key: &str| {
        prior
            .and_then(|p| p.attributes.get(key))
            .filter(|v| !v.is_null())
            .cloned()
    };
    let mac = match kept("mac_address") {
        Some(m) => m,
        None => {
            let [_, a, b, c] = id_hash(&id).to_be_bytes();
            json!(format!("00-0D-3A-{a:02X}-{b:02X}-{c:02X}"))
        }
    };
    set(attrs, "mac_address", mac);
    set(
        attrs,
        "virtual_machine_id",
        kept("virtual_machine_id").unwrap_or(json!("")),
    );
    set(attrs, "applied_dns_servers", json!([]));
    set(
        attrs,
        "internal_domain_name_suffix",
        json!(format!(
            "{}.ax.internal.cloudapp.net",
            &deterministic_guid(text(attrs, "resource_group_name"))[..8]
        )),
    );
    Ok(())
}

/// Private addresses that NICs and load balancer frontends other than `except_id` hold in
/// `subnet_id`.
fn addresses_in_use(
    tx: &Connection,
    subnet_id: &str,
    except_id: &str,
) -> Result<Vec<IpAddr>, BackendError> {
    let mut out = Vec::new();
    for user in store::referrers(tx, subnet_id, false)? {
        let block = match user.resource_type.as_str() {
            "azurerm_network_interface" => "ip_configuration",
            "azurerm_lb" => "frontend_ip_configuration",
            _ => continue,
        };
        if user.id.eq_ignore_ascii_case(except_id) {
            continue;
        }
        let Some(row) = store::get(tx, &user.id)? else {
            continue;
        };
        out.extend(
            list(&row.attributes, block)
                .iter()
                .filter(|c| text(c, "subnet_id").eq_ignore_ascii_case(subnet_id))
                .filter_map(|c| {
                    c.get("private_ip_address")
                        .and_then(Json::as_str)
                        .and_then(|a| a.parse::<IpAddr>().ok())
                }),
        );
    }
    Ok(out)
}

/// The first address Azure would hand out: it reserves the network address, the next three
/// and the broadcast address of every subnet.
fn first_free(subnet: Option<IpNet>, taken: &[IpAddr]) -> Option<IpAddr> {
    let IpNet::V4(net) = subnet? else { return None };
    let first = u32::from(net.network()) + 4;
    let last = u32::from(net.broadcast()).checked_sub(1)?;
    (first..=last)
        .map(|n| IpAddr::from(std::net::Ipv4Addr::from(n)))
        .find(|ip| !taken.contains(ip))
}

fn virtual_machine(
    tx: &Connection,
    attrs: &mut Json,
    prior: Option<&Row>,
) -> Result<(), BackendError> {
    let name = text(attrs, "name").to_owned();
    let id = text(attrs, "id").to_owned();
    let mut private = Vec::new();
    let mut public = Vec::new();
    for nic_id in strings(attrs, "network_interface_ids") {
        let mut nic = get_referenced(tx, &nic_id, "Network interface")?;
        let attached = text(&nic.attributes, "virtual_machine_id").to_owned();
        if !attached.is_empty() && !attached.eq_ignore_ascii_case(&id) {
            return Err(refuse(
                "NicInUse",
                format!(
                    "Network interface {} is attached to another virtual machine.",
                    nic.name
                ),
            ));
        }
        for config in list(&nic.attributes, "ip_configuration") {
            if let Some(ip) = config.get("private_ip_address").filter(|v| !v.is_null()) {
                private.push(ip.clone());
            }
            if let Some(pip) = config.get("public_ip_address_id").and_then(Json::as_str)
                && let Some(row) = store::get(tx, pip)?
            {
                public.push(
                    row.attributes
                        .get("ip_address")
                        .cloned()
                        .unwrap_or_default(),
                );
            }
        }
        set(&mut nic.attributes, "virtual_machine_id", json!(id));
        store::put(tx, &nic)?;
    }
    set(
        attrs,
        "private_ip_address",
        private.first().cloned().unwrap_or_default(),
    );
    set(attrs, "private_ip_addresses", Json::Array(private));
    set(
        attrs,
        "public_ip_address",
        public.first().cloned().unwrap_or(json!("")),
    );
    set(attrs, "public_ip_addresses", Json::Array(public));
    set(attrs, "virtual_machine_id", json!(deterministic_guid(&id)));
    default_if_null(attrs, "computer_name", json!(name));
    let disk_name = prior
        .and_then(|p| {
            list(&p.attributes, "os_disk")
                .first()
                .and_then(|d| d.get("name"))
                .cloned()
        })
        .filter(|v| !v.is_null())
        .unwrap_or_else(|| {
            json!(format!(
                "{name}_OsDisk_1_{}",
                &deterministic_guid(&id).replace('-', "")[..12]
            ))
        });
    if let Some(disk) = attrs.get_mut("os_disk").and_then(|d| d.get_mut(0)) {
        default_if_null(disk, "name", disk_name);
        default_if_null(disk, "disk_size_gb", json!(30));
    }
    Ok(())
}

/// Refuses to delete what Azure would not delete while something uses it.
pub(super) fn check_delete(tx: &Connection, row: &Row) -> Result<(), BackendError> {
    let first = |users: Vec<store::Referrer>, keep: &dyn Fn(&store::Referrer) -> bool| {
        users.into_iter().find(|u| keep(u)).map(|u| u.name)
    };
    let users = || store::referrers(tx, &row.id, false);
    let name = &row.name;
    let blocker = match row.resource_type.as_str() {
        "azurerm_resource_group" => store::any_in_group(tx, name, &row.id)?.map(|n| {
            (
                "ResourceGroupNotEmpty",
                format!("Resource group {name} still contains resources (for example {n})."),
            )
        }),
        "azurerm_subnet" => {
            first(users()?, &|u| u.resource_type != "azurerm_virtual_network").map(|n| {
                (
                    "InUseSubnetCannotBeDeleted",
                    format!("Subnet {name} is in use by {n} and cannot be deleted."),
                )
            })
        }
        "azurerm_virtual_network" => {
            let users = store::referrers(tx, &format!("{}/subnets/", row.id), true)?;
            first(users, &|u| u.resource_type != "azurerm_subnet").map(|n| {
                (
                    "InUseSubnetCannotBeDeleted",
                    format!("A subnet of virtual network {name} is in use by {n}."),
                )
            })
        }
        "azurerm_public_ip" => first(users()?, &|_| true).map(|n| {
            (
                "PublicIPAddressCannotBeDeleted",
                format!("Public IP address {name} is in use by {n}."),
            )
        }),
        "azurerm_virtual_network_gateway" | "azurerm_local_network_gateway" => {
            first(users()?, &|u| {
                u.resource_type == "azurerm_virtual_network_gateway_connection"
            })
            .map(|n| {
                (
                    "InUseGatewayCannotBeDeleted",
                    format!("Gateway {name} is in use by connection {n}."),
                )
            })
        }
        "azurerm_network_interface" => first(users()?, &|u| {
            u.resource_type == "azurerm_linux_virtual_machine"
        })
        .map(|n| {
            (
                "NicInUse",
                format!("Network interface {name} is attached to virtual machine {n}."),
            )
        }),
        _ => None,
    };
    match blocker {
        Some((code, message)) => Err(refuse(code, message)),
        None => Ok(()),
    }
}

/// What deleting a resource also removes: a VNet takes its subnets with it, a VM releases
/// its NICs.
pub(super) fn after_delete(tx: &Connection, row: &Row) -> Result<(), BackendError> {
    match row.resource_type.as_str() {
        "azurerm_virtual_network_gateway_connection" => {
            update_connections_back(tx, row, false)?;
        }
        "azurerm_virtual_network" => {
            for subnet in store::under(tx, &format!("{}/subnets/", row.id), "azurerm_subnet")? {
                store::remove(tx, &subnet.id)?;
            }
        }
        "azurerm_linux_virtual_machine" => {
            for nic_id in strings(&row.attributes, "network_interface_ids") {
                if let Some(mut nic) = store::get(tx, &nic_id)? {
                    set(&mut nic.attributes, "virtual_machine_id", json!(""));
                    store::put(tx, &nic)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}
