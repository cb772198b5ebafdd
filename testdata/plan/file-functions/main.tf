# Files next to the configuration: a cloud-init template rendered with
# templatefile(), a public key read with file(), and base64 for custom_data.

locals {
  peers = ["10.1.4.4", "10.2.4.4"]
}

resource "azurerm_resource_group" "rg" {
  name     = "files-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  name                = "files-vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]

  subnet {
    name             = "vms"
    address_prefixes = ["10.0.1.0/24"]
  }
}

resource "azurerm_network_interface" "vm" {
  name                = "probe-nic"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  ip_configuration {
    name                          = "internal"
    subnet_id                     = "${azurerm_virtual_network.v.id}/subnets/vms"
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_linux_virtual_machine" "probe" {
  name                  = "probe"
  location              = azurerm_resource_group.rg.location
  resource_group_name   = azurerm_resource_group.rg.name
  size                  = "Standard_B1s"
  admin_username        = "azureuser"
  network_interface_ids = [azurerm_network_interface.vm.id]
  custom_data           = base64encode(templatefile("${path.module}/cloud-init.tftpl", { peers = local.peers, name = "probe" }))

  admin_ssh_key {
    username   = "azureuser"
    public_key = trimspace(file("${path.module}/probe.pub"))
  }

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

output "has_key" {
  value = fileexists("${path.module}/probe.pub")
}

output "first_line" {
  value     = split("\n", base64decode(azurerm_linux_virtual_machine.probe.custom_data))[0]
  sensitive = true
}
