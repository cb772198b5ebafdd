# A lookup of something that does not exist fails the plan, naming it.

data "azurerm_virtual_network" "missing" {
  name                = "nope"
  resource_group_name = "nowhere"
}

output "space" {
  value = data.azurerm_virtual_network.missing.address_space
}
