resource "azurerm_resource_group" "rg" {
  name     = "transit-rules-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "hub" {
  name                = "vnet-hub"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.0.255.0/27"]
  }
}

resource "azurerm_public_ip" "hub" {
  name                = "pip-hub"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "hub" {
  name                = "vgw-hub"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"
  bgp_enabled         = true

  bgp_settings {
    asn = 65010
  }

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.hub.id
    subnet_id            = "${azurerm_virtual_network.hub.id}/subnets/GatewaySubnet"
  }
}

resource "azurerm_local_network_gateway" "site" {
  for_each            = { paris = "192.168.0.0/24", lyon = "192.168.0.128/25" }
  name                = "lgw-${each.key}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  gateway_address     = each.key == "paris" ? "198.51.100.1" : "198.51.100.2"
  address_space       = [each.value]

  bgp_settings {
    asn                 = each.key == "paris" ? 65101 : 65102
    bgp_peering_address = cidrhost(each.value, 1)
  }
}

resource "azurerm_virtual_network_gateway_connection" "site" {
  for_each                   = azurerm_local_network_gateway.site
  name                       = "cn-${each.key}"
  location                   = "westeurope"
  resource_group_name        = azurerm_resource_group.rg.name
  type                       = "IPsec"
  virtual_network_gateway_id = azurerm_virtual_network_gateway.hub.id # ERROR: Networks joined through BGP transit overlap
  local_network_gateway_id   = each.value.id
  shared_key                 = "SiteKey"
  bgp_enabled                = true
}
