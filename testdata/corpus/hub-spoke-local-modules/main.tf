# Hub and spokes from the repository's own modules (nested: a spoke module
# calls a gateway module), spokes created with for_each over a module that
# waits for the hub's resource group through depends_on.

variable "spokes" {
  type = map(string)
  default = {
    finance = "10.101.0.0/16"
    retail  = "10.102.0.0/16"
  }
}

variable "shared_key" {
  type      = string
  sensitive = true
  default   = "Hub-Spoke-Modules-Key"
}

resource "azurerm_resource_group" "hub" {
  name     = "rg-hub"
  location = "swedencentral"
}

module "hub" {
  source              = "./modules/spoke"
  name                = "vnet-hub"
  location            = azurerm_resource_group.hub.location
  resource_group_name = azurerm_resource_group.hub.name
  address_space       = "10.100.0.0/16"
}

module "spoke" {
  source              = "./modules/spoke"
  for_each            = var.spokes
  depends_on          = [azurerm_resource_group.hub]
  name                = "vnet-${each.key}"
  location            = azurerm_resource_group.hub.location
  resource_group_name = azurerm_resource_group.hub.name
  address_space       = each.value
}

resource "azurerm_virtual_network_gateway_connection" "hub_to_spoke" {
  for_each                        = var.spokes
  name                            = "hub-to-${each.key}"
  location                        = azurerm_resource_group.hub.location
  resource_group_name             = azurerm_resource_group.hub.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = module.hub.gateway_id
  peer_virtual_network_gateway_id = module.spoke[each.key].gateway_id
  shared_key                      = var.shared_key
}

resource "azurerm_virtual_network_gateway_connection" "spoke_to_hub" {
  for_each                        = var.spokes
  name                            = "${each.key}-to-hub"
  location                        = azurerm_resource_group.hub.location
  resource_group_name             = azurerm_resource_group.hub.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = module.spoke[each.key].gateway_id
  peer_virtual_network_gateway_id = module.hub.gateway_id
  shared_key                      = var.shared_key
}
