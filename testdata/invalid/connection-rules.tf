variable "key_a" {
  default = "Key-One"
}

resource "azurerm_resource_group" "rg" {
  name     = "cn-rules-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  count               = 2
  name                = "vnet-${count.index}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.${count.index}.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.${count.index}.255.0/28"]
  }
}

resource "azurerm_public_ip" "p" {
  count               = 2
  name                = "pip-${count.index}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "g" {
  count               = 2
  name                = "vgw-${count.index}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.p[count.index].id
    subnet_id            = "${azurerm_virtual_network.v[count.index].id}/subnets/GatewaySubnet" # WARNING: GatewaySubnet smaller than /27
  }
}

resource "azurerm_virtual_network_gateway_connection" "forward" {
  name                            = "forward"
  location                        = "westeurope"
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.g[0].id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.g[1].id
  shared_key                      = var.key_a # ERROR: Different shared keys on the two directions of a link
}

resource "azurerm_virtual_network_gateway_connection" "reverse" {
  name                            = "reverse"
  location                        = "westeurope"
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.g[1].id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.g[0].id
  shared_key                      = "Key-Two"
}
