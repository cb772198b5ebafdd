locals {
  location = "northeurope"
}

resource "azurerm_resource_group" "rg" {
  name = "rg-shared-prod"
  tags = { environment = "prod" }
}
