# Two branch offices over IPsec site-to-site tunnels with BGP and a custom IPsec
# policy, the branches described in a list of objects.

variable "branches" {
  type = list(object({
    name            = string
    gateway_address = string
    address_space   = list(string)
    asn             = number
    bgp_peer        = string
  }))
  default = [
    { name = "paris", gateway_address = "198.51.100.10", address_space = ["192.168.10.0/24"], asn = 65101, bgp_peer = "192.168.10.254" },
    { name = "lyon", gateway_address = "198.51.100.20", address_space = ["192.168.20.0/24"], asn = 65102, bgp_peer = "192.168.20.254" },
  ]
}

variable "branch_psk" {
  type      = string
  sensitive = true
  default   = "Branch-Psk-2026"
}

resource "azurerm_resource_group" "vpn" {
  name     = "rg-branch-vpn"
  location = "francecentral"
}

resource "azurerm_virtual_network" "core" {
  name                = "vnet-core"
  location            = azurerm_resource_group.vpn.location
  resource_group_name = azurerm_resource_group.vpn.name
  address_space       = ["10.150.0.0/16"]
}

resource "azurerm_subnet" "gateway" {
  name                 = "GatewaySubnet"
  resource_group_name  = azurerm_resource_group.vpn.name
  virtual_network_name = azurerm_virtual_network.core.name
  address_prefixes     = ["10.150.255.0/26"]
}

resource "azurerm_public_ip" "gateway" {
  name                = "pip-vgw-core"
  location            = azurerm_resource_group.vpn.location
  resource_group_name = azurerm_resource_group.vpn.name
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = ["1", "2", "3"]
}

resource "azurerm_virtual_network_gateway" "core" {
  name                = "vgw-core"
  location            = azurerm_resource_group.vpn.location
  resource_group_name = azurerm_resource_group.vpn.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw2AZ"
  generation          = "Generation2"
  bgp_enabled         = true

  bgp_settings {
    asn = 65515
  }

  ip_configuration {
    name                 = "default"
    public_ip_address_id = azurerm_public_ip.gateway.id
    subnet_id            = azurerm_subnet.gateway.id
  }
}

resource "azurerm_local_network_gateway" "branch" {
  for_each            = { for b in var.branches : b.name => b }
  name                = "lgw-${each.key}"
  location            = azurerm_resource_group.vpn.location
  resource_group_name = azurerm_resource_group.vpn.name
  gateway_address     = each.value.gateway_address
  address_space       = each.value.address_space

  bgp_settings {
    asn                 = each.value.asn
    bgp_peering_address = each.value.bgp_peer
  }
}

resource "azurerm_virtual_network_gateway_connection" "branch" {
  for_each                   = azurerm_local_network_gateway.branch
  name                       = "cn-core-to-${each.key}"
  location                   = azurerm_resource_group.vpn.location
  resource_group_name        = azurerm_resource_group.vpn.name
  type                       = "IPsec"
  virtual_network_gateway_id = azurerm_virtual_network_gateway.core.id
  local_network_gateway_id   = each.value.id
  shared_key                 = var.branch_psk
  bgp_enabled                = true

  ipsec_policy {
    dh_group         = "DHGroup24"
    ike_encryption   = "AES256"
    ike_integrity    = "SHA384"
    ipsec_encryption = "AES256"
    ipsec_integrity  = "SHA256"
    pfs_group        = "PFS24"
    sa_lifetime      = 3600
  }
}

output "branch_connections" {
  value = { for name, c in azurerm_virtual_network_gateway_connection.branch : name => c.id }
}
