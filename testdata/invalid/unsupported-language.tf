data "azurerm_client_config" "current" {} # ERROR: data blocks are not supported yet

resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
}

terraform {
  backend "s3" { # ERROR: Unsupported state backend "s3"
  }
}
