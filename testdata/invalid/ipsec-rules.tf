resource "azurerm_resource_group" "rg" {
  name     = "ipsec-rules-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  count               = 3
  name                = "vnet-${count.index}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.${count.index}.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.${count.index}.255.0/27"]
  }
}

resource "azurerm_public_ip" "p" {
  count               = 4
  name                = "pip-${count.index}"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = count.index == 3 ? ["1"] : ["1", "2", "3"]
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
    subnet_id            = "${azurerm_virtual_network.v[count.index].id}/subnets/GatewaySubnet"
  }
}

resource "azurerm_virtual_network_gateway" "aa" {
  name                = "vgw-aa"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw2AZ"
  active_active       = true # ERROR: Active-active public IPs differ

  ip_configuration {
    name                 = "one"
    public_ip_address_id = azurerm_public_ip.p[2].id
    subnet_id            = "${azurerm_virtual_network.v[2].id}/subnets/GatewaySubnet"
  }

  ip_configuration {
    name                 = "two"
    public_ip_address_id = azurerm_public_ip.p[3].id
    subnet_id            = "${azurerm_virtual_network.v[2].id}/subnets/GatewaySubnet"
  }
}

resource "azurerm_virtual_network_gateway_connection" "there" {
  name                            = "there"
  location                        = "westeurope"
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.g[0].id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.g[1].id
  shared_key                      = "SameKey"
  dpd_timeout_seconds             = 5 # ERROR: Dead peer detection timeout out of range

  ipsec_policy { # ERROR: Different IPsec policies on the two directions of a link
    dh_group         = "DHGroup14"
    ike_encryption   = "AES256"
    ike_integrity    = "SHA256"
    ipsec_encryption = "GCMAES256"
    ipsec_integrity  = "SHA256" # ERROR: GCM encryption without the matching GCM integrity
    pfs_group        = "PFS2048"
    sa_lifetime      = 120 # ERROR: IPsec SA lifetime below Azure's minimum
  }
}

resource "azurerm_virtual_network_gateway_connection" "back" {
  name                            = "back"
  location                        = "westeurope"
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.g[1].id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.g[0].id
  shared_key                      = "SameKey"
}
