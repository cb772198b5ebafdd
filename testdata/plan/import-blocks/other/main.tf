# Built by hand (another state): the resource group and public IP the case adopts.
resource "azurerm_resource_group" "manual" {
  name     = "rg-manual"
  location = "westeurope"
}

resource "azurerm_public_ip" "manual" {
  name                = "pip-manual"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.manual.name
  allocation_method   = "Static"
  sku                 = "Standard"
}
