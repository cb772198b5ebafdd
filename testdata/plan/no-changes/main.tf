# The same configuration as the one applied, written differently: the region in
# display form, the address space and tags in another order.

resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "West Europe"
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  location            = "West Europe"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.1.0.0/16", "10.0.0.0/16"]
  tags                = { owner = "netops", env = "prod" }
}
