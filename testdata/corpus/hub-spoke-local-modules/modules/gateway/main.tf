variable "name" {
  type = string
}

variable "resource_group_name" {
  type = string
}

variable "location" {
  type = string
}

variable "gateway_subnet_id" {
  type = string
}

variable "sku" {
  type    = string
  default = "VpnGw1AZ"
}

resource "azurerm_public_ip" "this" {
  name                = "${var.name}-pip"
  location            = var.location
  resource_group_name = var.resource_group_name
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = ["1", "2", "3"]
}

resource "azurerm_virtual_network_gateway" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = var.sku
  generation          = "Generation1"

  ip_configuration {
    name                 = "default"
    public_ip_address_id = azurerm_public_ip.this.id
    subnet_id            = var.gateway_subnet_id
  }
}

output "id" {
  value = azurerm_virtual_network_gateway.this.id
}
