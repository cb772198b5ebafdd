resource "azurerm_resource_group" "rg" {
  name     = "gw-rules-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "a" {
  name                = "vnet-a"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.10.0.0/16"]

  subnet {
    name             = "workload"
    address_prefixes = ["10.10.1.0/24"]
  }
}

resource "azurerm_virtual_network" "b" {
  name                = "vnet-b"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.20.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.20.255.0/27"]
  }
}

resource "azurerm_public_ip" "basic" {
  name                = "pip-basic"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Dynamic"
  sku                 = "Basic"
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
  sku                 = "VpnGw1" # WARNING: Non-zone-redundant gateway SKU

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.basic.id # ERROR: Basic public IP on a VPN gateway
    subnet_id            = "${azurerm_virtual_network.a.id}/subnets/workload" # ERROR: Gateway not in GatewaySubnet
  }
}

resource "azurerm_virtual_network_gateway" "b" {
  name                = "vgw-b"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "PolicyBased"
  sku                 = "Basic"

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
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.a.id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.b.id # ERROR: VNet-to-VNet needs RouteBased gateways
  shared_key                      = "NotCheckedHere"
}

resource "azurerm_virtual_network" "c" {
  name                = "vnet-c"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.30.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.30.255.0/27"]
  }
}

resource "azurerm_virtual_network_gateway" "retired" {
  name                = "vgw-retired"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "HighPerformance" # ERROR: Retired gateway SKU

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.b.id
    subnet_id            = "${azurerm_virtual_network.c.id}/subnets/GatewaySubnet"
  }
}
