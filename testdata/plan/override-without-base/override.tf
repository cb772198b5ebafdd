resource "azurerm_resource_group" "other" {
  location = "northeurope"
}

locals {
  nowhere = 1
}

moved {
  from = azurerm_resource_group.a
  to   = azurerm_resource_group.b
}
