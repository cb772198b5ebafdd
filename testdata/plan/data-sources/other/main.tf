# Built by another team's configuration, with its own state.
resource "azurerm_resource_group" "shared" {
  name     = "shared-rg"
  location = "westeurope"
  tags     = { owner = "platform" }
}

resource "azurerm_virtual_network" "shared" {
  name                = "shared-vnet"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.shared.name
  address_space       = ["10.30.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.30.255.0/27"]
  }
}
