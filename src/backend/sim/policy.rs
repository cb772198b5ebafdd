//! The rules Azure enforces on a request's own values and its neighbours, refused with an
//! error code as Azure's API would: names, regions, address ranges, gateway SKUs and resizes,
//! BGP, connections, IPsec policies, peerings and load balancer backends. The plan-time rules
//! check the same things (both read [`crate::model::limits`]); this copy is what stops a value
//! that was unknown at plan time. Checks tied to what Azure assigns (addresses, tunnels per
//! gateway) stay with the assignment in `azure`.

use rusqlite::Connection;
use serde_json::Value as Json;

use super::azure::{
    gateway_vnet, get_referenced, list, parse_prefixes, refuse, strings, subnet_prefixes, text,
};
use super::store::{self, Row};
use crate::backend::BackendError;
use crate::model::limits;

/// Refuses `attrs` (a create, or an update of `prior`) where Azure would.
pub(super) fn enforce(
    tx: &Connection,
    resource_type: &str,
    attrs: &Json,
    prior: Option<&Row>,
) -> Result<(), BackendError> {
    name_and_location(resource_type, attrs)?;
    match resource_type {
        "azurerm_virtual_network" => virtual_network(attrs),
        "azurerm_subnet" => subnet_sizes(&strings(attrs, "address_prefixes")),
        "azurerm_virtual_network_gateway" => gateway(tx, attrs, prior),
        "azurerm_local_network_gateway" => asn(attrs, false),
        "azurerm_virtual_network_gateway_connection" => connection(tx, attrs),
        "azurerm_virtual_network_peering" => peering(tx, attrs),
        "azurerm_network_interface_backend_address_pool_association" => pool_member(tx, attrs),
        _ => Ok(()),
    }
}

fn name_and_location(resource_type: &str, attrs: &Json) -> Result<(), BackendError> {
    let name = text(attrs, "name");
    if let Some(problem) = limits::name_problem(resource_type, name) {
        return Err(refuse(
            "InvalidResourceName",
            format!("Resource name {name} is invalid: it {problem}."),
        ));
    }
    let location = text(attrs, "location");
    if resource_type.starts_with("azurerm_") && !location.is_empty() && !limits::is_region(location)
    {
        return Err(refuse(
            "LocationNotAvailableForResourceType",
            format!(
                "The provided location '{location}' is not available for resource type '{resource_type}'."
            ),
        ));
    }
    Ok(())
}

fn virtual_network(attrs: &Json) -> Result<(), BackendError> {
    let name = text(attrs, "name");
    for prefix in parse_prefixes(&strings(attrs, "address_space"), "Virtual network")? {
        if let Some(range) = limits::forbidden_range(&prefix) {
            return Err(refuse(
                "InvalidAddressSpace",
                format!(
                    "Address space {prefix} of virtual network {name} overlaps the reserved range {range}."
                ),
            ));
        }
    }
    for subnet in list(attrs, "subnet") {
        subnet_sizes(&strings(subnet, "address_prefixes"))?;
    }
    Ok(())
}

fn subnet_sizes(prefixes: &[String]) -> Result<(), BackendError> {
    match parse_prefixes(prefixes, "Subnet")?
        .into_iter()
        .find(|p| !limits::subnet_size_allowed(p))
    {
        Some(p) => Err(refuse(
            "NetcfgInvalidSubnet",
            format!("Subnet prefix {p} is invalid: IPv4 subnets are /8 to /29."),
        )),
        None => Ok(()),
    }
}

