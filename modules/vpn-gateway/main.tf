# A route-based VPN gateway in a VNet's GatewaySubnet, with its Standard static
# public IP (two of each for an active-active gateway), and BGP when an ASN is given.

variable "name" {
  type        = string
  description = "Name of the gateway; the public IPs are named after it."
}

variable "resource_group_name" {
  type = string
}

variable "location" {
  type = string
}

variable "gateway_subnet_id" {
  type        = string
  description = "ARM id of the VNet's GatewaySubnet."
}

variable "sku" {
  type        = string
  description = "Gateway SKU; the AZ SKUs are the ones Azure still creates."
  default     = "VpnGw1AZ"
}

variable "generation" {
  type    = string
  default = null
}

variable "active_active" {
  type    = bool
  default = false
}

variable "bgp_asn" {
  type        = number
  description = "BGP ASN of the gateway; null leaves BGP off."
  default     = null
}

variable "zones" {
  type    = list(string)
  default = ["1", "2", "3"]
}

variable "tags" {
  type    = map(string)
  default = {}
}

locals {
  instances = var.active_active ? ["primary", "secondary"] : ["primary"]
}

resource "azurerm_public_ip" "this" {
  for_each            = toset(local.instances)
  name                = "${var.name}-${each.key}-pip"
  location            = var.location
  resource_group_name = var.resource_group_name
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = var.zones
  tags                = var.tags
}

resource "azurerm_virtual_network_gateway" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = var.sku
  generation          = var.generation
  active_active       = var.active_active
  bgp_enabled         = var.bgp_asn != null
  tags                = var.tags

  dynamic "ip_configuration" {
    for_each = local.instances
    content {
      name                 = ip_configuration.value
      public_ip_address_id = azurerm_public_ip.this[ip_configuration.value].id
      subnet_id            = var.gateway_subnet_id
    }
  }

  dynamic "bgp_settings" {
    for_each = var.bgp_asn == null ? [] : [var.bgp_asn]
    content {
      asn = bgp_settings.value
    }
  }
}

output "id" {
  description = "ARM id of the gateway."
  value       = azurerm_virtual_network_gateway.this.id
}

output "name" {
  value = azurerm_virtual_network_gateway.this.name
}

output "location" {
  value = azurerm_virtual_network_gateway.this.location
}

output "resource_group_name" {
  value = azurerm_virtual_network_gateway.this.resource_group_name
}

output "bgp_enabled" {
  value = azurerm_virtual_network_gateway.this.bgp_enabled
}

output "public_ip_addresses" {
  description = "The gateway's public addresses (known after apply)."
  value       = [for name in local.instances : azurerm_public_ip.this[name].ip_address]
}
