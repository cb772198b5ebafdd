# A zone change would replace a public IP whose lifecycle forbids destroying it:
# the plan is refused and nothing is touched.

resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
}

resource "azurerm_public_ip" "a" {
  name                = "pip-a"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  zones               = ["1"]

  lifecycle {
    prevent_destroy = true
  }
}

resource "azurerm_public_ip" "b" {
  name                = "pip-b"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
}
