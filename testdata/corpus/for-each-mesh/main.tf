# A full mesh of VNet-to-VNet tunnels between every pair of regional VNets,
# built with for_each, setproduct and a for expression over the pairs.

variable "regions" {
  type = map(object({
    location      = string
    address_space = string
  }))
  default = {
    weu = { location = "westeurope", address_space = "10.10.0.0/16" }
    neu = { location = "northeurope", address_space = "10.11.0.0/16" }
    uks = { location = "uksouth", address_space = "10.12.0.0/16" }
  }
}

variable "shared_key" {
  type      = string
  sensitive = true
  default   = "Mesh-Shared-Key-2026"
}

locals {
  pairs = {
    for pair in setproduct(keys(var.regions), keys(var.regions)) :
    "${pair[0]}-to-${pair[1]}" => { from = pair[0], to = pair[1] }
    if pair[0] != pair[1]
  }
}

resource "azurerm_resource_group" "mesh" {
  name     = "rg-mesh"
  location = "westeurope"
}

resource "azurerm_virtual_network" "region" {
  for_each            = var.regions
  name                = "vnet-${each.key}"
  location            = each.value.location
  resource_group_name = azurerm_resource_group.mesh.name
  address_space       = [each.value.address_space]
}

resource "azurerm_subnet" "gateway" {
  for_each             = var.regions
  name                 = "GatewaySubnet"
  resource_group_name  = azurerm_resource_group.mesh.name
  virtual_network_name = azurerm_virtual_network.region[each.key].name
  address_prefixes     = [cidrsubnet(each.value.address_space, 11, 2047)]
}

resource "azurerm_public_ip" "gateway" {
  for_each            = var.regions
  name                = "pip-vgw-${each.key}"
  location            = each.value.location
  resource_group_name = azurerm_resource_group.mesh.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "region" {
  for_each            = var.regions
  name                = "vgw-${each.key}"
  location            = each.value.location
  resource_group_name = azurerm_resource_group.mesh.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1"
  enable_bgp          = false

  ip_configuration {
    name                 = "vnetGatewayConfig"
    public_ip_address_id = azurerm_public_ip.gateway[each.key].id
    subnet_id            = azurerm_subnet.gateway[each.key].id
  }
}

resource "azurerm_virtual_network_gateway_connection" "mesh" {
  for_each                        = local.pairs
  name                            = "cn-${each.key}"
  location                        = var.regions[each.value.from].location
  resource_group_name             = azurerm_resource_group.mesh.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.region[each.value.from].id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.region[each.value.to].id
  shared_key                      = var.shared_key
}

output "tunnels" {
  value = sort(keys(azurerm_virtual_network_gateway_connection.mesh))
}
