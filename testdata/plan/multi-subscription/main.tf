# A hub in one subscription and a spoke in another, through a provider alias:
# every id carries the subscription its provider names, and the VNet-to-VNet link
# crosses subscriptions.

provider "azurerm" {
  features {}
  subscription_id = "11111111-1111-1111-1111-111111111111"
}

provider "azurerm" {
  alias           = "spoke"
  features {}
  subscription_id = "22222222-2222-2222-2222-222222222222"
}

resource "azurerm_resource_group" "hub" {
  name     = "hub-rg"
  location = "westeurope"
}

resource "azurerm_resource_group" "spoke" {
  provider = azurerm.spoke
  name     = "spoke-rg"
  location = "northeurope"
}

resource "azurerm_virtual_network" "hub" {
  name                = "hub-vnet"
  location            = azurerm_resource_group.hub.location
  resource_group_name = azurerm_resource_group.hub.name
  address_space       = ["10.0.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.0.255.0/27"]
  }
}

resource "azurerm_virtual_network" "spoke" {
  provider            = azurerm.spoke
  name                = "spoke-vnet"
  location            = azurerm_resource_group.spoke.location
  resource_group_name = azurerm_resource_group.spoke.name
  address_space       = ["10.1.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.1.255.0/27"]
  }
}

resource "azurerm_public_ip" "hub" {
  name                = "hub-gw-pip"
  location            = azurerm_resource_group.hub.location
  resource_group_name = azurerm_resource_group.hub.name
  allocation_method   = "Static"
}

resource "azurerm_public_ip" "spoke" {
  provider            = azurerm.spoke
  name                = "spoke-gw-pip"
  location            = azurerm_resource_group.spoke.location
  resource_group_name = azurerm_resource_group.spoke.name
  allocation_method   = "Static"
}

resource "azurerm_virtual_network_gateway" "hub" {
  name                = "hub-gw"
  location            = azurerm_resource_group.hub.location
  resource_group_name = azurerm_resource_group.hub.name
  type                = "Vpn"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.hub.id
    subnet_id            = "${azurerm_virtual_network.hub.id}/subnets/GatewaySubnet"
  }
}

resource "azurerm_virtual_network_gateway" "spoke" {
  provider            = azurerm.spoke
  name                = "spoke-gw"
  location            = azurerm_resource_group.spoke.location
  resource_group_name = azurerm_resource_group.spoke.name
  type                = "Vpn"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.spoke.id
    subnet_id            = "${azurerm_virtual_network.spoke.id}/subnets/GatewaySubnet"
  }
}

resource "azurerm_virtual_network_gateway_connection" "hub_to_spoke" {
  name                            = "hub-to-spoke"
  location                        = azurerm_resource_group.hub.location
  resource_group_name             = azurerm_resource_group.hub.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.hub.id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.spoke.id
  shared_key                      = "CrossSubscriptionKey1"
}

resource "azurerm_virtual_network_gateway_connection" "spoke_to_hub" {
  provider                        = azurerm.spoke
  name                            = "spoke-to-hub"
  location                        = azurerm_resource_group.spoke.location
  resource_group_name             = azurerm_resource_group.spoke.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.spoke.id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.hub.id
  shared_key                      = "CrossSubscriptionKey1"
}

output "spoke_gateway_id" {
  value = azurerm_virtual_network_gateway.spoke.id
}
