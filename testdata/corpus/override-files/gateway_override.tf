resource "azurerm_public_ip" "gw" {
  zones = ["1", "2", "3"]
}

resource "azurerm_virtual_network_gateway" "gw" {
  sku = "VpnGw2AZ"

  lifecycle {
    prevent_destroy = false
  }
}

resource "azurerm_local_network_gateway" "office" {
  address_space = ["192.168.50.0/24", "192.168.51.0/24"]
}
