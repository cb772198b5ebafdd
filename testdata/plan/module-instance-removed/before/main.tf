# A hub and two spokes from local modules: a VNet module called once per spoke
# (for_each), a gateway module nested inside the VNet module, and module outputs
# used by the root.

variable "spokes" {
  type = map(string)
  default = {
    east = "10.1.0.0/16"
    west = "10.2.0.0/16"
  }
}

resource "azurerm_resource_group" "rg" {
  name     = "modules-rg"
  location = "westeurope"
}

module "hub" {
  source              = "./modules/vnet"
  name                = "hub"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  address_space       = "10.0.0.0/16"
  with_gateway        = true
}

module "spoke" {
  source              = "./modules/vnet"
  for_each            = var.spokes
  name                = "spoke-${each.key}"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  address_space       = each.value
}

output "hub_gateway_id" {
  value = module.hub.gateway_id
}

output "spoke_vnet_ids" {
  value = { for k, s in module.spoke : k => s.vnet_id }
}
