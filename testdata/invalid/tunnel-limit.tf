resource "azurerm_resource_group" "rg" {
  name     = "tunnels-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "hub" {
  name                = "vnet-hub"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.0.255.0/27"]
  }
}

resource "azurerm_public_ip" "hub" {
  name                = "pip-hub"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Dynamic"
  sku                 = "Basic"
}

resource "azurerm_virtual_network_gateway" "hub" {
  name                = "vgw-hub"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "Basic" # ERROR: Too many tunnels on a gateway

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.hub.id
    subnet_id            = "${azurerm_virtual_network.hub.id}/subnets/GatewaySubnet"
  }
}

resource "azurerm_local_network_gateway" "branch" {
  count               = 11
  name                = "lgw-${count.index}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  gateway_address     = "198.51.100.${count.index + 1}"
  address_space       = ["192.168.${count.index}.0/24"]
}

resource "azurerm_virtual_network_gateway_connection" "branch" {
  count                      = 11
  name                       = "cn-${count.index}"
  location                   = "westeurope"
  resource_group_name        = azurerm_resource_group.rg.name
  type                       = "IPsec"
  virtual_network_gateway_id = azurerm_virtual_network_gateway.hub.id
  local_network_gateway_id   = azurerm_local_network_gateway.branch[count.index].id
  shared_key                 = "BranchKey"

  ipsec_policy { # ERROR: Custom IPsec policy on a Basic gateway
    dh_group         = "DHGroup14"
    ike_encryption   = "AES256"
    ike_integrity    = "SHA256"
    ipsec_encryption = "AES256"
    ipsec_integrity  = "SHA256"
    pfs_group        = "PFS2048"
  }
}
