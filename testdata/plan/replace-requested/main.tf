# -replace=ADDRESS replaces an object nothing else forces to be replaced.

resource "azurerm_resource_group" "rg" {
  name     = "replace-rg"
  location = "westeurope"
}

resource "azurerm_public_ip" "gw" {
  name                = "replace-pip"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}
