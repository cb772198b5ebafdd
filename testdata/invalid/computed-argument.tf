resource "azurerm_public_ip" "p" {
  name                = "p"
  location            = "westeurope"
  resource_group_name = "rg"
  allocation_method   = "Static"
  ip_address          = "20.1.2.3" # ERROR: Value for unconfigurable attribute
}
