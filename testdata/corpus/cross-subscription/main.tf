# A platform team's connectivity subscription and an application team's
# landing zone, each through its own aliased provider; the tunnel crosses
# subscriptions and the key comes from a random_password kept in state.

terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.10"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "azurerm" {
  alias           = "connectivity"
  subscription_id = "aaaaaaaa-0000-4000-8000-000000000001"
  features {}
}

provider "azurerm" {
  alias           = "landing_zone"
  subscription_id = "bbbbbbbb-0000-4000-8000-000000000002"
  features {}
}

resource "random_password" "psk" {
  length  = 32
  special = false
}

resource "azurerm_resource_group" "connectivity" {
  provider = azurerm.connectivity
  name     = "rg-connectivity"
  location = "francecentral"
}

resource "azurerm_resource_group" "app" {
  provider = azurerm.landing_zone
  name     = "rg-app-network"
  location = "francecentral"
}

resource "azurerm_virtual_network" "hub" {
  provider            = azurerm.connectivity
  name                = "vnet-connectivity"
  location            = azurerm_resource_group.connectivity.location
  resource_group_name = azurerm_resource_group.connectivity.name
  address_space       = ["10.200.0.0/22"]
}

resource "azurerm_subnet" "hub_gateway" {
  provider             = azurerm.connectivity
  name                 = "GatewaySubnet"
  resource_group_name  = azurerm_resource_group.connectivity.name
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = ["10.200.3.0/27"]
}

resource "azurerm_virtual_network" "app" {
  provider            = azurerm.landing_zone
  name                = "vnet-app"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  address_space       = ["10.210.0.0/22"]
}

resource "azurerm_subnet" "app_gateway" {
  provider             = azurerm.landing_zone
  name                 = "GatewaySubnet"
  resource_group_name  = azurerm_resource_group.app.name
  virtual_network_name = azurerm_virtual_network.app.name
  address_prefixes     = ["10.210.3.0/27"]
}

resource "azurerm_public_ip" "hub" {
  provider            = azurerm.connectivity
  name                = "pip-vgw-connectivity"
  location            = azurerm_resource_group.connectivity.location
  resource_group_name = azurerm_resource_group.connectivity.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_public_ip" "app" {
  provider            = azurerm.landing_zone
  name                = "pip-vgw-app"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "hub" {
  provider            = azurerm.connectivity
  name                = "vgw-connectivity"
  location            = azurerm_resource_group.connectivity.location
  resource_group_name = azurerm_resource_group.connectivity.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.hub.id
    subnet_id            = azurerm_subnet.hub_gateway.id
  }
}

resource "azurerm_virtual_network_gateway" "app" {
  provider            = azurerm.landing_zone
  name                = "vgw-app"
  location            = azurerm_resource_group.app.location
  resource_group_name = azurerm_resource_group.app.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.app.id
    subnet_id            = azurerm_subnet.app_gateway.id
  }
}

resource "azurerm_virtual_network_gateway_connection" "hub_to_app" {
  provider                        = azurerm.connectivity
  name                            = "cn-connectivity-to-app"
  location                        = azurerm_resource_group.connectivity.location
  resource_group_name             = azurerm_resource_group.connectivity.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.hub.id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.app.id
  shared_key                      = random_password.psk.result
}

resource "azurerm_virtual_network_gateway_connection" "app_to_hub" {
  provider                        = azurerm.landing_zone
  name                            = "cn-app-to-connectivity"
  location                        = azurerm_resource_group.app.location
  resource_group_name             = azurerm_resource_group.app.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.app.id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.hub.id
  shared_key                      = random_password.psk.result
}
