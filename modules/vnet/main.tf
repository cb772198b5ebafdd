# A virtual network with its GatewaySubnet and any number of workload subnets.

variable "name" {
  type        = string
  description = "Name of the virtual network."
}

variable "resource_group_name" {
  type        = string
  description = "Resource group to create it in."
}

variable "location" {
  type        = string
  description = "Azure region."
}

variable "address_space" {
  type        = list(string)
  description = "Address prefixes of the VNet; the first one holds the GatewaySubnet."
}

variable "gateway_subnet_prefix" {
  type        = string
  description = "Prefix of the GatewaySubnet (/27 or larger); by default the last /27 of the first address prefix."
  default     = null
}

variable "subnets" {
  type        = map(string)
  description = "Workload subnets: name => address prefix."
  default     = {}
}

variable "tags" {
  type    = map(string)
  default = {}
}

locals {
  first_prefix   = var.address_space[0]
  prefix_length  = tonumber(split("/", local.first_prefix)[1])
  gateway_subnet = coalesce(var.gateway_subnet_prefix, cidrsubnet(local.first_prefix, 27 - local.prefix_length, pow(2, 27 - local.prefix_length) - 1))
}

resource "azurerm_virtual_network" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  address_space       = var.address_space
  tags                = var.tags
}

resource "azurerm_subnet" "gateway" {
  name                 = "GatewaySubnet"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [local.gateway_subnet]
}

resource "azurerm_subnet" "workload" {
  for_each             = var.subnets
  name                 = each.key
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [each.value]
}

output "id" {
  description = "ARM id of the virtual network."
  value       = azurerm_virtual_network.this.id
}

output "name" {
  value = azurerm_virtual_network.this.name
}

output "address_space" {
  value = azurerm_virtual_network.this.address_space
}

output "gateway_subnet_id" {
  description = "ARM id of the GatewaySubnet, for a VPN gateway."
  value       = azurerm_subnet.gateway.id
}

output "subnet_ids" {
  description = "Workload subnet ids by name."
  value       = { for name, s in azurerm_subnet.workload : name => s.id }
}
