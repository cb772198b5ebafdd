resource "azurerm_resource_group" "rg" {
  name     = "prefix-rules-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet-prefixes"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16,10.1.0.0/16"] # ERROR: Malformed address prefix
}

resource "azurerm_virtual_network" "w" {
  name                = "vnet-subnets"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.2.0.0/16"]
}

resource "azurerm_subnet" "tiny" {
  name                 = "tiny"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.w.name
  address_prefixes     = ["10.2.0.0/30"] # ERROR: Subnet size out of range
}

resource "azurerm_public_ip" "dynamic" {
  name                = "pip-dynamic"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Dynamic" # ERROR: Standard public IP with dynamic allocation
  sku                 = "Standard"
}
