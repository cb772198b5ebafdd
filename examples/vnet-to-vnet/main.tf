# Two VNets in two regions joined by a VNet-to-VNet VPN: the classic scenario of
# "Configure a VNet-to-VNet VPN gateway connection" in the Azure documentation.

terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}

provider "azurerm" {
  features {}
}

resource "azurerm_resource_group" "rg" {
  name     = var.resource_group_name
  location = var.location1
}

# --- VNet1: three workload subnets and the gateway subnet -------------------------------

resource "azurerm_virtual_network" "vnet1" {
  name                = "VNet1"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "frontend" {
  name                 = "FrontEnd"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet1.name
  address_prefixes     = ["10.0.1.0/24"]
}

resource "azurerm_subnet" "backend" {
  name                 = "BackEnd"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet1.name
  address_prefixes     = ["10.0.2.0/24"]
}

resource "azurerm_subnet" "management" {
  name                 = "Management"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet1.name
  address_prefixes     = ["10.0.3.0/24"]
}

resource "azurerm_subnet" "gateway1" {
  name                 = "GatewaySubnet"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet1.name
  address_prefixes     = ["10.0.255.0/27"]
}

# --- VNet2, in another region -------------------------------------------------------------

resource "azurerm_virtual_network" "vnet2" {
  name                = "VNet2"
  location            = var.location2
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "workload2" {
  name                 = "Workload"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet2.name
  address_prefixes     = ["10.1.4.0/24"]
}

resource "azurerm_subnet" "gateway2" {
  name                 = "GatewaySubnet"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet2.name
  address_prefixes     = ["10.1.255.0/27"]
}

# --- One VPN gateway per VNet -------------------------------------------------------------

resource "azurerm_public_ip" "gw1" {
  name                = "VNet1GW-pip"
  location            = azurerm_virtual_network.vnet1.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "gw1" {
  name                = "VNet1GW"
  location            = azurerm_virtual_network.vnet1.location
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    name                          = "vnetGatewayConfig"
    public_ip_address_id          = azurerm_public_ip.gw1.id
    private_ip_address_allocation = "Dynamic"
    subnet_id                     = azurerm_subnet.gateway1.id
  }
}

resource "azurerm_public_ip" "gw2" {
  name                = "VNet2GW-pip"
  location            = azurerm_virtual_network.vnet2.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "gw2" {
  name                = "VNet2GW"
  location            = azurerm_virtual_network.vnet2.location
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    name                          = "vnetGatewayConfig"
    public_ip_address_id          = azurerm_public_ip.gw2.id
    private_ip_address_allocation = "Dynamic"
    subnet_id                     = azurerm_subnet.gateway2.id
  }
}

# --- The tunnel: one connection in each direction, one shared key --------------------------

resource "azurerm_virtual_network_gateway_connection" "vnet1_to_vnet2" {
  name                            = "VNet1-to-VNet2"
  location                        = azurerm_virtual_network_gateway.gw1.location
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.gw1.id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.gw2.id
  shared_key                      = var.shared_key
}

resource "azurerm_virtual_network_gateway_connection" "vnet2_to_vnet1" {
  name                            = "VNet2-to-VNet1"
  location                        = azurerm_virtual_network_gateway.gw2.location
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.gw2.id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.gw1.id
  shared_key                      = var.shared_key
}
