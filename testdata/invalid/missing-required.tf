resource "azurerm_subnet" "s" { # ERROR: Missing required argument
  name                 = "s"
  resource_group_name  = "rg"
  virtual_network_name = "vnet"
}

resource "azurerm_virtual_network_gateway" "gw" { # ERROR: Wrong number of ip_configuration blocks
  name                = "gw"
  location            = "westeurope"
  resource_group_name = "rg"
  type                = "Vpn"
  sku                 = "VpnGw1AZ"
}
