# A configuration written for azurerm 2.x: old argument names (accepted, with a
# warning naming the new one each), the 2.x default of a Basic public IP, and
# interpolation-only strings, quoted type constraints and list() and map().

terraform {
  required_providers {
    azurerm = "~> 2.46"
  }
}

provider "azurerm" {
  features {}
}

variable "spaces" {
  type    = "list"
  default = ["10.40.0.0/16"]
}

variable "tags" {
  type    = "map"
  default = {}
}

locals {
  common_tags = "${merge(var.tags, map("managed_by", "terraform"))}"
  dns         = "${list("10.40.0.4", "10.40.0.5")}"
}

resource "azurerm_resource_group" "rg" {
  name     = "legacy-rg"
  location = "West Europe"
}

resource "azurerm_virtual_network" "vnet" {
  name                = "legacy-vnet"
  location            = "${azurerm_resource_group.rg.location}"
  resource_group_name = "${azurerm_resource_group.rg.name}"
  address_space       = "${var.spaces}"
  dns_servers         = "${local.dns}"
  tags                = "${local.common_tags}"

  subnet {
    name           = "app"
    address_prefix = "10.40.1.0/24"
  }
}

resource "azurerm_subnet" "gateway" {
  name                                           = "GatewaySubnet"
  resource_group_name                            = "${azurerm_resource_group.rg.name}"
  virtual_network_name                           = "${azurerm_virtual_network.vnet.name}"
  address_prefix                                 = "10.40.255.0/27"
  enforce_private_link_endpoint_network_policies = true
}

resource "azurerm_public_ip" "gw" {
  name                = "legacy-gw-pip"
  location            = "${azurerm_resource_group.rg.location}"
  resource_group_name = "${azurerm_resource_group.rg.name}"
  allocation_method   = "Dynamic"
}

resource "azurerm_virtual_network_gateway" "gw" {
  name                = "legacy-gw"
  location            = "${azurerm_resource_group.rg.location}"
  resource_group_name = "${azurerm_resource_group.rg.name}"
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "Basic"
  enable_bgp          = false

  ip_configuration {
    name                          = "vnetGatewayConfig"
    public_ip_address_id          = "${azurerm_public_ip.gw.id}"
    private_ip_address_allocation = "Dynamic"
    subnet_id                     = "${azurerm_subnet.gateway.id}"
  }
}

resource "azurerm_network_interface" "nic" {
  name                 = "legacy-nic"
  location             = "${azurerm_resource_group.rg.location}"
  resource_group_name  = "${azurerm_resource_group.rg.name}"
  enable_ip_forwarding = true

  ip_configuration {
    name                          = "internal"
    subnet_id                     = "${azurerm_virtual_network.vnet.id}/subnets/app"
    private_ip_address_allocation = "Dynamic"
  }
}
