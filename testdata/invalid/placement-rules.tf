resource "azurerm_resource_group" "rg" {
  name     = "placement-rules-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  name                = "v" # ERROR: Name Azure does not accept
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.0.255.0/27"]
  }
}

resource "azurerm_network_interface" "probe" {
  name                = "nic probe" # ERROR: Name Azure does not accept
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name

  ip_configuration {
    name                          = "internal"
    subnet_id                     = "${azurerm_virtual_network.v.id}/subnets/GatewaySubnet" # ERROR: Network interface in GatewaySubnet
    private_ip_address_allocation = "Dynamic"
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

resource "azurerm_virtual_network_gateway" "first" {
  name                = "vgw-first"
  location            = "northeurope" # ERROR: Gateway in another region than its VNet
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  bgp_settings {
    asn = 65517 # ERROR: Reserved BGP ASN
  }

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.p[0].id
    subnet_id            = "${azurerm_virtual_network.v.id}/subnets/GatewaySubnet" # ERROR: Gateway in another region than its VNet
  }

  ip_configuration {
    name                 = "second"
    public_ip_address_id = azurerm_public_ip.p[0].id
    subnet_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/other/providers/Microsoft.Network/virtualNetworks/elsewhere/subnets/GatewaySubnet"
  }
}

resource "azurerm_virtual_network_gateway" "second" {
  name                = "vgw-second"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.p[1].id
    subnet_id            = "${azurerm_virtual_network.v.id}/subnets/GatewaySubnet" # ERROR: More than one VPN gateway in a VNet
  }
}

resource "azurerm_local_network_gateway" "typo" {
  name                = "lgw-typo"
  location            = "West Europ" # ERROR: Unknown Azure region
  resource_group_name = azurerm_resource_group.rg.name
  gateway_address     = "203.0.113.8"
  address_space       = ["192.168.8.0/24"]
}

resource "azurerm_virtual_network" "tiny" {
  name                = "vnet-tiny"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.9.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.9.255.0/29"]
  }
}

resource "azurerm_public_ip" "tiny" {
  name                = "pip-tiny"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "tiny" {
  name                = "vgw-tiny"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.tiny.id
    subnet_id            = "${azurerm_virtual_network.tiny.id}/subnets/GatewaySubnet" # ERROR: GatewaySubnet too small for the gateway SKU
  }
}
