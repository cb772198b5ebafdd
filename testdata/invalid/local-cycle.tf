locals {
  a = local.b
  b = "${local.a}-x" # ERROR: Cycle in local values
}

resource "azurerm_resource_group" "rg" {
  name     = local.a
  location = "westeurope"
}
