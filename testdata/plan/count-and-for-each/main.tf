# A hub with numbered subnets (count) and spokes by name (for_each), NICs
# with dynamic ip_configuration blocks, and splat and for expressions over
# the instances.

variable "spokes" {
  type = map(object({
    space   = string
    regions = optional(string, "westeurope")
  }))
  default = {
    web  = { space = "10.1.0.0/16" }
    data = { space = "10.2.0.0/16", regions = "northeurope" }
  }
}

resource "azurerm_resource_group" "rg" {
  name     = "mesh-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "hub" {
  name                = "hub"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "hub" {
  count                = 2
  name                 = "hub-${count.index}"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = [cidrsubnet("10.0.0.0/16", 8, count.index)]
}

resource "azurerm_virtual_network" "spoke" {
  for_each            = var.spokes
  name                = "spoke-${each.key}"
  location            = each.value.regions
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = [each.value.space]

  subnet {
    name             = "default"
    address_prefixes = [cidrsubnet(each.value.space, 8, 0)]
  }
}

resource "azurerm_network_interface" "multi" {
  name                = "multi-nic"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  dynamic "ip_configuration" {
    for_each = azurerm_subnet.hub
    iterator = sn
    content {
      name                          = "ip${sn.key}"
      subnet_id                     = sn.value.id
      private_ip_address_allocation = "Dynamic"
      primary                       = sn.key == 0
    }
  }
}

output "hub_subnet_ids" {
  value = azurerm_subnet.hub[*].id
}

output "spoke_names" {
  value = { for k, v in azurerm_virtual_network.spoke : k => v.name }
}

output "second_subnet" {
  value = azurerm_subnet.hub[1].address_prefixes
}
