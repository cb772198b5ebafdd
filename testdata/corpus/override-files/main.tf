# The shared configuration every environment uses; this directory's
# override.tf and gateway_override.tf adapt it for production without
# editing it.

variable "psk" {
  type      = string
  sensitive = true
  default   = "Override-Files-Psk"
}

locals {
  location = "westeurope"
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-shared-dev"
  location = local.location
}

resource "azurerm_virtual_network" "vnet" {
  name                = "vnet-shared"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.130.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.130.255.0/27"]
  }
}

resource "azurerm_public_ip" "gw" {
  name                = "pip-vgw-shared"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "gw" {
  name                = "vgw-shared"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.gw.id
    subnet_id            = "${azurerm_virtual_network.vnet.id}/subnets/GatewaySubnet"
  }
}

resource "azurerm_local_network_gateway" "office" {
  name                = "lgw-office"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  gateway_address     = "203.0.113.50"
  address_space       = ["192.168.50.0/24"]
}

resource "azurerm_virtual_network_gateway_connection" "office" {
  name                       = "cn-office"
  location                   = azurerm_resource_group.rg.location
  resource_group_name        = azurerm_resource_group.rg.name
  type                       = "IPsec"
  virtual_network_gateway_id = azurerm_virtual_network_gateway.gw.id
  local_network_gateway_id   = azurerm_local_network_gateway.office.id
  shared_key                 = var.psk
}