fn gateway(tx: &Connection, attrs: &Json, prior: Option<&Row>) -> Result<(), BackendError> {
    let name = text(attrs, "name");
    let sku = text(attrs, "sku");
    match prior.map(|p| text(&p.attributes, "sku")) {
        None if limits::sku_retired(sku) => {
            return Err(refuse(
                "InvalidGatewaySize",
                format!("Gateway SKU {sku} is retired and cannot be used for new gateways."),
            ));
        }
        Some(before) if limits::sku_family(before) != limits::sku_family(sku) => {
            return Err(refuse(
                "InvalidGatewaySkuResize",
                format!(
                    "Gateway {name} cannot be resized from {before} to {sku}: only SKUs of one family resize in place."
                ),
            ));
        }
        _ => {}
    }
    let bgp = attrs.get("bgp_enabled") == Some(&Json::Bool(true));
    let policy_based = text(attrs, "vpn_type") == "PolicyBased";
    if bgp && !limits::bgp_supported(sku, policy_based) {
        return Err(refuse(
            "BgpNotSupportedOnGatewaySku",
            format!(
                "Gateway {name} cannot run BGP: BGP needs a RouteBased gateway of a SKU other than Basic."
            ),
        ));
    }
    let active_active = attrs.get("active_active") == Some(&Json::Bool(true));
    if active_active && sku == "Basic" {
        return Err(refuse(
            "ActiveActiveNotSupportedOnBasicSku",
            format!("Gateway {name} cannot be active-active with the Basic SKU."),
        ));
    }
    gateway_placement(tx, attrs, active_active)?;
    asn(attrs, true)?;
    apipa_addresses(attrs)
}

/// GatewaySubnet size for the SKU, the gateway in its VNet's region, and matching public IPs
/// on an active-active gateway.
fn gateway_placement(
    tx: &Connection,
    attrs: &Json,
    active_active: bool,
) -> Result<(), BackendError> {
    let name = text(attrs, "name");
    let sku = text(attrs, "sku");
    let mut public_ips: Vec<Row> = Vec::new();
    let vnet = gateway_vnet(attrs).unwrap_or_default();
    for config in list(attrs, "ip_configuration") {
        let subnet_id = text(config, "subnet_id");
        if !subnet_id
            .to_lowercase()
            .starts_with(&format!("{vnet}/subnets/"))
        {
            return Err(refuse(
                "InvalidGatewaySubnet",
                format!(
                    "The IP configurations of gateway {name} must all use the GatewaySubnet of one virtual network."
                ),
            ));
        }
        let prefix = subnet_prefixes(tx, subnet_id)?
            .and_then(|p| parse_prefixes(&p, "Subnet").ok())
            .and_then(|p| p.into_iter().next());
        if let Some(prefix) = prefix
            && prefix.prefix_len() > limits::gateway_subnet_longest_prefix(sku)
        {
            return Err(refuse(
                "GatewaySubnetTooSmall",
                format!(
                    "GatewaySubnet {prefix} is too small for gateway {name} of SKU {sku}: use a /27 or larger."
                ),
            ));
        }
        if let Some(pip) = config.get("public_ip_address_id").and_then(Json::as_str) {
            public_ips.push(get_referenced(tx, pip, "Public IP address")?);
        }
    }
    if let Some(vnet) = gateway_vnet(attrs).and_then(|id| store::get(tx, &id).transpose()) {
        let vnet = vnet?;
        if !same_region(&vnet.location, text(attrs, "location")) {
            return Err(refuse(
                "InvalidResourceLocation",
                format!(
                    "Gateway {name} must be in the region of its virtual network {} ({}).",
                    vnet.name, vnet.location
                ),
            ));
        }
    }
    let shape = |pip: &Row| {
        let a = &pip.attributes;
        (
            text(a, "sku").to_owned(),
            text(a, "allocation_method").to_owned(),
            a.get("zones").cloned(),
        )
    };
    if active_active && public_ips.windows(2).any(|w| shape(&w[0]) != shape(&w[1])) {
        return Err(refuse(
            "ActiveActiveGatewayPublicIPAddressesDiffersInSkuOrZones",
            format!(
                "The public IP addresses of active-active gateway {name} differ in SKU, allocation method or zones."
            ),
        ));
    }
    Ok(())
}

