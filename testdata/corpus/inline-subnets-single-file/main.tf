# Single file, subnets declared inline in their VNets, gateway subnets referenced
# by id, one key for both directions typed straight into a variable default.

provider "azurerm" {
  features {}
}

variable "psk" {
  type      = string
  sensitive = true
  default   = "Inline-Subnets-Psk-1"
}

resource "azurerm_resource_group" "net" {
  name     = "rg-inline-net"
  location = "eastus2"
}

resource "azurerm_virtual_network" "east" {
  name                = "vnet-east"
  location            = azurerm_resource_group.net.location
  resource_group_name = azurerm_resource_group.net.name
  address_space       = ["172.16.0.0/20"]

  subnet {
    name             = "apps"
    address_prefixes = ["172.16.1.0/24"]
  }

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["172.16.15.0/27"]
  }
}

resource "azurerm_virtual_network" "west" {
  name                = "vnet-west"
  location            = "westus2"
  resource_group_name = azurerm_resource_group.net.name
  address_space       = ["172.16.16.0/20"]

  subnet {
    name             = "apps"
    address_prefixes = ["172.16.17.0/24"]
  }

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["172.16.31.0/27"]
  }
}

resource "azurerm_public_ip" "east" {
  name                = "pip-gw-east"
  location            = azurerm_virtual_network.east.location
  resource_group_name = azurerm_resource_group.net.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_public_ip" "west" {
  name                = "pip-gw-west"
  location            = azurerm_virtual_network.west.location
  resource_group_name = azurerm_resource_group.net.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "east" {
  name                = "vgw-east"
  location            = azurerm_virtual_network.east.location
  resource_group_name = azurerm_resource_group.net.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw2"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.east.id
    subnet_id            = "${azurerm_virtual_network.east.id}/subnets/GatewaySubnet"
  }
}

resource "azurerm_virtual_network_gateway" "west" {
  name                = "vgw-west"
  location            = azurerm_virtual_network.west.location
  resource_group_name = azurerm_resource_group.net.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw2"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.west.id
    subnet_id            = "${azurerm_virtual_network.west.id}/subnets/GatewaySubnet"
  }
}

resource "azurerm_virtual_network_gateway_connection" "east_west" {
  name                            = "cn-east-west"
  location                        = azurerm_resource_group.net.location
  resource_group_name             = azurerm_resource_group.net.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.east.id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.west.id
  shared_key                      = var.psk
}

resource "azurerm_virtual_network_gateway_connection" "west_east" {
  name                            = "cn-west-east"
  location                        = azurerm_virtual_network.west.location
  resource_group_name             = azurerm_resource_group.net.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.west.id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.east.id
  shared_key                      = var.psk
}
