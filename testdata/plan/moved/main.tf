# Refactoring without replacing anything: the VNet is renamed in code, and two
# standalone subnets become instances of one for_each resource; moved blocks tell
# the plan, which renames the state instead of destroying and creating.

resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "hub" {
  name                = "vnet"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]
  tags                = { renamed = "yes" }
}

moved {
  from = azurerm_virtual_network.v
  to   = azurerm_virtual_network.hub
}

resource "azurerm_subnet" "workload" {
  for_each             = { a = "10.0.1.0/24", b = "10.0.2.0/24" }
  name                 = each.key
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = [each.value]
}

moved {
  from = azurerm_subnet.a
  to   = azurerm_subnet.workload["a"]
}

moved {
  from = azurerm_subnet.b
  to   = azurerm_subnet.workload["b"]
}
