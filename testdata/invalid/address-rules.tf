resource "azurerm_resource_group" "rg" {
  name     = "rules-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "a" {
  name                = "vnet-a"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16", "169.254.0.0/24"] # ERROR: Reserved address range in a VNet

  subnet {
    name             = "inline"
    address_prefixes = ["10.0.1.0/24"]
  }
}

resource "azurerm_subnet" "outside" {
  name                 = "outside"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.a.name
  address_prefixes     = ["10.1.0.0/24"] # ERROR: Subnet outside its VNet
}

resource "azurerm_subnet" "overlapping" {
  name                 = "overlapping"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.a.name
  address_prefixes     = ["10.0.1.128/25"] # ERROR: Overlapping subnets
}

resource "azurerm_subnet" "gateway_a" {
  name                 = "GatewaySubnet"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.a.name
  address_prefixes     = ["10.0.255.0/27"]
}

resource "azurerm_virtual_network" "b" {
  name                = "vnet-b"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.128.0/17"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.0.254.0/27"]
  }
}

resource "azurerm_public_ip" "a" {
  name                = "pip-a"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_public_ip" "b" {
  name                = "pip-b"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "a" {
  name                = "vgw-a"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.a.id
    subnet_id            = azurerm_subnet.gateway_a.id
  }
}

resource "azurerm_virtual_network_gateway" "b" {
  name                = "vgw-b"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.b.id
    subnet_id            = "${azurerm_virtual_network.b.id}/subnets/GatewaySubnet"
  }
}

resource "azurerm_virtual_network_gateway_connection" "a_to_b" {
  name                            = "a-to-b" # WARNING: VNet-to-VNet link in one direction only
  location                        = "westeurope"
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.a.id # ERROR: Connected networks overlap
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.b.id
  shared_key                      = "NotCheckedHere"
}
