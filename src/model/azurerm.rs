//! The azurerm resource schemas: argument names, defaults and replace-on-change rules
//! (see docs/resources.md; source: the azurerm provider's resource definitions).

use super::schema::{Attr, Block, Convert, IdShape, Renamed, ResourceSchema, Ty};

const ADDRESS_PREFIX: Renamed = Renamed::new("address_prefix", "address_prefixes", Convert::ToList);
const ENABLE_BGP: Renamed = Renamed::new("enable_bgp", "bgp_enabled", Convert::Same);

const NAME: Attr = Attr::required("name", Ty::String).force_new();
const RESOURCE_GROUP_NAME: Attr = Attr::required("resource_group_name", Ty::String).force_new();
const LOCATION: Attr = Attr::required("location", Ty::Location).force_new();
const TAGS: Attr = Attr::optional("tags", Ty::Map);
const ID: Attr = Attr::computed("id", Ty::String);

/// `timeouts {}` is accepted everywhere, as in azurerm; the tool has no deadlines of its own.
const TIMEOUTS: Block = Block::new(
    "timeouts",
    &[
        Attr::optional("create", Ty::String),
        Attr::optional("read", Ty::String),
        Attr::optional("update", Ty::String),
        Attr::optional("delete", Ty::String),
    ],
    &[],
)
.items(0, 1);

const RESOURCE_GROUP: ResourceSchema = ResourceSchema {
    type_name: "azurerm_resource_group",
    id_shape: IdShape::ResourceGroup,
    body: Block::new(
        "",
        &[
            NAME,
            LOCATION,
            Attr::optional("managed_by", Ty::String),
            TAGS,
            ID,
        ],
        &[TIMEOUTS],
    ),
};

const INLINE_SUBNET: Block = Block::new(
    "subnet",
    &[
        Attr::required("name", Ty::String),
        Attr::required("address_prefixes", Ty::List),
        Attr::optional("security_group", Ty::String),
        Attr::optional("route_table_id", Ty::String),
        Attr::optional("default_outbound_access_enabled", Ty::Bool).default_bool(true),
        Attr::optional("private_endpoint_network_policies", Ty::String).default_str("Disabled"),
        Attr::optional("private_link_service_network_policies_enabled", Ty::Bool)
            .default_bool(true),
        Attr::optional("service_endpoints", Ty::Set),
        Attr::optional("service_endpoint_policy_ids", Ty::Set),
        Attr::computed("id", Ty::String),
    ],
    &[],
)
.set()
.optional_computed()
.renamed(&[ADDRESS_PREFIX]);

const VIRTUAL_NETWORK: ResourceSchema = ResourceSchema {
    type_name: "azurerm_virtual_network",
    id_shape: IdShape::Provider("Microsoft.Network/virtualNetworks"),
    body: Block::new(
        "",
        &[
            NAME,
            RESOURCE_GROUP_NAME,
            LOCATION,
            Attr::optional("address_space", Ty::Set),
            Attr::optional_computed("dns_servers", Ty::List),
            Attr::optional("bgp_community", Ty::String),
            Attr::optional("edge_zone", Ty::String).force_new(),
            Attr::optional("flow_timeout_in_minutes", Ty::Number),
            Attr::optional("private_endpoint_vnet_policies", Ty::String).default_str("Disabled"),
            TAGS,
            ID,
            Attr::computed("guid", Ty::String),
        ],
        &[
            INLINE_SUBNET,
            Block::new(
                "ddos_protection_plan",
                &[
                    Attr::required("id", Ty::String),
                    Attr::required("enable", Ty::Bool),
                ],
                &[],
            )
            .items(0, 1),
            Block::new(
                "encryption",
                &[Attr::required("enforcement", Ty::String)],
                &[],
            )
            .items(0, 1),
            TIMEOUTS,
        ],
    ),
};

