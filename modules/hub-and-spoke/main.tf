# A hub VNet with a VPN gateway, and spokes each joined to the hub by a VNet-to-VNet
# link. With BGP on (bgp_asn on the hub and every spoke), spokes reach each other
# through the hub; without it, each spoke reaches only the hub.

variable "resource_group_name" {
  type = string
}

variable "hub" {
  type = object({
    name          = string
    location      = string
    address_space = list(string)
    bgp_asn       = optional(number)
  })
}

variable "spokes" {
  type = map(object({
    location      = string
    address_space = list(string)
    bgp_asn       = optional(number)
    subnets       = optional(map(string), {})
  }))
  description = "Spokes by name."
}

variable "shared_key" {
  type        = string
  description = "Pre-shared key of every hub-spoke link."
  sensitive   = true
}

variable "gateway_sku" {
  type    = string
  default = "VpnGw1AZ"
}

module "hub_vnet" {
  source              = "../vnet"
  name                = var.hub.name
  resource_group_name = var.resource_group_name
  location            = var.hub.location
  address_space       = var.hub.address_space
}

module "hub_gateway" {
  source              = "../vpn-gateway"
  name                = "${var.hub.name}-gw"
  resource_group_name = var.resource_group_name
  location            = var.hub.location
  gateway_subnet_id   = module.hub_vnet.gateway_subnet_id
  sku                 = var.gateway_sku
  bgp_asn             = var.hub.bgp_asn
}

module "spoke_vnet" {
  source              = "../vnet"
  for_each            = var.spokes
  name                = each.key
  resource_group_name = var.resource_group_name
  location            = each.value.location
  address_space       = each.value.address_space
  subnets             = each.value.subnets
}

module "spoke_gateway" {
  source              = "../vpn-gateway"
  for_each            = var.spokes
  name                = "${each.key}-gw"
  resource_group_name = var.resource_group_name
  location            = each.value.location
  gateway_subnet_id   = module.spoke_vnet[each.key].gateway_subnet_id
  sku                 = var.gateway_sku
  bgp_asn             = each.value.bgp_asn
}

module "link" {
  source     = "../vnet-to-vnet"
  for_each   = var.spokes
  name       = "hub-${each.key}"
  shared_key = var.shared_key
  gateway_a = {
    id                  = module.hub_gateway.id
    location            = module.hub_gateway.location
    resource_group_name = module.hub_gateway.resource_group_name
  }
  gateway_b = {
    id                  = module.spoke_gateway[each.key].id
    location            = module.spoke_gateway[each.key].location
    resource_group_name = module.spoke_gateway[each.key].resource_group_name
  }
  bgp_enabled = var.hub.bgp_asn != null && each.value.bgp_asn != null
}

output "hub_gateway_id" {
  value = module.hub_gateway.id
}

output "spoke_vnet_ids" {
  value = { for name, s in module.spoke_vnet : name => s.id }
}

output "connection_ids" {
  value = { for name, l in module.link : name => l.connection_ids }
}
