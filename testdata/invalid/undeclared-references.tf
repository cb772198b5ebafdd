resource "azurerm_virtual_network" "v" {
  name                = local.vnet_name # ERROR: Reference to undeclared local value
  location            = var.location # ERROR: Reference to undeclared input variable
  resource_group_name = azurerm_resource_group.rg.name # ERROR: Reference to undeclared resource
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_resource_group" "elsewhere" {
  provider = azurerm.nowhere # ERROR: Provider configuration not present
  name     = "rg"
  location = "westeurope"
}
