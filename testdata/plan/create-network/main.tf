# A VNet with inline subnets (listed out of order: sets are stored sorted), a
# standalone GatewaySubnet and a public IP, named with locals and cidrsubnet.

locals {
  prefix = "hub"
  space  = "10.10.0.0/16"
}

resource "azurerm_resource_group" "rg" {
  name     = "${local.prefix}-rg"
  location = "West Europe"
}

resource "azurerm_virtual_network" "hub" {
  name                = format("%s-vnet", local.prefix)
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = [local.space]
  dns_servers         = []

  subnet {
    name             = "web"
    address_prefixes = [cidrsubnet(local.space, 8, 1)]
  }

  subnet {
    name             = "app"
    address_prefixes = [cidrsubnet(local.space, 8, 2)]
  }
}

resource "azurerm_public_ip" "gw" {
  name                = "hub-gw-pip"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  tags = {
    role = "gateway"
  }
}
