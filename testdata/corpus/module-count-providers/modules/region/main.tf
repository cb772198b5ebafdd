terraform {
  required_providers {
    azurerm = {
      source                = "hashicorp/azurerm"
      configuration_aliases = [azurerm.target]
    }
  }
}

variable "index" {
  type = number
}

variable "location" {
  type = string
}

resource "azurerm_resource_group" "this" {
  provider = azurerm.target
  name     = "rg-region-${var.index}"
  location = var.location
}

resource "azurerm_virtual_network" "this" {
  provider            = azurerm.target
  name                = "vnet-region-${var.index}"
  location            = var.location
  resource_group_name = azurerm_resource_group.this.name
  address_space       = [cidrsubnet("10.180.0.0/14", 2, var.index)]
}

output "vnet_id" {
  value = azurerm_virtual_network.this.id
}

output "address_space" {
  value = azurerm_virtual_network.this.address_space
}
