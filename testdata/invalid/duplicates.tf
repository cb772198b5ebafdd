variable "x" {
  default = 1
}

variable "x" { # ERROR: Duplicate variable "x"
  default = 2
}

resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
}

resource "azurerm_resource_group" "rg" { # ERROR: Duplicate resource "azurerm_resource_group" "rg"
  name     = "rg2"
  location = "westeurope"
}
