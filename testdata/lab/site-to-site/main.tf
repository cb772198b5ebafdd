# A VNet with a VM and a VPN gateway, and an IPsec connection with a custom policy to an
# on-premises site whose device is outside the lab's public ranges.

variable "psk" {
  type      = string
  sensitive = true
  default   = "OnPremKey2026"
}

variable "vm_admin_password" {
  type      = string
  sensitive = true
  default   = "Lab-Passw0rd-2026!"
}

resource "azurerm_resource_group" "rg" {
  name     = "lab-s2s-rg"
  location = "westeurope"
}

resource "azurerm_virtual_network" "azure" {
  name                = "azure-vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.20.0.0/16"]

  subnet {
    name             = "GatewaySubnet"
    address_prefixes = ["10.20.255.0/27"]
  }

  subnet {
    name             = "app"
    address_prefixes = ["10.20.1.0/24"]
  }
}

resource "azurerm_public_ip" "gw" {
  name                = "gw-pip"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "gw" {
  name                = "azure-gw"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  sku                 = "VpnGw2"

  ip_configuration {
    public_ip_address_id = azurerm_public_ip.gw.id
    subnet_id            = "${azurerm_virtual_network.azure.id}/subnets/GatewaySubnet"
  }
}

resource "azurerm_local_network_gateway" "onprem" {
  name                = "onprem"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  gateway_address     = "192.0.2.10"
  address_space       = ["192.168.50.0/24"]
}

resource "azurerm_virtual_network_gateway_connection" "onprem" {
  name                       = "azure-to-onprem"
  location                   = azurerm_resource_group.rg.location
  resource_group_name        = azurerm_resource_group.rg.name
  type                       = "IPsec"
  virtual_network_gateway_id = azurerm_virtual_network_gateway.gw.id
  local_network_gateway_id   = azurerm_local_network_gateway.onprem.id
  shared_key                 = var.psk

  ipsec_policy {
    dh_group         = "DHGroup14"
    ike_encryption   = "AES256"
    ike_integrity    = "SHA256"
    ipsec_encryption = "GCMAES256"
    ipsec_integrity  = "GCMAES256"
    pfs_group        = "PFS2048"
  }
}

resource "azurerm_network_interface" "app" {
  name                = "app-nic"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  ip_configuration {
    name                          = "internal"
    subnet_id                     = "${azurerm_virtual_network.azure.id}/subnets/app"
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_linux_virtual_machine" "app" {
  name                            = "app"
  location                        = azurerm_resource_group.rg.location
  resource_group_name             = azurerm_resource_group.rg.name
  size                            = "Standard_B1s"
  admin_username                  = "azureuser"
  admin_password                  = var.vm_admin_password
  disable_password_authentication = false
  network_interface_ids           = [azurerm_network_interface.app.id]

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
