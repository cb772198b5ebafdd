# Dynamic blocks: the VNet's subnets from a map, and an active-active gateway
# whose two ip_configurations come from the list of its public IPs.

locals {
  subnets = {
    GatewaySubnet = "10.90.255.0/27"
    frontend      = "10.90.1.0/24"
    backend       = "10.90.2.0/24"
  }
  instances = ["primary", "secondary"]
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-active-active"
  location = "germanywestcentral"
}

resource "azurerm_virtual_network" "vnet" {
  name                = "vnet-aa"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.90.0.0/16"]

  dynamic "subnet" {
    for_each = local.subnets
    content {
      name             = subnet.key
      address_prefixes = [subnet.value]
    }
  }
}

resource "azurerm_public_ip" "gw" {
  for_each            = toset(local.instances)
  name                = "pip-vgw-aa-${each.key}"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = ["1", "2", "3"]
}

resource "azurerm_virtual_network_gateway" "aa" {
  name                = "vgw-aa"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw2AZ"
  generation          = "Generation2"
  active_active       = true
  bgp_enabled         = true

  bgp_settings {
    asn = 65010
  }

  dynamic "ip_configuration" {
    for_each = local.instances
    iterator = instance
    content {
      name                 = "ipconfig-${instance.value}"
      public_ip_address_id = azurerm_public_ip.gw[instance.value].id
      subnet_id            = "${azurerm_virtual_network.vnet.id}/subnets/GatewaySubnet"
    }
  }
}

output "gateway_public_ips" {
  value = [for name in local.instances : azurerm_public_ip.gw[name].ip_address]
}
