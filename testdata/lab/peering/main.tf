# A hub with a VPN gateway and a site-to-site connection to a branch office, and a spoke
# peered with it. With gateway transit (var.transit) the spoke also reaches the branch.

variable "transit" {
  type    = bool
  default = true
}

variable "vm_admin_password" {
  type      = string
  sensitive = true
  default   = "Lab-Passw0rd-2026!"
}

locals {
  networks = {
    hub   = "10.30.0.0/16"
    spoke = "10.31.0.0/16"
  }
}

resource "azurerm_resource_group" "rg" {
  name     = "lab-peering-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "net" {
  for_each            = local.networks
  name                = "vnet-${each.key}"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = [each.value]
}

resource "azurerm_subnet" "app" {
  for_each             = local.networks
  name                 = "app"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.net[each.key].name
  address_prefixes     = [cidrsubnet(each.value, 8, 1)]
}

resource "azurerm_subnet" "gateway" {
  name                 = "GatewaySubnet"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.net["hub"].name
  address_prefixes     = ["10.30.255.0/27"]
}

resource "azurerm_public_ip" "hub" {
  name                = "pip-vgw-hub"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "hub" {
  name                = "vgw-hub"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.hub.id
    subnet_id            = azurerm_subnet.gateway.id
  }
}

resource "azurerm_local_network_gateway" "branch" {
  name                = "lgw-branch"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  gateway_address     = "203.0.113.250"
  address_space       = ["192.168.20.0/24"]
}

resource "azurerm_virtual_network_gateway_connection" "branch" {
  name                       = "cn-hub-to-branch"
  location                   = azurerm_resource_group.rg.location
  resource_group_name        = azurerm_resource_group.rg.name
  type                       = "IPsec"
  virtual_network_gateway_id = azurerm_virtual_network_gateway.hub.id
  local_network_gateway_id   = azurerm_local_network_gateway.branch.id
  shared_key                 = var.vm_admin_password
}

resource "azurerm_virtual_network_peering" "hub_to_spoke" {
  name                      = "hub-to-spoke"
  resource_group_name       = azurerm_resource_group.rg.name
  virtual_network_name      = azurerm_virtual_network.net["hub"].name
  remote_virtual_network_id = azurerm_virtual_network.net["spoke"].id
  allow_gateway_transit     = var.transit
  depends_on                = [azurerm_virtual_network_gateway.hub]
}

resource "azurerm_virtual_network_peering" "spoke_to_hub" {
  name                      = "spoke-to-hub"
  resource_group_name       = azurerm_resource_group.rg.name
  virtual_network_name      = azurerm_virtual_network.net["spoke"].name
  remote_virtual_network_id = azurerm_virtual_network.net["hub"].id
  allow_forwarded_traffic   = true
  use_remote_gateways       = var.transit
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
