# Several objects whose arguments are known only after apply (each site's address is the
# public IP Azure assigns to it) become ready together: the apply plans them again in one
# evaluation, and each gets its own address.

resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
}

resource "azurerm_public_ip" "site" {
  count               = 3
  name                = "site-${count.index}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
}

resource "azurerm_local_network_gateway" "site" {
  count               = 3
  name                = "site-${count.index}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  gateway_address     = azurerm_public_ip.site[count.index].ip_address
  address_space       = ["192.168.${count.index}.0/24"]
}

output "addresses" {
  value = azurerm_local_network_gateway.site[*].gateway_address
}
