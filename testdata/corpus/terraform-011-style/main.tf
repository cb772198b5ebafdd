# Written for Terraform 0.11 and azurerm 1.x and never touched since: the
# provider-block version constraint, quoted types, interpolation-only strings,
# list() and map(), count with element() and splat references, and the Basic
# gateway SKU that Basic (dynamic) public IPs allow. Some labels are unquoted,
# and empty.tf is a file someone emptied and never deleted.

provider "azurerm" {
  version = "~> 1.44"
}

variable "location" {
  type    = "string"
  default = "West Europe"
}

variable "vnet_spaces" {
  type    = "list"
  default = ["10.70.0.0/16", "10.71.0.0/16"]
}

variable shared_key {
  default = "Legacy-Shared-Key"
}

resource azurerm_resource_group rg {
  name     = "legacy-vpn-rg"
  location = "${var.location}"
  tags     = "${map("owner", "netops", "legacy", "true")}"
}

resource "azurerm_virtual_network" "vnet" {
  count               = "${length(var.vnet_spaces)}"
  name                = "legacy-vnet-${count.index}"
  location            = "${azurerm_resource_group.rg.location}"
  resource_group_name = "${azurerm_resource_group.rg.name}"
  address_space       = ["${element(var.vnet_spaces, count.index)}"]
}

resource "azurerm_subnet" "gateway" {
  count                = "${length(var.vnet_spaces)}"
  name                 = "GatewaySubnet"
  resource_group_name  = "${azurerm_resource_group.rg.name}"
  virtual_network_name = "${element(azurerm_virtual_network.vnet.*.name, count.index)}"
  address_prefix       = "${cidrsubnet(element(var.vnet_spaces, count.index), 11, 2047)}"
}

resource "azurerm_public_ip" "gw" {
  count                        = 2
  name                         = "legacy-gw-${count.index}-pip"
  location                     = "${azurerm_resource_group.rg.location}"
  resource_group_name          = "${azurerm_resource_group.rg.name}"
  public_ip_address_allocation = "Dynamic"
}

resource "azurerm_virtual_network_gateway" "gw" {
  count               = 2
  name                = "legacy-gw-${count.index}"
  location            = "${azurerm_resource_group.rg.location}"
  resource_group_name = "${azurerm_resource_group.rg.name}"
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "Basic"
  enable_bgp          = false

  ip_configuration {
    name                          = "vnetGatewayConfig"
    public_ip_address_id          = "${element(azurerm_public_ip.gw.*.id, count.index)}"
    private_ip_address_allocation = "Dynamic"
    subnet_id                     = "${element(azurerm_subnet.gateway.*.id, count.index)}"
  }
}

resource "azurerm_virtual_network_gateway_connection" "link" {
  count                           = 2
  name                            = "legacy-link-${count.index}"
  location                        = "${azurerm_resource_group.rg.location}"
  resource_group_name             = "${azurerm_resource_group.rg.name}"
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = "${element(azurerm_virtual_network_gateway.gw.*.id, count.index)}"
  peer_virtual_network_gateway_id = "${element(azurerm_virtual_network_gateway.gw.*.id, count.index + 1)}"
  shared_key                      = "${var.shared_key}"
}

output "gateway_ids" {
  value = "${azurerm_virtual_network_gateway.gw.*.id}"
}
