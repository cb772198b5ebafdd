resource "azurerm_resource_group" "rg" {
  name     = "bgp-rules-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  count               = 2
  name                = "vnet-${count.index}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.${count.index}.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.${count.index}.255.0/27"]
  }
}

resource "azurerm_public_ip" "p" {
  count               = 2
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
  bgp_enabled         = true

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.p[count.index].id
    subnet_id            = "${azurerm_virtual_network.v[count.index].id}/subnets/GatewaySubnet"
  }
}

resource "azurerm_virtual_network_gateway_connection" "there" {
  name                            = "there"
  location                        = "westeurope"
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.g[0].id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.g[1].id
  shared_key                      = "SameKey"
  bgp_enabled                     = true # ERROR: Same ASN on both ends of a BGP link
}

resource "azurerm_virtual_network_gateway_connection" "back" {
  name                            = "back"
  location                        = "westeurope"
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.g[1].id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.g[0].id
  shared_key                      = "SameKey"
  bgp_enabled                     = true # ERROR: Same ASN on both ends of a BGP link
}

resource "azurerm_local_network_gateway" "onprem" {
  name                = "lgw-onprem"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  gateway_address     = "203.0.113.7"
  address_space       = ["192.168.0.0/24"]

  bgp_settings {
    asn                 = 65515 # ERROR: Reserved BGP ASN
    bgp_peering_address = "192.168.0.254"
  }
}
