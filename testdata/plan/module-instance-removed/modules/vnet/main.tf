variable "name" {
  type = string
}

variable "resource_group_name" {
  type = string
}

variable "location" {
  type = string
}

variable "address_space" {
  type = string
}

variable "with_gateway" {
  type    = bool
  default = false
}

resource "azurerm_virtual_network" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  address_space       = [var.address_space]
}

resource "azurerm_subnet" "workload" {
  name                 = "workload"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [cidrsubnet(var.address_space, 8, 1)]
}

resource "azurerm_subnet" "gateway" {
  count                = var.with_gateway ? 1 : 0
  name                 = "GatewaySubnet"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [cidrsubnet(var.address_space, 11, 2047)]
}

module "gateway" {
  source              = "../gateway"
  count               = var.with_gateway ? 1 : 0
  name                = "${var.name}-gw"
  resource_group_name = var.resource_group_name
  location            = var.location
  subnet_id           = azurerm_subnet.gateway[0].id
}

output "vnet_id" {
  value = azurerm_virtual_network.this.id
}

output "gateway_id" {
  value = var.with_gateway ? module.gateway[0].id : null
}
