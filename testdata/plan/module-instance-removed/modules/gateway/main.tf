variable "name" {
  type = string
}

variable "resource_group_name" {
  type = string
}

variable "location" {
  type = string
}

variable "subnet_id" {
  type = string
}

resource "azurerm_public_ip" "this" {
  name                = "${var.name}-pip"
  location            = var.location
  resource_group_name = var.resource_group_name
  allocation_method   = "Static"
}

resource "azurerm_virtual_network_gateway" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  type                = "Vpn"
  sku                 = "VpnGw1AZ"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.this.id
    subnet_id            = var.subnet_id
  }
}

output "id" {
  value = azurerm_virtual_network_gateway.this.id
}