const SUBNET: ResourceSchema = ResourceSchema {
    type_name: "azurerm_subnet",
    id_shape: IdShape::VnetChild("subnets"),
    body: Block::new(
        "",
        &[
            NAME,
            RESOURCE_GROUP_NAME,
            Attr::required("virtual_network_name", Ty::String).force_new(),
            Attr::required("address_prefixes", Ty::List),
            Attr::optional("default_outbound_access_enabled", Ty::Bool).default_bool(true),
            Attr::optional("sharing_scope", Ty::String),
            Attr::optional("private_endpoint_network_policies", Ty::String).default_str("Disabled"),
            Attr::optional("private_link_service_network_policies_enabled", Ty::Bool)
                .default_bool(true),
            Attr::optional("service_endpoints", Ty::Set),
            Attr::optional("service_endpoint_policy_ids", Ty::Set),
            ID,
        ],
        &[
            Block::new(
                "delegation",
                &[Attr::required("name", Ty::String)],
                &[Block::new(
                    "service_delegation",
                    &[
                        Attr::required("name", Ty::String),
                        Attr::optional("actions", Ty::Set),
                    ],
                    &[],
                )
                .items(1, 1)],
            ),
            TIMEOUTS,
        ],
    )
    .renamed(&[
        ADDRESS_PREFIX,
        Renamed::new(
            "enforce_private_link_endpoint_network_policies",
            "private_endpoint_network_policies",
            Convert::DisabledEnabled,
        ),
        Renamed::new(
            "private_endpoint_network_policies_enabled",
            "private_endpoint_network_policies",
            Convert::EnabledDisabled,
        ),
        Renamed::new(
            "enforce_private_link_service_network_policies",
            "private_link_service_network_policies_enabled",
            Convert::Not,
        ),
    ]),
};

const PUBLIC_IP: ResourceSchema = ResourceSchema {
    type_name: "azurerm_public_ip",
    id_shape: IdShape::Provider("Microsoft.Network/publicIPAddresses"),
    body: Block::new(
        "",
        &[
            NAME,
            RESOURCE_GROUP_NAME,
            LOCATION,
            Attr::required("allocation_method", Ty::String),
            Attr::optional("sku", Ty::String)
                .default_str("Standard")
                .force_new(),
            Attr::optional("sku_tier", Ty::String)
                .default_str("Regional")
                .force_new(),
            Attr::optional("zones", Ty::Set).force_new(),
            Attr::optional("ip_version", Ty::String)
                .default_str("IPv4")
                .force_new(),
            Attr::optional("idle_timeout_in_minutes", Ty::Number).default_int(4),
            Attr::optional("domain_name_label", Ty::String),
            Attr::optional("domain_name_label_scope", Ty::String).force_new(),
            Attr::optional("reverse_fqdn", Ty::String),
            Attr::optional("public_ip_prefix_id", Ty::String).force_new(),
            Attr::optional("ip_tags", Ty::Map).force_new(),
            Attr::optional("ddos_protection_mode", Ty::String)
                .default_str("VirtualNetworkInherited"),
            Attr::optional("ddos_protection_plan_id", Ty::String),
            Attr::optional("edge_zone", Ty::String).force_new(),
            TAGS,
            ID,
            Attr::computed("ip_address", Ty::String),
            Attr::computed("fqdn", Ty::String),
        ],
        &[TIMEOUTS],
    )
    .renamed(&[Renamed::new(
        "public_ip_address_allocation",
        "allocation_method",
        Convert::Same,
    )]),
};

const GATEWAY_IP_CONFIGURATION: Block = Block::new(
    "ip_configuration",
    &[
        Attr::optional("name", Ty::String).default_str("vnetGatewayConfig"),
        Attr::optional("private_ip_address_allocation", Ty::String).default_str("Dynamic"),
        Attr::required("subnet_id", Ty::String),
        Attr::optional("public_ip_address_id", Ty::String),
    ],
    &[],
)
.items(1, 3)
.force_new();

