# Data sources: who the provider runs as, and lookups of the network this same
# configuration creates (read during apply the first time, during plan after).

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "net" {
  name     = "rg-lookups"
  location = "westeurope"
  tags     = { tenant = data.azurerm_client_config.current.tenant_id }
}

resource "azurerm_virtual_network" "net" {
  name                = "vnet-lookups"
  location            = azurerm_resource_group.net.location
  resource_group_name = azurerm_resource_group.net.name
  address_space       = ["10.170.0.0/16"]
}

resource "azurerm_subnet" "gateway" {
  name                 = "GatewaySubnet"
  resource_group_name  = azurerm_resource_group.net.name
  virtual_network_name = azurerm_virtual_network.net.name
  address_prefixes     = ["10.170.255.0/27"]
}

data "azurerm_virtual_network" "net" {
  name                = azurerm_virtual_network.net.name
  resource_group_name = azurerm_resource_group.net.name
  depends_on          = [azurerm_subnet.gateway]
}

data "azurerm_subnet" "gateway" {
  name                 = "GatewaySubnet"
  virtual_network_name = data.azurerm_virtual_network.net.name
  resource_group_name  = azurerm_resource_group.net.name
}

resource "azurerm_public_ip" "gw" {
  name                = "pip-vgw-lookups"
  location            = azurerm_resource_group.net.location
  resource_group_name = azurerm_resource_group.net.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "gw" {
  name                = "vgw-lookups"
  location            = azurerm_resource_group.net.location
  resource_group_name = azurerm_resource_group.net.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.gw.id
    subnet_id            = data.azurerm_subnet.gateway.id
  }
}

output "vnet_address_space" {
  value = data.azurerm_virtual_network.net.address_space
}

output "subscription_id" {
  value = data.azurerm_client_config.current.subscription_id
}
