# A count that depends on a value known only after apply cannot be planned: the
# plan says why and what to do (validate accepts it, as Terraform's does).

resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
}

resource "azurerm_public_ip" "p" {
  name                = "p"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
}

resource "azurerm_public_ip" "by_address" {
  count               = length(split(".", azurerm_public_ip.p.ip_address))
  name                = "q${count.index}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
}
