# Optional features switched by variables: the VPN gateway exists only when
# enable_vpn is set (count = ... ? 1 : 0), outputs use one() and try(), and a
# check block warns when the address plan leaves no room to grow.

variable "enable_vpn" {
  type    = bool
  default = true
}

variable "address_space" {
  type    = string
  default = "10.160.0.0/16"
}

variable "gateway_sku" {
  type     = string
  default  = null
  nullable = true
}

locals {
  gateway_sku = coalesce(var.gateway_sku, "VpnGw1AZ")
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-optional-vpn"
  location = "uksouth"
}

resource "azurerm_virtual_network" "vnet" {
  name                = "vnet-optional"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = [var.address_space]
}

resource "azurerm_subnet" "gateway" {
  count                = var.enable_vpn ? 1 : 0
  name                 = "GatewaySubnet"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = [cidrsubnet(var.address_space, 11, 2047)]
}

resource "azurerm_public_ip" "gateway" {
  count               = var.enable_vpn ? 1 : 0
  name                = "pip-vgw-optional"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "gateway" {
  count               = var.enable_vpn ? 1 : 0
  name                = "vgw-optional"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = local.gateway_sku

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.gateway[0].id
    subnet_id            = azurerm_subnet.gateway[0].id
  }
}

check "address_plan" {
  assert {
    condition     = tonumber(split("/", var.address_space)[1]) <= 20
    error_message = "The VNet's address space is smaller than a /20."
  }
}

output "gateway_id" {
  value = one(azurerm_virtual_network_gateway.gateway[*].id)
}

output "gateway_sku" {
  value = try(azurerm_virtual_network_gateway.gateway[0].sku, "none")
}