const GATEWAY_BGP_SETTINGS: Block = Block::new(
    "bgp_settings",
    &[
        Attr::optional_computed("asn", Ty::Number),
        Attr::optional_computed("peer_weight", Ty::Number),
    ],
    &[Block::new(
        "peering_addresses",
        &[
            Attr::optional_computed("ip_configuration_name", Ty::String),
            Attr::optional("apipa_addresses", Ty::List),
            Attr::computed("default_addresses", Ty::List),
            Attr::computed("tunnel_ip_addresses", Ty::List),
        ],
        &[],
    )
    .items(0, 2)
    .optional_computed()],
)
.items(0, 1)
.optional_computed();

const VIRTUAL_NETWORK_GATEWAY: ResourceSchema = ResourceSchema {
    type_name: "azurerm_virtual_network_gateway",
    id_shape: IdShape::Provider("Microsoft.Network/virtualNetworkGateways"),
    body: Block::new(
        "",
        &[
            NAME,
            RESOURCE_GROUP_NAME,
            LOCATION,
            Attr::required("type", Ty::String).force_new(),
            Attr::optional("vpn_type", Ty::String)
                .default_str("RouteBased")
                .force_new(),
            Attr::required("sku", Ty::String),
            Attr::optional_computed("generation", Ty::String).force_new(),
            Attr::optional_computed("active_active", Ty::Bool),
            Attr::optional("bgp_enabled", Ty::Bool).default_bool(false),
            Attr::optional("private_ip_address_enabled", Ty::Bool).force_new(),
            Attr::optional("edge_zone", Ty::String).force_new(),
            Attr::optional("default_local_network_gateway_id", Ty::String),
            Attr::optional("bgp_route_translation_for_nat_enabled", Ty::Bool).default_bool(false),
            Attr::optional("dns_forwarding_enabled", Ty::Bool),
            Attr::optional("ip_sec_replay_protection_enabled", Ty::Bool).default_bool(true),
            Attr::optional("remote_vnet_traffic_enabled", Ty::Bool).default_bool(false),
            Attr::optional("virtual_wan_traffic_enabled", Ty::Bool).default_bool(false),
            TAGS,
            ID,
        ],
        &[
            GATEWAY_IP_CONFIGURATION,
            GATEWAY_BGP_SETTINGS,
            Block::new(
                "custom_route",
                &[Attr::optional("address_prefixes", Ty::Set)],
                &[],
            )
            .items(0, 1),
            TIMEOUTS,
        ],
    )
    .renamed(&[ENABLE_BGP]),
};

const LOCAL_NETWORK_GATEWAY: ResourceSchema = ResourceSchema {
    type_name: "azurerm_local_network_gateway",
    id_shape: IdShape::Provider("Microsoft.Network/localNetworkGateways"),
    body: Block::new(
        "",
        &[
            NAME,
            RESOURCE_GROUP_NAME,
            LOCATION,
            Attr::optional("gateway_address", Ty::String),
            Attr::optional("gateway_fqdn", Ty::String),
            Attr::optional("address_space", Ty::List),
            TAGS,
            ID,
        ],
        &[
            Block::new(
                "bgp_settings",
                &[
                    Attr::required("asn", Ty::Number),
                    Attr::required("bgp_peering_address", Ty::String),
                    Attr::optional("peer_weight", Ty::Number),
                ],
                &[],
            )
            .items(0, 1),
            TIMEOUTS,
        ],
    ),
};

const VIRTUAL_NETWORK_PEERING: ResourceSchema = ResourceSchema {
    type_name: "azurerm_virtual_network_peering",
    id_shape: IdShape::VnetChild("virtualNetworkPeerings"),
    body: Block::new(
        "",
        &[
            NAME,
            RESOURCE_GROUP_NAME,
            Attr::required("virtual_network_name", Ty::String).force_new(),
            Attr::required("remote_virtual_network_id", Ty::String).force_new(),
            Attr::optional("allow_virtual_network_access", Ty::Bool).default_bool(true),
            Attr::optional("allow_forwarded_traffic", Ty::Bool).default_bool(false),
            Attr::optional("allow_gateway_transit", Ty::Bool).default_bool(false),
            Attr::optional("use_remote_gateways", Ty::Bool).default_bool(false),
            ID,
        ],
        &[TIMEOUTS],
    ),
};

