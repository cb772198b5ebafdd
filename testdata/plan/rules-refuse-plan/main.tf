# A plan is refused while a domain rule is broken: here a subnet that does not fit
# in its VNet, which Azure would reject only when the subnet is created.

resource "azurerm_resource_group" "rg" {
  name     = "refused-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  name                = "refused-vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/24"]
}

resource "azurerm_subnet" "too_wide" {
  name                 = "apps"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.0.0/23"]
}
