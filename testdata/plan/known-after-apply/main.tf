# A value known only after apply (a public IP address) flows into another
# resource's arguments: the local network gateway is planned again, with the
# address, just before it is created.

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
resource "azurerm_local_network_gateway" "l" {
  name                = "l"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  gateway_address     = azurerm_public_ip.p.ip_address
  address_space       = ["192.168.0.0/16"]
  tags                = { ip = "x-${azurerm_public_ip.p.ip_address}" }
}
output "ip" { value = azurerm_local_network_gateway.l.gateway_address }
