# With -replace the same SKU change plans the rebuild it needs.

resource "azurerm_resource_group" "rg" {
  name     = "legacy-sku-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  name                = "legacy-sku-vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.0.255.0/27"]
  }
}

resource "azurerm_public_ip" "gw" {
  name                = "legacy-sku-pip"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "gw" {
  name                = "legacy-sku-vgw"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.gw.id
    subnet_id            = "${azurerm_virtual_network.v.id}/subnets/GatewaySubnet"
  }
}
