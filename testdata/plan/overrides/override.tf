variable "suffix" {
  default = "prod"
}

locals {
  location = "northeurope"
}

resource "azurerm_resource_group" "rg" {
  tags = { env = "prod", owner = "netops" }
}
