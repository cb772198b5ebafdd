# Zones cannot change in place: both public IPs are replaced, pip-b keeping its
# name so create-before-destroy overwrites it under the same id.

resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
}

resource "azurerm_public_ip" "a" {
  name                = "pip-a"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  zones               = ["1", "2", "3"]
}

resource "azurerm_public_ip" "b" {
  name                = "pip-b"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  zones               = ["1"]

  lifecycle {
    create_before_destroy = true
  }
}
