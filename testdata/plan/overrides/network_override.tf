resource "azurerm_virtual_network" "v" {
  dns_servers = ["10.0.0.4"]

  subnet {
    name             = "only"
    address_prefixes = ["10.0.9.0/24"]
  }

  lifecycle {
    create_before_destroy = true
  }
}
