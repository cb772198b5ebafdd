resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  location            = "westeurope"
  resource_group_nam  = azurerm_resource_group.rg.name # ERROR: Unsupported argument
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]

  sub_net { # ERROR: Unsupported block type
    name = "a"
  }
}
