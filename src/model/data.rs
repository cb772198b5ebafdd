//! The azurerm data sources: lookups of existing objects by their identifying arguments.
//!
//! Each lookup names a managed resource type whose deterministic ARM id the arguments form,
//! so a data source is read through the same backend read as a refresh.

use super::schema::{Attr, Block, IdShape, ResourceSchema, Ty};

/// A data source type.
#[derive(Debug, Clone, Copy)]
pub struct DataSchema {
    pub schema: ResourceSchema,
    /// The managed type whose object is read, or `None` when the data comes from the
    /// provider configuration itself (`azurerm_client_config`).
    pub reads: Option<&'static str>,
}

const fn computed(name: &'static str, ty: Ty) -> Attr {
    Attr::computed(name, ty)
}

const NAME: Attr = Attr::required("name", Ty::String);
const RESOURCE_GROUP_NAME: Attr = Attr::required("resource_group_name", Ty::String);
const ID: Attr = computed("id", Ty::String);
const LOCATION: Attr = computed("location", Ty::String);
const TAGS: Attr = computed("tags", Ty::Map);
const TIMEOUTS: Block =
    Block::new("timeouts", &[Attr::optional("read", Ty::String)], &[]).items(0, 1);

const fn lookup(type_name: &'static str, id_shape: IdShape, attrs: &'static [Attr]) -> DataSchema {
    DataSchema {
        schema: ResourceSchema {
            type_name,
            id_shape,
            body: Block::new("", attrs, &[TIMEOUTS]),
        },
        reads: Some(type_name),
    }
}

/// Every data source the tool reads, sorted by name.
pub const DATA_SCHEMAS: &[DataSchema] = &[
    DataSchema {
        schema: ResourceSchema {
            type_name: "azurerm_client_config",
            id_shape: IdShape::ResourceGroup,
            body: Block::new(
                "",
                &[
                    computed("client_id", Ty::String),
                    computed("tenant_id", Ty::String),
                    computed("subscription_id", Ty::String),
                    computed("object_id", Ty::String),
                    ID,
                ],
                &[TIMEOUTS],
            ),
        },
        reads: None,
    },
    lookup(
        "azurerm_local_network_gateway",
        IdShape::Provider("Microsoft.Network/localNetworkGateways"),
        &[
            NAME,
            RESOURCE_GROUP_NAME,
            ID,
            LOCATION,
            computed("gateway_address", Ty::String),
            computed("gateway_fqdn", Ty::String),
            computed("address_space", Ty::List),
            computed("bgp_settings", Ty::List),
            TAGS,
        ],
    ),
    lookup(
        "azurerm_public_ip",
        IdShape::Provider("Microsoft.Network/publicIPAddresses"),
        &[
            NAME,
            RESOURCE_GROUP_NAME,
            ID,
            LOCATION,
            computed("ip_address", Ty::String),
            computed("fqdn", Ty::String),
            computed("sku", Ty::String),
            computed("allocation_method", Ty::String),
            computed("ip_version", Ty::String),
            computed("zones", Ty::List),
            computed("domain_name_label", Ty::String),
            computed("idle_timeout_in_minutes", Ty::Number),
            TAGS,
        ],
    ),
    lookup(
        "azurerm_resource_group",
        IdShape::ResourceGroup,
        &[NAME, ID, LOCATION, computed("managed_by", Ty::String), TAGS],
    ),
    lookup(
        "azurerm_subnet",
        IdShape::VnetChild("subnets"),
        &[
            NAME,
            Attr::required("virtual_network_name", Ty::String),
            RESOURCE_GROUP_NAME,
            ID,
            computed("address_prefixes", Ty::List),
            computed("default_outbound_access_enabled", Ty::Bool),
            computed("private_endpoint_network_policies", Ty::String),
            computed("private_link_service_network_policies_enabled", Ty::Bool),
            computed("service_endpoints", Ty::List),
        ],
    ),
    lookup(
        "azurerm_virtual_network",
        IdShape::Provider("Microsoft.Network/virtualNetworks"),
        &[
            NAME,
            RESOURCE_GROUP_NAME,
            ID,
            LOCATION,
            computed("address_space", Ty::List),
            computed("dns_servers", Ty::List),
            computed("guid", Ty::String),
            TAGS,
        ],
    ),
    lookup(
        "azurerm_virtual_network_gateway",
        IdShape::Provider("Microsoft.Network/virtualNetworkGateways"),
        &[
            NAME,
            RESOURCE_GROUP_NAME,
            ID,
            LOCATION,
            computed("type", Ty::String),
            computed("vpn_type", Ty::String),
            computed("sku", Ty::String),
            computed("generation", Ty::String),
            computed("active_active", Ty::Bool),
            computed("bgp_enabled", Ty::Bool),
            computed("ip_configuration", Ty::List),
            computed("bgp_settings", Ty::List),
            TAGS,
        ],
    ),
];
