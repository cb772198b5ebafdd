# A VNet-to-VNet link: one connection on each gateway, pointing at the other, with
# one shared key (and one IPsec policy, when given) for both directions, so the
# tunnel can come up.

variable "name" {
  type        = string
  description = "Prefix of the two connections' names (NAME-a-to-b, NAME-b-to-a)."
}

variable "gateway_a" {
  type = object({
    id                  = string
    location            = string
    resource_group_name = string
  })
  description = "One end: the outputs id, location and resource_group_name of a vpn-gateway module."
}

variable "gateway_b" {
  type = object({
    id                  = string
    location            = string
    resource_group_name = string
  })
  description = "The other end."
}

variable "shared_key" {
  type        = string
  description = "The IPsec pre-shared key of both directions."
  sensitive   = true
}

variable "bgp_enabled" {
  type    = bool
  default = false
}

variable "ipsec_policy" {
  type = object({
    dh_group         = string
    ike_encryption   = string
    ike_integrity    = string
    ipsec_encryption = string
    ipsec_integrity  = string
    pfs_group        = string
    sa_lifetime      = optional(number, 27000)
    sa_datasize      = optional(number, 102400000)
  })
  description = "A custom IPsec/IKE policy for both directions; null keeps Azure's default."
  default     = null
}

locals {
  directions = {
    "a-to-b" = { local = var.gateway_a, peer = var.gateway_b }
    "b-to-a" = { local = var.gateway_b, peer = var.gateway_a }
  }
}

resource "azurerm_virtual_network_gateway_connection" "this" {
  for_each                        = local.directions
  name                            = "${var.name}-${each.key}"
  location                        = each.value.local.location
  resource_group_name             = each.value.local.resource_group_name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = each.value.local.id
  peer_virtual_network_gateway_id = each.value.peer.id
  shared_key                      = var.shared_key
  bgp_enabled                     = var.bgp_enabled

  dynamic "ipsec_policy" {
    for_each = var.ipsec_policy == null ? [] : [var.ipsec_policy]
    content {
      dh_group         = ipsec_policy.value.dh_group
      ike_encryption   = ipsec_policy.value.ike_encryption
      ike_integrity    = ipsec_policy.value.ike_integrity
      ipsec_encryption = ipsec_policy.value.ipsec_encryption
      ipsec_integrity  = ipsec_policy.value.ipsec_integrity
      pfs_group        = ipsec_policy.value.pfs_group
      sa_lifetime      = ipsec_policy.value.sa_lifetime
      sa_datasize      = ipsec_policy.value.sa_datasize
    }
  }
}

output "connection_ids" {
  description = "The two connections' ids, by direction (a-to-b, b-to-a)."
  value       = { for k, c in azurerm_virtual_network_gateway_connection.this : k => c.id }
}
