# Override files: override.tf and *_override.tf change the blocks of the other
# files. Arguments replace or add, nested blocks of a type replace all of that
# type (lifecycle merges), locals and variables are overridden by name.

variable "suffix" {
  default = "dev"
}

locals {
  location = "westeurope"
  name     = "ovr-${var.suffix}"
}

resource "azurerm_resource_group" "rg" {
  name     = "${local.name}-rg"
  location = local.location
  tags     = { env = "dev" }
}

resource "azurerm_virtual_network" "v" {
  name                = "${local.name}-vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]

  subnet {
    name             = "a"
    address_prefixes = ["10.0.1.0/24"]
  }

  subnet {
    name             = "b"
    address_prefixes = ["10.0.2.0/24"]
  }

  lifecycle {
    ignore_changes = [tags]
  }
}

output "vnet_name" {
  value = azurerm_virtual_network.v.name
}
