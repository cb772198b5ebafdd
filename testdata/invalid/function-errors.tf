resource "azurerm_virtual_network" "v" {
  name                = substring("vnet", 0, 2) # ERROR: Call to unknown function "substring"
  location            = "westeurope"
  resource_group_name = "rg"
  address_space       = [cidrsubnet("10.0.0.0/30", 4, 0)] # ERROR: Error in function call cidrsubnet()
}