fn same_region(a: &str, b: &str) -> bool {
    crate::model::normalize_location(a) == crate::model::normalize_location(b)
}

fn asn(attrs: &Json, on_gateway: bool) -> Result<(), BackendError> {
    let asn = list(attrs, "bgp_settings")
        .first()
        .and_then(|s| s.get("asn"))
        .and_then(Json::as_u64);
    match asn.and_then(|a| limits::asn_reserved(a, on_gateway).map(|why| (a, why))) {
        Some((asn, why)) => Err(refuse(
            "BgpAsnReserved",
            format!("ASN {asn} cannot be used: it is {why}."),
        )),
        None => Ok(()),
    }
}

fn apipa_addresses(attrs: &Json) -> Result<(), BackendError> {
    let settings = list(attrs, "bgp_settings").first();
    let peers = settings.map_or(&[][..], |s| list(s, "peering_addresses"));
    for address in peers.iter().flat_map(|p| strings(p, "apipa_addresses")) {
        if !limits::in_apipa_range(&address) {
            return Err(refuse(
                "InvalidApipaBgpIpAddress",
                format!("Custom BGP IP address {address} is outside 169.254.21.0-169.254.22.255."),
            ));
        }
    }
    Ok(())
}

/// The peer fields a connection type must not set.
const PEER_FIELDS: [(&str, &str); 3] = [
    ("Vnet2Vnet", "peer_virtual_network_gateway_id"),
    ("IPsec", "local_network_gateway_id"),
    ("ExpressRoute", "express_route_circuit_id"),
];

fn connection(tx: &Connection, attrs: &Json) -> Result<(), BackendError> {
    let name = text(attrs, "name");
    let kind = text(attrs, "type");
    for (field_kind, field) in PEER_FIELDS {
        if field_kind != kind && attrs.get(field).is_some_and(|v| !v.is_null()) {
            return Err(refuse(
                "InvalidRequestFormat",
                format!("{kind} connection {name} cannot set {field}."),
            ));
        }
    }
    if let Some(key) = attrs.get("shared_key").and_then(Json::as_str)
        && !limits::SHARED_KEY_LENGTH.contains(&key.chars().count())
    {
        return Err(refuse(
            "InvalidSharedKeyLength",
            format!("The shared key of connection {name} must be 1 to 128 characters long."),
        ));
    }
    if let Some(dpd) = attrs.get("dpd_timeout_seconds").and_then(Json::as_f64)
        && !limits::DPD_TIMEOUT_SECONDS.contains(&dpd)
    {
        return Err(refuse(
            "InvalidDpdTimeout",
            format!("dpd_timeout_seconds {dpd} of connection {name} is outside 9-3600."),
        ));
    }
    let gateway = get_referenced(
        tx,
        text(attrs, "virtual_network_gateway_id"),
        "Virtual network gateway",
    )?;
    if !same_region(&gateway.location, text(attrs, "location")) {
        return Err(refuse(
            "InvalidResourceLocation",
            format!(
                "Connection {name} must be in the region of its gateway {} ({}).",
                gateway.name, gateway.location
            ),
        ));
    }
    ipsec_policy(attrs, &gateway)
}

fn ipsec_policy(attrs: &Json, gateway: &Row) -> Result<(), BackendError> {
    let Some(policy) = list(attrs, "ipsec_policy").first() else {
        return Ok(());
    };
    let name = text(attrs, "name");
    if text(&gateway.attributes, "sku") == "Basic" {
        return Err(refuse(
            "IpsecPolicyNotSupportedOnBasicSku",
            format!(
                "Connection {name} cannot set an IPsec policy: gateway {} is Basic.",
                gateway.name
            ),
        ));
    }
    let (encryption, integrity) = (
        text(policy, "ipsec_encryption"),
        text(policy, "ipsec_integrity"),
    );
    if limits::gcm_integrity_mismatch(encryption, integrity) {
        return Err(refuse(
            "InvalidIpsecPolicy",
            format!(
                "IPsec encryption {encryption} needs IPsec integrity {encryption}, not {integrity}."
            ),
        ));
    }
    for (key, min) in limits::SA_MINIMUMS {
        if policy
            .get(key)
            .and_then(Json::as_f64)
            .is_some_and(|v| v < min)
        {
            return Err(refuse(
                "InvalidIpsecPolicy",
                format!("{key} of connection {name} is below {min}."),
            ));
        }
    }
    Ok(())
}

