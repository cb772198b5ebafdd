# Objects built by hand, adopted with import blocks: the resource group as it is, the public
# IP with a tag the configuration adds (an update, shown with where it was imported from).
locals {
  group = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-manual"
}

import {
  to = azurerm_resource_group.rg
  id = local.group
}

import {
  to = azurerm_public_ip.gw
  id = "${local.group}/providers/Microsoft.Network/publicIPAddresses/pip-manual"
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-manual"
  location = "westeurope"
}

resource "azurerm_public_ip" "gw" {
  name                = "pip-manual"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
  tags                = { owner = "network-team" }
}
