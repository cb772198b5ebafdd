variable "key_a" {
  default = "KeyOne"
}

resource "azurerm_resource_group" "rg" {
  name     = "cn-rules-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  count               = 4
  name                = "vnet-${count.index}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.${count.index}.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.${count.index}.255.0/28"]
  }
}

resource "azurerm_public_ip" "p" {
  count               = 4
  name                = "pip-${count.index}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "g" {
  count               = 2
  name                = "vgw-${count.index}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.p[count.index].id
    subnet_id            = "${azurerm_virtual_network.v[count.index].id}/subnets/GatewaySubnet" # WARNING: GatewaySubnet smaller than /27
  }
}

resource "azurerm_virtual_network_gateway_connection" "forward" {
  name                            = "forward"
  location                        = "westeurope"
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.g[0].id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.g[1].id
  shared_key                      = var.key_a # ERROR: Different shared keys on the two directions of a link
}

resource "azurerm_virtual_network_gateway_connection" "reverse" {
  name                            = "reverse"
  location                        = "westeurope"
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.g[1].id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.g[0].id
  shared_key                      = "Key-Two" # WARNING: Shared key with characters Azure documents as unsupported
}

resource "azurerm_virtual_network_gateway" "policy" {
  name                = "vgw-policy"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "PolicyBased"
  sku                 = "VpnGw2AZ" # ERROR: PolicyBased gateway with a SKU other than Basic
  generation          = "Generation1"
  bgp_enabled         = true # ERROR: BGP on a gateway that cannot run it
  active_active       = true # ERROR: Active-active gateway without two IP configurations

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.p[2].id
    subnet_id            = "${azurerm_virtual_network.v[2].id}/subnets/GatewaySubnet" # WARNING: GatewaySubnet smaller than /27
  }
}

resource "azurerm_virtual_network_gateway" "gen" {
  name                = "vgw-gen"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw4AZ"
  generation          = "Generation1" # ERROR: Gateway SKU not available in this generation

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.p[3].id
    subnet_id            = "${azurerm_virtual_network.v[3].id}/subnets/GatewaySubnet" # WARNING: GatewaySubnet smaller than /27
  }
}

resource "azurerm_local_network_gateway" "office" {
  name                = "lgw-office"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  gateway_address     = "203.0.113.9"
  address_space       = ["192.168.9.0/24"]
}

resource "azurerm_virtual_network_gateway_connection" "office" {
  name                            = "office"
  location                        = "northeurope" # ERROR: Connection in another region than its gateway
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "IPsec"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.g[0].id
  local_network_gateway_id        = azurerm_local_network_gateway.office.id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.g[1].id # ERROR: Connection peer does not match its type
  shared_key                      = "${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}${var.key_a}" # ERROR: Shared key length out of range
}
