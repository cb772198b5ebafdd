# count went from 3 to 2 and a key left the for_each set: exactly those
# instances are destroyed, with Terraform's reasons.

resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
}

resource "azurerm_public_ip" "numbered" {
  count               = 2
  name                = "pip-${count.index}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
}

resource "azurerm_public_ip" "named" {
  for_each            = toset(["a"])
  name                = "pip-${each.key}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
}
