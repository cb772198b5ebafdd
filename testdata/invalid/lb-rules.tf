resource "azurerm_resource_group" "rg" {
  name     = "lb-rules-rg"
  location = "westeurope"
}
resource "azurerm_virtual_network" "a" {
  name                = "vnet-a"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.1.0.0/16"]
  subnet {
    name             = "app"
    address_prefixes = ["10.1.1.0/24"]
  }
}
resource "azurerm_virtual_network" "b" {
  name                = "vnet-b"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.2.0.0/16"]
  subnet {
    name             = "app"
    address_prefixes = ["10.2.1.0/24"]
  }
}
resource "azurerm_lb" "web" {
  name                = "lb-web"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  frontend_ip_configuration {
    name      = "internal"
    subnet_id = "${azurerm_virtual_network.a.id}/subnets/app"
  }
}
resource "azurerm_lb_backend_address_pool" "web" {
  name            = "web"
  loadbalancer_id = azurerm_lb.web.id
}
resource "azurerm_network_interface" "nic" {
  for_each            = { a = azurerm_virtual_network.a.id, b = azurerm_virtual_network.b.id }
  name                = "nic-${each.key}"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  ip_configuration {
    name                          = "ipconfig"
    subnet_id                     = "${each.value}/subnets/app"
    private_ip_address_allocation = "Dynamic"
  }
}
resource "azurerm_network_interface_backend_address_pool_association" "web" {
  for_each                = toset(["a", "b"])
  network_interface_id    = azurerm_network_interface.nic[each.key].id # ERROR: Load balancer spans virtual networks
  ip_configuration_name   = "ipconfig"
  backend_address_pool_id = azurerm_lb_backend_address_pool.web.id
}