fn peering(tx: &Connection, attrs: &Json) -> Result<(), BackendError> {
    let name = text(attrs, "name");
    let id = text(attrs, "id");
    let local_id = id
        .rsplit_once("/virtualNetworkPeerings/")
        .map_or("", |(v, _)| v);
    let local = store::get(tx, local_id)?.ok_or_else(|| {
        refuse(
            "ParentResourceNotFound",
            format!(
                "Virtual network {} could not be found.",
                text(attrs, "virtual_network_name")
            ),
        )
    })?;
    let remote_id = text(attrs, "remote_virtual_network_id");
    let remote = get_referenced(tx, remote_id, "Virtual network")?;
    let space = |vnet: &Row| {
        parse_prefixes(
            &strings(&vnet.attributes, "address_space"),
            "Virtual network",
        )
    };
    for a in space(&local)? {
        if let Some(b) = space(&remote)?.into_iter().find(|b| limits::overlap(&a, b)) {
            return Err(refuse(
                "VnetAddressSpacesOverlap",
                format!(
                    "Cannot create or update peering {name}: virtual networks {} and {} overlap ({a} and {b}).",
                    local.name, remote.name
                ),
            ));
        }
    }
    if attrs.get("use_remote_gateways") != Some(&Json::Bool(true)) {
        return Ok(());
    }
    let problem = if !has_gateway(tx, &remote.id)? {
        Some((
            "RemoteVnetHasNoGateways",
            format!("virtual network {} has no gateway", remote.name),
        ))
    } else if has_gateway(tx, &local.id)? {
        Some((
            "VnetHasGatewayCannotUseRemoteGateways",
            format!("virtual network {} has a gateway of its own", local.name),
        ))
    } else if !reverse_allows_transit(tx, &local.id, &remote.id)? {
        Some((
            "RemotePeeringDoesNotAllowGatewayTransit",
            format!(
                "the peering from {} does not set allow_gateway_transit",
                remote.name
            ),
        ))
    } else {
        None
    };
    match problem {
        Some((code, why)) => Err(refuse(
            code,
            format!("Peering {name} cannot use remote gateways: {why}."),
        )),
        None => Ok(()),
    }
}

fn has_gateway(tx: &Connection, vnet_id: &str) -> Result<bool, BackendError> {
    Ok(store::referrers(tx, &format!("{vnet_id}/subnets/"), true)?
        .iter()
        .any(|r| r.resource_type == "azurerm_virtual_network_gateway"))
}

/// Whether the peering from `remote_id` back to `local_id` offers its gateway.
fn reverse_allows_transit(
    tx: &Connection,
    local_id: &str,
    remote_id: &str,
) -> Result<bool, BackendError> {
    let back = store::under(
        tx,
        &format!("{remote_id}/virtualNetworkPeerings/"),
        "azurerm_virtual_network_peering",
    )?;
    Ok(back.iter().any(|p| {
        text(&p.attributes, "remote_virtual_network_id").eq_ignore_ascii_case(local_id)
            && p.attributes.get("allow_gateway_transit") == Some(&Json::Bool(true))
    }))
}

