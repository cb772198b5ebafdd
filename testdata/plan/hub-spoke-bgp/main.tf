# Hub and spokes with BGP on every gateway and connection: the spokes reach each other
# through the hub (transit), as the plan's reachability section shows.
locals {
  networks = {
    hub     = { space = "10.0.0.0/16", asn = 65010 }
    spoke_a = { space = "10.1.0.0/16", asn = 65011 }
    spoke_b = { space = "10.2.0.0/16", asn = 65012 }
  }
  spokes = toset(["spoke_a", "spoke_b"])
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-hub-bgp"
  location = "westeurope"
}

resource "azurerm_virtual_network" "net" {
  for_each            = local.networks
  name                = "vnet-${each.key}"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = [each.value.space]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = [cidrsubnet(each.value.space, 11, 2047)]
  }
}

resource "azurerm_public_ip" "gw" {
  for_each            = local.networks
  name                = "pip-${each.key}"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  sku                 = "Standard"
  allocation_method   = "Static"
}

resource "azurerm_virtual_network_gateway" "gw" {
  for_each            = local.networks
  name                = "vgw-${each.key}"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"
  bgp_enabled         = true

  bgp_settings {
    asn = each.value.asn
  }

  ip_configuration {
    subnet_id            = "${azurerm_virtual_network.net[each.key].id}/subnets/GatewaySubnet"
    public_ip_address_id = azurerm_public_ip.gw[each.key].id
  }
}

resource "azurerm_virtual_network_gateway_connection" "hub_to_spoke" {
  for_each                        = local.spokes
  name                            = "hub-to-${each.key}"
  location                        = azurerm_resource_group.rg.location
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.gw["hub"].id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.gw[each.key].id
  shared_key                      = "hub${each.key}Key1"
  bgp_enabled                     = true
}

resource "azurerm_virtual_network_gateway_connection" "spoke_to_hub" {
  for_each                        = local.spokes
  name                            = "${each.key}-to-hub"
  location                        = azurerm_resource_group.rg.location
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.gw[each.key].id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.gw["hub"].id
  shared_key                      = "hub${each.key}Key1"
  bgp_enabled                     = true
}
