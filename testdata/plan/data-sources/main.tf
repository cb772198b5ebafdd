# A gateway added to a VNet that another configuration owns, found with data
# sources; a lookup that depends on a resource created here is read during apply.

data "azurerm_client_config" "current" {}

data "azurerm_resource_group" "shared" {
  name = "shared-rg"
}

data "azurerm_virtual_network" "shared" {
  name                = "shared-vnet"
  resource_group_name = data.azurerm_resource_group.shared.name
}

data "azurerm_subnet" "gateway" {
  name                 = "GatewaySubnet"
  virtual_network_name = data.azurerm_virtual_network.shared.name
  resource_group_name  = data.azurerm_resource_group.shared.name
}

resource "azurerm_public_ip" "gw" {
  name                = "shared-gw-pip"
  location            = data.azurerm_resource_group.shared.location
  resource_group_name = data.azurerm_resource_group.shared.name
  allocation_method   = "Static"
  tags                = data.azurerm_resource_group.shared.tags
}

data "azurerm_public_ip" "gw" {
  name                = azurerm_public_ip.gw.name
  resource_group_name = data.azurerm_resource_group.shared.name
  depends_on          = [azurerm_public_ip.gw]
}

resource "azurerm_virtual_network_gateway" "gw" {
  name                = "shared-gw"
  location            = data.azurerm_virtual_network.shared.location
  resource_group_name = data.azurerm_resource_group.shared.name
  type                = "Vpn"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    public_ip_address_id = data.azurerm_public_ip.gw.id
    subnet_id            = data.azurerm_subnet.gateway.id
  }
}

output "subscription" {
  value = data.azurerm_client_config.current.subscription_id
}

output "space" {
  value = data.azurerm_virtual_network.shared.address_space
}

output "gateway_ip" {
  value = data.azurerm_public_ip.gw.ip_address
}
