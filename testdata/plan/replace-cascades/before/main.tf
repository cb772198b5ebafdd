# Replacing a gateway replaces the connections that use it: Azure refuses to delete a
# gateway while a connection refers to it.
locals {
  sites = { west = "10.1.0.0/16", north = "10.2.0.0/16" }
  peer  = { west = "north", north = "west" }
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-cascade"
  location = "westeurope"
}

resource "azurerm_virtual_network" "net" {
  for_each            = local.sites
  name                = "vnet-${each.key}"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = [each.value]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = [cidrsubnet(each.value, 11, 2047)]
  }
}

resource "azurerm_public_ip" "gw" {
  for_each            = local.sites
  name                = "pip-${each.key}"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  sku                 = "Standard"
  allocation_method   = "Static"
}

resource "azurerm_virtual_network_gateway" "gw" {
  for_each            = local.sites
  name                = "vgw-${each.key}"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    subnet_id            = "${azurerm_virtual_network.net[each.key].id}/subnets/GatewaySubnet"
    public_ip_address_id = azurerm_public_ip.gw[each.key].id
  }
}

resource "azurerm_virtual_network_gateway_connection" "link" {
  for_each                        = local.peer
  name                            = "${each.key}-to-${each.value}"
  location                        = azurerm_resource_group.rg.location
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.gw[each.key].id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.gw[each.value].id
  shared_key                      = "CascadeKey2026"
}
