// Terraform 0.11 style: fmt unwraps interpolation-only strings and rewrites
// quoted type constraints, as terraform fmt does.
variable "spaces" {
  type    = "list"
  default = ["10.0.0.0/16"]
}

variable "tags" {
  type = "map"
}

variable "name" {
  type = "string"
}

variable "anything" {
  type = list
}

resource "azurerm_virtual_network" "v" {
  name                = "${var.name}"
  address_space       = "${var.spaces}"
  location            = "${azurerm_resource_group.rg.location}"
  resource_group_name = "rg-${var.name}"
  tags                = "${merge(var.tags, map("vnet", "${var.name}"))}"
  dns_servers         = "${
    var.dns
  }"
  bgp_community = "${var.a}${var.b}"
}
