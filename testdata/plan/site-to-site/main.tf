# A VPN gateway with an IPsec connection to an on-premises site, a custom IPsec
# policy and BGP on the gateway.

variable "psk" {
  type      = string
  sensitive = true
  default   = "OnPremKey2026"
}

resource "azurerm_resource_group" "rg" {
  name     = "s2s-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "azure" {
  name                = "azure-vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.20.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.20.255.0/27"]
  }
}

resource "azurerm_public_ip" "gw" {
  name                = "gw-pip"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = ["1", "2", "3"]
}

resource "azurerm_virtual_network_gateway" "gw" {
  name                = "azure-gw"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  sku                 = "VpnGw2AZ"
  generation          = "Generation2"
  bgp_enabled         = true

  bgp_settings {
    asn = 65010
  }

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.gw.id
    subnet_id            = "${azurerm_virtual_network.azure.id}/subnets/GatewaySubnet"
  }
}

resource "azurerm_local_network_gateway" "onprem" {
  name                = "onprem"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  gateway_address     = "203.0.113.10"
  address_space       = ["192.168.0.0/16"]

  bgp_settings {
    asn                 = 65050
    bgp_peering_address = "192.168.255.254"
  }
}

resource "azurerm_virtual_network_gateway_connection" "onprem" {
  name                       = "azure-to-onprem"
  location                   = azurerm_resource_group.rg.location
  resource_group_name        = azurerm_resource_group.rg.name
  type                       = "IPsec"
  virtual_network_gateway_id = azurerm_virtual_network_gateway.gw.id
  local_network_gateway_id   = azurerm_local_network_gateway.onprem.id
  shared_key                 = var.psk
  bgp_enabled                = true

  ipsec_policy {
    dh_group         = "DHGroup14"
    ike_encryption   = "AES256"
    ike_integrity    = "SHA256"
    ipsec_encryption = "GCMAES256"
    ipsec_integrity  = "GCMAES256"
    pfs_group        = "PFS2048"
  }
}

output "gateway_public_ip" {
  value = azurerm_public_ip.gw.ip_address
}

output "psk" {
  value     = var.psk
  sensitive = true
}