const CONNECTION: ResourceSchema = ResourceSchema {
    type_name: "azurerm_virtual_network_gateway_connection",
    id_shape: IdShape::Provider("Microsoft.Network/connections"),
    body: Block::new(
        "",
        &[
            NAME,
            RESOURCE_GROUP_NAME,
            LOCATION,
            Attr::required("type", Ty::String).force_new(),
            Attr::required("virtual_network_gateway_id", Ty::String).force_new(),
            Attr::optional("peer_virtual_network_gateway_id", Ty::String).force_new(),
            Attr::optional("local_network_gateway_id", Ty::String),
            Attr::optional("express_route_circuit_id", Ty::String).force_new(),
            Attr::optional("authorization_key", Ty::String).sensitive(),
            Attr::optional_computed("shared_key", Ty::String).sensitive(),
            Attr::optional("bgp_enabled", Ty::Bool).default_bool(false),
            Attr::optional_computed("connection_protocol", Ty::String).force_new(),
            Attr::optional("connection_mode", Ty::String)
                .default_str("Default")
                .force_new(),
            Attr::optional_computed("dpd_timeout_seconds", Ty::Number).force_new(),
            Attr::optional_computed("routing_weight", Ty::Number),
            Attr::optional_computed("use_policy_based_traffic_selectors", Ty::Bool),
            Attr::optional("local_azure_ip_address_enabled", Ty::Bool).force_new(),
            Attr::optional_computed("express_route_gateway_bypass", Ty::Bool),
            Attr::optional("private_link_fast_path_enabled", Ty::Bool).default_bool(false),
            Attr::optional("egress_nat_rule_ids", Ty::Set),
            Attr::optional("ingress_nat_rule_ids", Ty::Set),
            Attr::computed("connection_status", Ty::String),
            TAGS,
            ID,
        ],
        &[
            Block::new(
                "ipsec_policy",
                &[
                    Attr::required("dh_group", Ty::String),
                    Attr::required("ike_encryption", Ty::String),
                    Attr::required("ike_integrity", Ty::String),
                    Attr::required("ipsec_encryption", Ty::String),
                    Attr::required("ipsec_integrity", Ty::String),
                    Attr::required("pfs_group", Ty::String),
                    Attr::optional_computed("sa_datasize", Ty::Number),
                    Attr::optional_computed("sa_lifetime", Ty::Number),
                ],
                &[],
            )
            .items(0, 1),
            Block::new(
                "traffic_selector_policy",
                &[
                    Attr::required("local_address_cidrs", Ty::List),
                    Attr::required("remote_address_cidrs", Ty::List),
                ],
                &[],
            ),
            Block::new(
                "custom_bgp_addresses",
                &[
                    Attr::required("primary", Ty::String),
                    Attr::optional("secondary", Ty::String),
                ],
                &[],
            )
            .items(0, 1),
            TIMEOUTS,
        ],
    )
    .renamed(&[ENABLE_BGP]),
};

