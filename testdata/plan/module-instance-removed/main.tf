# The "west" spoke left the for_each map: everything in that module instance is
# destroyed, and nothing else changes.

variable "spokes" {
  type = map(string)
  default = {
    east = "10.1.0.0/16"
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