/// A NIC joins a backend pool only in the VNet the load balancer already serves.
fn pool_member(tx: &Connection, attrs: &Json) -> Result<(), BackendError> {
    let nic = get_referenced(tx, text(attrs, "network_interface_id"), "Network interface")?;
    let pool_id = text(attrs, "backend_address_pool_id");
    get_referenced(tx, pool_id, "Backend address pool")?;
    let config_name = text(attrs, "ip_configuration_name");
    let vnet = nic_vnet(&nic.attributes, config_name).ok_or_else(|| {
        refuse(
            "InvalidResourceReference",
            format!(
                "Network interface {} has no IP configuration {config_name}.",
                nic.name
            ),
        )
    })?;
    let lb_id = pool_id
        .rsplit_once("/backendAddressPools/")
        .map_or(pool_id, |(lb, _)| lb);
    let own = text(attrs, "id");
    for served in balancer_vnets(tx, lb_id, own)? {
        if served != vnet {
            return Err(refuse(
                "LoadBalancerBackendsInDifferentVirtualNetworks",
                format!(
                    "Network interface {} is in virtual network {vnet}, but load balancer {lb_id} serves {served}.",
                    nic.name
                ),
            ));
        }
    }
    Ok(())
}

/// The lower-cased VNet id of a NIC's IP configuration.
fn nic_vnet(nic: &Json, config_name: &str) -> Option<String> {
    let config = list(nic, "ip_configuration")
        .iter()
        .find(|c| text(c, "name") == config_name)?;
    let (vnet, _) = text(config, "subnet_id").rsplit_once("/subnets/")?;
    Some(vnet.to_lowercase())
}