const NETWORK_INTERFACE: ResourceSchema = ResourceSchema {
    type_name: "azurerm_network_interface",
    id_shape: IdShape::Provider("Microsoft.Network/networkInterfaces"),
    body: Block::new(
        "",
        &[
            NAME,
            RESOURCE_GROUP_NAME,
            LOCATION,
            Attr::optional("dns_servers", Ty::List),
            Attr::optional("ip_forwarding_enabled", Ty::Bool).default_bool(false),
            Attr::optional("accelerated_networking_enabled", Ty::Bool).default_bool(false),
            Attr::optional("internal_dns_name_label", Ty::String),
            Attr::optional("edge_zone", Ty::String).force_new(),
            Attr::optional("auxiliary_mode", Ty::String),
            Attr::optional("auxiliary_sku", Ty::String),
            TAGS,
            ID,
            Attr::computed("mac_address", Ty::String),
            Attr::computed("private_ip_address", Ty::String),
            Attr::computed("private_ip_addresses", Ty::List),
            Attr::computed("virtual_machine_id", Ty::String),
            Attr::computed("applied_dns_servers", Ty::List),
            Attr::computed("internal_domain_name_suffix", Ty::String),
        ],
        &[
            Block::new(
                "ip_configuration",
                &[
                    Attr::required("name", Ty::String),
                    Attr::optional("subnet_id", Ty::String),
                    Attr::required("private_ip_address_allocation", Ty::String),
                    Attr::optional_computed("private_ip_address", Ty::String),
                    Attr::optional("private_ip_address_version", Ty::String).default_str("IPv4"),
                    Attr::optional("public_ip_address_id", Ty::String),
                    Attr::optional_computed("primary", Ty::Bool),
                    Attr::optional(
                        "gateway_load_balancer_frontend_ip_configuration_id",
                        Ty::String,
                    ),
                ],
                &[],
            )
            .items(1, 0),
            TIMEOUTS,
        ],
    )
    .renamed(&[
        Renamed::new(
            "enable_ip_forwarding",
            "ip_forwarding_enabled",
            Convert::Same,
        ),
        Renamed::new(
            "enable_accelerated_networking",
            "accelerated_networking_enabled",
            Convert::Same,
        ),
    ]),
};

const LOAD_BALANCER: ResourceSchema = ResourceSchema {
    type_name: "azurerm_lb",
    id_shape: IdShape::Provider("Microsoft.Network/loadBalancers"),
    body: Block::new(
        "",
        &[
            NAME,
            RESOURCE_GROUP_NAME,
            LOCATION,
            Attr::optional("sku", Ty::String)
                .default_str("Standard")
                .force_new(),
            Attr::optional("sku_tier", Ty::String)
                .default_str("Regional")
                .force_new(),
            Attr::optional("edge_zone", Ty::String).force_new(),
            TAGS,
            ID,
            Attr::computed("private_ip_address", Ty::String),
            Attr::computed("private_ip_addresses", Ty::List),
        ],
        &[
            Block::new(
                "frontend_ip_configuration",
                &[
                    Attr::required("name", Ty::String),
                    Attr::optional("zones", Ty::Set).force_new(),
                    Attr::optional("subnet_id", Ty::String),
                    Attr::optional_computed("private_ip_address", Ty::String),
                    Attr::optional_computed("private_ip_address_allocation", Ty::String),
                    Attr::optional_computed("private_ip_address_version", Ty::String),
                    Attr::optional("public_ip_address_id", Ty::String),
                    Attr::optional("public_ip_prefix_id", Ty::String),
                    Attr::optional(
                        "gateway_load_balancer_frontend_ip_configuration_id",
                        Ty::String,
                    ),
                    Attr::computed("id", Ty::String),
                ],
                &[],
            ),
            TIMEOUTS,
        ],
    ),
};

const LB_BACKEND_ADDRESS_POOL: ResourceSchema = ResourceSchema {
    type_name: "azurerm_lb_backend_address_pool",
    id_shape: IdShape::Child {
        parent: "loadbalancer_id",
        kind: "backendAddressPools",
    },
    body: Block::new(
        "",
        &[
            NAME,
            Attr::required("loadbalancer_id", Ty::String).force_new(),
            Attr::optional("virtual_network_id", Ty::String),
            Attr::optional("synchronous_mode", Ty::String),
            ID,
            Attr::computed("backend_ip_configurations", Ty::List),
            Attr::computed("inbound_nat_rules", Ty::List),
            Attr::computed("load_balancing_rules", Ty::List),
            Attr::computed("outbound_rules", Ty::List),
        ],
        &[TIMEOUTS],
    ),
};

const NIC_BACKEND_POOL_ASSOCIATION: ResourceSchema = ResourceSchema {
    type_name: "azurerm_network_interface_backend_address_pool_association",
    id_shape: IdShape::PoolAssociation,
    body: Block::new(
        "",
        &[
            Attr::required("network_interface_id", Ty::String).force_new(),
            Attr::required("ip_configuration_name", Ty::String).force_new(),
            Attr::required("backend_address_pool_id", Ty::String).force_new(),
            ID,
        ],
        &[TIMEOUTS],
    ),
};

