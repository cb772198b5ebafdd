# check blocks: assertions about the infrastructure that warn instead of
# blocking the plan. A false assertion is reported, one that depends on values
# known only after apply waits, and a true one is silent.

variable "allowed_regions" {
  type    = list(string)
  default = ["westeurope", "northeurope"]
}

resource "azurerm_resource_group" "rg" {
  name     = "checks-rg"
  location = "eastus"
}

resource "azurerm_virtual_network" "v" {
  name                = "checks-vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]
}

check "region_policy" {
  assert {
    condition     = contains(var.allowed_regions, azurerm_resource_group.rg.location)
    error_message = "Resource group ${azurerm_resource_group.rg.name} is in ${azurerm_resource_group.rg.location}, outside the allowed regions."
  }

  assert {
    condition     = length(azurerm_virtual_network.v.address_space) == 1
    error_message = "One address space per VNet."
  }
}

check "vnet_guid" {
  assert {
    condition     = azurerm_virtual_network.v.guid != ""
    error_message = "The VNet has no GUID."
  }
}
