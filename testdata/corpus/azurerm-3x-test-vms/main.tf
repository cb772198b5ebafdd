# Pinned to azurerm 3.x: NICs still say enable_ip_forwarding and
# enable_accelerated_networking, a subnet still says
# enforce_private_link_endpoint_network_policies, and a public IP without sku is
# Basic, so the jump box's IP is Dynamic. Probe VMs test a tunnel from each side.

terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 3.116"
    }
  }
}

provider "azurerm" {
  features {}
  skip_provider_registration = true
}

variable "admin_password" {
  type      = string
  sensitive = true
  default   = "Probe-Passw0rd!3x"
}

variable "probes" {
  type    = list(string)
  default = ["alpha", "beta"]
}

resource "azurerm_resource_group" "probes" {
  name     = "rg-probes"
  location = "westeurope"
}

resource "azurerm_virtual_network" "probes" {
  name                = "vnet-probes"
  location            = azurerm_resource_group.probes.location
  resource_group_name = azurerm_resource_group.probes.name
  address_space       = ["10.140.0.0/16"]
}

resource "azurerm_subnet" "probes" {
  name                                           = "snet-probes"
  resource_group_name                            = azurerm_resource_group.probes.name
  virtual_network_name                           = azurerm_virtual_network.probes.name
  address_prefixes                               = ["10.140.1.0/24"]
  enforce_private_link_endpoint_network_policies = true
}

resource "azurerm_public_ip" "jump" {
  name                = "pip-jump"
  location            = azurerm_resource_group.probes.location
  resource_group_name = azurerm_resource_group.probes.name
  allocation_method   = "Dynamic"
}

resource "azurerm_network_interface" "probe" {
  count                         = length(var.probes)
  name                          = "nic-probe-${var.probes[count.index]}"
  location                      = azurerm_resource_group.probes.location
  resource_group_name           = azurerm_resource_group.probes.name
  enable_ip_forwarding          = count.index == 0
  enable_accelerated_networking = false

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.probes.id
    private_ip_address_allocation = "Static"
    private_ip_address            = cidrhost(azurerm_subnet.probes.address_prefixes[0], 10 + count.index)
    public_ip_address_id          = count.index == 0 ? azurerm_public_ip.jump.id : null
  }
}

resource "azurerm_linux_virtual_machine" "probe" {
  count                           = length(var.probes)
  name                            = "vm-probe-${var.probes[count.index]}"
  location                        = azurerm_resource_group.probes.location
  resource_group_name             = azurerm_resource_group.probes.name
  size                            = "Standard_B1s"
  admin_username                  = "probe"
  admin_password                  = var.admin_password
  disable_password_authentication = false
  network_interface_ids           = [azurerm_network_interface.probe[count.index].id]

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts-gen2"
    version   = "latest"
  }
}

output "probe_ips" {
  value = azurerm_network_interface.probe[*].private_ip_address
}