const LINUX_VIRTUAL_MACHINE: ResourceSchema = ResourceSchema {
    type_name: "azurerm_linux_virtual_machine",
    id_shape: IdShape::Provider("Microsoft.Compute/virtualMachines"),
    body: Block::new(
        "",
        &[
            NAME,
            RESOURCE_GROUP_NAME,
            LOCATION,
            Attr::required("size", Ty::String),
            Attr::required("network_interface_ids", Ty::List),
            Attr::optional("admin_username", Ty::String).force_new(),
            Attr::optional("admin_password", Ty::String)
                .force_new()
                .sensitive(),
            Attr::optional("disable_password_authentication", Ty::Bool)
                .default_bool(true)
                .force_new(),
            Attr::optional_computed("computer_name", Ty::String).force_new(),
            Attr::optional("custom_data", Ty::String)
                .force_new()
                .sensitive(),
            Attr::optional("zone", Ty::String).force_new(),
            Attr::optional("priority", Ty::String)
                .default_str("Regular")
                .force_new(),
            Attr::optional("provision_vm_agent", Ty::Bool)
                .default_bool(true)
                .force_new(),
            Attr::optional("allow_extension_operations", Ty::Bool).default_bool(true),
            Attr::optional("license_type", Ty::String),
            Attr::optional("availability_set_id", Ty::String).force_new(),
            Attr::optional("source_image_id", Ty::String).force_new(),
            TAGS,
            ID,
            Attr::computed("private_ip_address", Ty::String),
            Attr::computed("private_ip_addresses", Ty::List),
            Attr::computed("public_ip_address", Ty::String),
            Attr::computed("public_ip_addresses", Ty::List),
            Attr::computed("virtual_machine_id", Ty::String),
        ],
        &[
            Block::new(
                "os_disk",
                &[
                    Attr::required("caching", Ty::String),
                    Attr::required("storage_account_type", Ty::String),
                    Attr::optional_computed("disk_size_gb", Ty::Number),
                    Attr::optional_computed("name", Ty::String).force_new(),
                    Attr::optional("write_accelerator_enabled", Ty::Bool).default_bool(false),
                ],
                &[],
            )
            .items(1, 1),
            Block::new(
                "source_image_reference",
                &[
                    Attr::required("publisher", Ty::String),
                    Attr::required("offer", Ty::String),
                    Attr::required("sku", Ty::String),
                    Attr::required("version", Ty::String),
                ],
                &[],
            )
            .items(0, 1)
            .force_new(),
            Block::new(
                "admin_ssh_key",
                &[
                    Attr::required("username", Ty::String),
                    Attr::required("public_key", Ty::String),
                ],
                &[],
            )
            .set()
            .force_new(),
            Block::new(
                "boot_diagnostics",
                &[Attr::optional("storage_account_uri", Ty::String)],
                &[],
            )
            .items(0, 1),
            TIMEOUTS,
        ],
    ),
};

/// Every resource type the tool models, sorted by name.
pub const RESOURCE_SCHEMAS: &[ResourceSchema] = &[
    LOAD_BALANCER,
    LB_BACKEND_ADDRESS_POOL,
    LINUX_VIRTUAL_MACHINE,
    LOCAL_NETWORK_GATEWAY,
    NETWORK_INTERFACE,
    NIC_BACKEND_POOL_ASSOCIATION,
    PUBLIC_IP,
    RESOURCE_GROUP,
    SUBNET,
    VIRTUAL_NETWORK,
    VIRTUAL_NETWORK_GATEWAY,
    CONNECTION,
    VIRTUAL_NETWORK_PEERING,
];

/// Defaults that changed with azurerm 4.0: (resource type, argument, value before 4.0).
pub const DEFAULTS_BEFORE_4: &[(&str, &str, &str)] = &[
    ("azurerm_public_ip", "sku", "Basic"),
    ("azurerm_lb", "sku", "Basic"),
];
