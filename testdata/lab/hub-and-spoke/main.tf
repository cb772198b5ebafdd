# A hub and two spokes, one VM in each, joined by VNet-to-VNet links. The spokes reach
# each other through the hub only with BGP on every gateway and link (var.bgp).

variable "bgp" {
  type    = bool
  default = false
}

variable "shared_key" {
  type      = string
  sensitive = true
  default   = "LabHubAndSpokeKey2026"
}

variable "vm_admin_password" {
  type      = string
  sensitive = true
  default   = "Lab-Passw0rd-2026!"
}

locals {
  networks = {
    hub   = { space = "10.10.0.0/16", asn = 65010 }
    north = { space = "10.11.0.0/16", asn = 65011 }
    south = { space = "10.12.0.0/16", asn = 65012 }
  }
  spokes = toset(["north", "south"])
}

resource "azurerm_resource_group" "rg" {
  name     = "lab-hub-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "net" {
  for_each            = local.networks
  name                = each.key
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = [each.value.space]
}

resource "azurerm_subnet" "gateway" {
  for_each             = local.networks
  name                 = "GatewaySubnet"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.net[each.key].name
  address_prefixes     = [cidrsubnet(each.value.space, 11, 2040)]
}

resource "azurerm_subnet" "app" {
  for_each             = local.networks
  name                 = "app"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.net[each.key].name
  address_prefixes     = [cidrsubnet(each.value.space, 8, 1)]
}

resource "azurerm_public_ip" "gw" {
  for_each            = local.networks
  name                = "${each.key}-gw-pip"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "gw" {
  for_each            = local.networks
  name                = "${each.key}-gw"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1"
  bgp_enabled         = var.bgp

  bgp_settings {
    asn = each.value.asn
  }

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.gw[each.key].id
    subnet_id            = azurerm_subnet.gateway[each.key].id
  }
}

resource "azurerm_virtual_network_gateway_connection" "hub_to_spoke" {
  for_each                        = local.spokes
  name                            = "hub-to-${each.key}"
  location                        = azurerm_resource_group.rg.location
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.gw["hub"].id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.gw[each.key].id
  shared_key                      = var.shared_key
  bgp_enabled                     = var.bgp
}

resource "azurerm_virtual_network_gateway_connection" "spoke_to_hub" {
  for_each                        = local.spokes
  name                            = "${each.key}-to-hub"
  location                        = azurerm_resource_group.rg.location
  resource_group_name             = azurerm_resource_group.rg.name
  type                            = "Vnet2Vnet"
  virtual_network_gateway_id      = azurerm_virtual_network_gateway.gw[each.key].id
  peer_virtual_network_gateway_id = azurerm_virtual_network_gateway.gw["hub"].id
  shared_key                      = var.shared_key
  bgp_enabled                     = var.bgp
}

resource "azurerm_network_interface" "vm" {
  for_each            = local.networks
  name                = "${each.key}-nic"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.app[each.key].id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_linux_virtual_machine" "vm" {
  for_each                        = local.networks
  name                            = "${each.key}-vm"
  location                        = azurerm_resource_group.rg.location
  resource_group_name             = azurerm_resource_group.rg.name
  size                            = "Standard_B1s"
  admin_username                  = "azureuser"
  admin_password                  = var.vm_admin_password
  disable_password_authentication = false
  network_interface_ids           = [azurerm_network_interface.vm[each.key].id]

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }
}
