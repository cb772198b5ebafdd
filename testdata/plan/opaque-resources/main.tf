# Resource types without a schema (a network security group with inline rules,
# a route table, another provider's resource) are planned and applied as written,
# with a warning naming them; their unconfigured attributes are known after apply.

resource "azurerm_resource_group" "rg" {
  name     = "opaque-rg"
  location = "westeurope"
}

resource "azurerm_network_security_group" "web" {
  name                = "web-nsg"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  security_rule {
    name                       = "allow-https"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "443"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

resource "azurerm_route_table" "spoke" {
  name                = "spoke-rt-${count.index}"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  count               = 2
}

resource "null_resource" "marker" {
  triggers = {
    nsg = azurerm_network_security_group.web.id
    rt  = azurerm_route_table.spoke[1].name
  }
}

output "nsg_id" {
  value = azurerm_network_security_group.web.id
}

output "nsg_guid" {
  value = azurerm_network_security_group.web.resource_guid
}
