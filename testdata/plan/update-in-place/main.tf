# Adding an address prefix and changing a tag updates the VNet in place.

resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16", "10.1.0.0/16"]
  tags                = { env = "prod", owner = "netops" }
}
