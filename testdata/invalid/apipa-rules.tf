resource "azurerm_resource_group" "rg" {
  name     = "apipa-rules-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet-apipa"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.0.255.0/27"]
  }
}

resource "azurerm_public_ip" "p" {
  name                = "pip-apipa"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "g" {
  name                = "vgw-apipa"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1AZ"
  bgp_enabled         = true

  bgp_settings {
    asn = 65010

    peering_addresses {
      ip_configuration_name = "vnetGatewayConfig"
      apipa_addresses       = ["169.254.30.1"] # ERROR: Custom BGP address outside Azure's APIPA range
    }
  }

  ip_configuration {
    name                 = "vnetGatewayConfig"
    public_ip_address_id = azurerm_public_ip.p.id
    subnet_id            = "${azurerm_virtual_network.v.id}/subnets/GatewaySubnet"
  }
}