/// The VNets a load balancer already serves: its internal frontends and its pool members
/// other than `except` (the association being written).
fn balancer_vnets(tx: &Connection, lb_id: &str, except: &str) -> Result<Vec<String>, BackendError> {
    let mut out = Vec::new();
    if let Some(lb) = store::get(tx, lb_id)? {
        for frontend in list(&lb.attributes, "frontend_ip_configuration") {
            if let Some((vnet, _)) = text(frontend, "subnet_id").rsplit_once("/subnets/") {
                out.push(vnet.to_lowercase());
            }
        }
    }
    let members = store::referrers(tx, &format!("{lb_id}/backendAddressPools/"), true)?;
    for member in members.iter().filter(|m| {
        m.resource_type == "azurerm_network_interface_backend_address_pool_association"
            && !m.id.eq_ignore_ascii_case(except)
    }) {
        let Some(row) = store::get(tx, &member.id)? else {
            continue;
        };
        if let Some(nic) = store::get(tx, text(&row.attributes, "network_interface_id"))?
            && let Some(vnet) = nic_vnet(
                &nic.attributes,
                text(&row.attributes, "ip_configuration_name"),
            )
        {
            out.push(vnet);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value as Json, json};

    use crate::backend::sim::SimCloud;

    const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg";

    fn id(kind: &str, name: &str) -> String {
        format!("{RG}/providers/Microsoft.Network/{kind}/{name}")
    }

    fn subnet_id(vnet: &str, name: &str) -> String {
        format!("{}/subnets/{name}", id("virtualNetworks", vnet))
    }

    /// One write, waited for.
    fn write(
        sim: &SimCloud,
        resource_type: &str,
        attrs: Json,
        must_exist: bool,
    ) -> Result<Json, crate::backend::BackendError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(sim.write(resource_type, attrs, must_exist))
    }

    fn with(mut base: Json, changes: Json) -> Json {
        for (k, v) in changes.as_object().unwrap() {
            base[k] = v.clone();
        }
        base
    }

    fn vnet(name: &str, space: &str, gateway_subnet: &str, app: &str) -> Json {
        json!({"id": id("virtualNetworks", name), "name": name, "resource_group_name": "rg",
            "location": "westeurope", "address_space": [space],
            "subnet": [{"name": "GatewaySubnet", "address_prefixes": [gateway_subnet]},
                       {"name": "app", "address_prefixes": [app]}]})
    }

    fn gateway(name: &str, vnet: &str, pips: &[&str]) -> Json {
        let configs: Vec<Json> = pips
            .iter()
            .map(|p| {
                json!({"name": format!("c-{p}"), "subnet_id": subnet_id(vnet, "GatewaySubnet"),
                "public_ip_address_id": id("publicIPAddresses", p)})
            })
            .collect();
        json!({"id": id("virtualNetworkGateways", name), "name": name, "resource_group_name": "rg",
            "location": "westeurope", "type": "Vpn", "vpn_type": "RouteBased", "sku": "VpnGw1AZ",
            "ip_configuration": configs})
    }

    fn connection(name: &str, from: &str, to: &str) -> Json {
        json!({"id": id("connections", name), "name": name, "resource_group_name": "rg",
            "location": "westeurope", "type": "Vnet2Vnet",
            "virtual_network_gateway_id": id("virtualNetworkGateways", from),
            "peer_virtual_network_gateway_id": id("virtualNetworkGateways", to), "shared_key": "k"})
    }

    fn peering(from: &str, to: &str, extra: Json) -> Json {
        with(
            json!({"id": format!("{}/virtualNetworkPeerings/p-{to}", id("virtualNetworks", from)),
                "name": format!("p-{to}"), "resource_group_name": "rg", "virtual_network_name": from,
                "remote_virtual_network_id": id("virtualNetworks", to)}),
            extra,
        )
    }

    /// v1 (gw1, RouteBased) and v2 (gw2, PolicyBased Basic); v3 with a /29 GatewaySubnet and
    /// v4 with no gateway; an internal load balancer in v1 and a NIC in v2.
    fn world(dir: &std::path::Path) -> SimCloud {
        let sim = SimCloud::open(&dir.join("sim.db"), &Default::default()).unwrap();
        let pip = |name: &str, zones: Json| {
            json!({"id": id("publicIPAddresses", name), "name": name, "resource_group_name": "rg",
                "location": "westeurope", "sku": "Standard", "allocation_method": "Static", "zones": zones})
        };
        let nic = json!({"id": id("networkInterfaces", "nic2"), "name": "nic2", "resource_group_name": "rg",
            "location": "westeurope", "ip_configuration": [{"name": "ipconfig",
            "subnet_id": subnet_id("v2", "app"), "private_ip_address_allocation": "Dynamic"}]});
        let lb_id = id("loadBalancers", "lb");
        let fixtures = [
            (
                "azurerm_resource_group",
                json!({"id": RG, "name": "rg", "location": "westeurope"}),
            ),
            (
                "azurerm_virtual_network",
                vnet("v1", "10.1.0.0/16", "10.1.255.0/27", "10.1.1.0/24"),
            ),
            (
                "azurerm_virtual_network",
                vnet("v2", "10.2.0.0/16", "10.2.255.0/27", "10.2.1.0/24"),
            ),
            (
                "azurerm_virtual_network",
                vnet("v3", "10.3.0.0/16", "10.3.255.0/29", "10.3.1.0/24"),
            ),
            (
                "azurerm_virtual_network",
                vnet("v4", "10.4.0.0/16", "10.4.255.0/27", "10.4.1.0/24"),
            ),
            ("azurerm_public_ip", pip("pip1", json!(null))),
            ("azurerm_public_ip", pip("pip2", json!(null))),
            ("azurerm_public_ip", pip("pip3", json!(["1"]))),
            (
                "azurerm_virtual_network_gateway",
                gateway("gw1", "v1", &["pip1"]),
            ),
            (
                "azurerm_virtual_network_gateway",
                with(
                    gateway("gw2", "v2", &["pip2"]),
                    json!({"vpn_type": "PolicyBased", "sku": "Basic"}),
                ),
            ),
            ("azurerm_network_interface", nic),
            (
                "azurerm_lb",
                json!({"id": lb_id, "name": "lb", "resource_group_name": "rg", "location": "westeurope",
                    "frontend_ip_configuration": [{"name": "fe", "subnet_id": subnet_id("v1", "app")}]}),
            ),
            (
                "azurerm_lb_backend_address_pool",
                json!({"id": format!("{lb_id}/backendAddressPools/pool"), "name": "pool", "loadbalancer_id": lb_id}),
            ),
        ];
        for (resource_type, attrs) in fixtures {
            write(&sim, resource_type, attrs, false).unwrap();
        }
        sim
    }

    #[test]
    fn refuses_what_azure_refuses_with_its_codes() {
        let dir = tempfile::tempdir().unwrap();
        let sim = world(dir.path());
        let new_gateway = |changes: Json| with(gateway("gw4", "v4", &["pip2"]), changes);
        let ipsec = |policy: Json| {
            with(
                connection("c", "gw1", "gw2"),
                json!({"type": "IPsec", "peer_virtual_network_gateway_id": null,
                    "local_network_gateway_id": id("localNetworkGateways", "site"), "ipsec_policy": [policy]}),
            )
        };
        let good_policy = json!({"ipsec_encryption": "AES256", "ipsec_integrity": "SHA256",
            "sa_lifetime": 27000, "sa_datasize": 102400000});
        let lb_id = id("loadBalancers", "lb");
        let cases: Vec<(&str, Json, &str)> = vec![
            (
                "azurerm_virtual_network",
                vnet("v", "10.9.0.0/16", "10.9.255.0/27", "10.9.1.0/24"),
                "InvalidResourceName",
            ),
            (
                "azurerm_virtual_network",
                with(
                    vnet("v9", "10.9.0.0/16", "10.9.255.0/27", "10.9.1.0/24"),
                    json!({"location": "westeurop"}),
                ),
                "LocationNotAvailableForResourceType",
            ),
            (
                "azurerm_virtual_network",
                vnet("v9", "169.254.0.0/16", "169.254.255.0/27", "169.254.1.0/24"),
                "InvalidAddressSpace",
            ),
            (
                "azurerm_subnet",
                json!({"id": subnet_id("v1", "tiny"), "name": "tiny", "resource_group_name": "rg",
                    "virtual_network_name": "v1", "address_prefixes": ["10.1.2.0/30"]}),
                "NetcfgInvalidSubnet",
            ),
            (
                "azurerm_virtual_network_gateway",
                new_gateway(json!({"sku": "Standard"})),
                "InvalidGatewaySize",
            ),
            (
                "azurerm_virtual_network_gateway",
                new_gateway(json!({"sku": "Basic", "bgp_enabled": true})),
                "BgpNotSupportedOnGatewaySku",
            ),
            (
                "azurerm_virtual_network_gateway",
                new_gateway(json!({"sku": "Basic", "active_active": true})),
                "ActiveActiveNotSupportedOnBasicSku",
            ),
            (
                "azurerm_virtual_network_gateway",
                gateway("gw3", "v3", &["pip2"]),
                "GatewaySubnetTooSmall",
            ),
            (
                "azurerm_virtual_network_gateway",
                new_gateway(json!({"location": "northeurope"})),
                "InvalidResourceLocation",
            ),
            (
                "azurerm_virtual_network_gateway",
                with(
                    gateway("gw4", "v4", &["pip2", "pip3"]),
                    json!({"active_active": true}),
                ),
                "ActiveActiveGatewayPublicIPAddressesDiffersInSkuOrZones",
            ),
            (
                "azurerm_virtual_network_gateway",
                new_gateway(
                    json!({"bgp_settings": [{"asn": 65010, "peering_addresses": [{"apipa_addresses": ["169.254.30.1"]}]}]}),
                ),
                "InvalidApipaBgpIpAddress",
            ),
            (
                "azurerm_virtual_network_gateway",
                new_gateway(json!({"bgp_settings": [{"asn": 23456}]})),
                "BgpAsnReserved",
            ),
            (
                "azurerm_local_network_gateway",
                json!({"id": id("localNetworkGateways", "site"), "name": "site", "resource_group_name": "rg",
                    "location": "westeurope", "gateway_address": "203.0.113.1", "address_space": ["192.168.0.0/16"],
                    "bgp_settings": [{"asn": 65515}]}),
                "BgpAsnReserved",
            ),
            (
                "azurerm_virtual_network_gateway_connection",
                with(
                    connection("c", "gw1", "gw4"),
                    json!({"local_network_gateway_id": id("localNetworkGateways", "x")}),
                ),
                "InvalidRequestFormat",
            ),
            (
                "azurerm_virtual_network_gateway_connection",
                with(
                    connection("c", "gw1", "gw2"),
                    json!({"shared_key": "k".repeat(129)}),
                ),
                "InvalidSharedKeyLength",
            ),
            (
                "azurerm_virtual_network_gateway_connection",
                with(
                    connection("c", "gw1", "gw2"),
                    json!({"dpd_timeout_seconds": 5}),
                ),
                "InvalidDpdTimeout",
            ),
            (
                "azurerm_virtual_network_gateway_connection",
                with(
                    connection("c", "gw1", "gw2"),
                    json!({"location": "northeurope"}),
                ),
                "InvalidResourceLocation",
            ),
            (
                "azurerm_virtual_network_gateway_connection",
                connection("c", "gw1", "gw2"),
                "VnetToVnetConnectionRequiresRouteBasedGateway",
            ),
            (
                "azurerm_virtual_network_gateway_connection",
                with(
                    ipsec(good_policy.clone()),
                    json!({"virtual_network_gateway_id": id("virtualNetworkGateways", "gw2")}),
                ),
                "IpsecPolicyNotSupportedOnBasicSku",
            ),
            (
                "azurerm_virtual_network_gateway_connection",
                ipsec(with(
                    good_policy.clone(),
                    json!({"ipsec_encryption": "GCMAES256"}),
                )),
                "InvalidIpsecPolicy",
            ),
            (
                "azurerm_virtual_network_gateway_connection",
                ipsec(with(good_policy, json!({"sa_lifetime": 100}))),
                "InvalidIpsecPolicy",
            ),
            (
                "azurerm_virtual_network_peering",
                peering(
                    "v1",
                    "v9",
                    json!({"remote_virtual_network_id": id("virtualNetworks", "v1")}),
                ),
                "VnetAddressSpacesOverlap",
            ),
            (
                "azurerm_virtual_network_peering",
                peering("v4", "v3", json!({"use_remote_gateways": true})),
                "RemoteVnetHasNoGateways",
            ),
            (
                "azurerm_virtual_network_peering",
                peering("v1", "v2", json!({"use_remote_gateways": true})),
                "VnetHasGatewayCannotUseRemoteGateways",
            ),
            (
                "azurerm_virtual_network_peering",
                peering("v4", "v1", json!({"use_remote_gateways": true})),
                "RemotePeeringDoesNotAllowGatewayTransit",
            ),
            (
                "azurerm_network_interface_backend_address_pool_association",
                json!({"id": "association", "network_interface_id": id("networkInterfaces", "nic2"),
                    "ip_configuration_name": "ipconfig", "backend_address_pool_id": format!("{lb_id}/backendAddressPools/pool")}),
                "LoadBalancerBackendsInDifferentVirtualNetworks",
            ),
        ];
        for (resource_type, attrs, code) in cases {
            let refused = write(&sim, resource_type, attrs.clone(), false).err();
            assert_eq!(
                refused.as_ref().map(|e| e.code.as_str()),
                Some(code),
                "{resource_type} {attrs}: {refused:?}"
            );
        }
        let resized = with(gateway("gw1", "v1", &["pip1"]), json!({"sku": "VpnGw2"}));
        let refused = write(&sim, "azurerm_virtual_network_gateway", resized, true).unwrap_err();
        assert_eq!(refused.code, "InvalidGatewaySkuResize");
    }
}
