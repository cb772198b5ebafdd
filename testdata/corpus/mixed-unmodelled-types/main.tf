# A spoke as teams really write it: the VPN resources vnetform models mixed with
# NSGs, route tables, their associations, a key vault, Azure AD and helper
# providers, none of which it has a schema for.

terraform {
  required_providers {
    azurerm = { source = "hashicorp/azurerm", version = "~> 4.0" }
    azuread = { source = "hashicorp/azuread", version = "~> 2.47" }
    random  = { source = "hashicorp/random" }
    null    = { source = "hashicorp/null" }
  }
}

provider "azurerm" {
  features {
    key_vault {
      purge_soft_delete_on_destroy = true
    }
  }
}

provider "azuread" {}

data "azurerm_client_config" "current" {}

resource "random_pet" "suffix" {
  length = 2
}

resource "random_password" "psk" {
  length           = 40
  override_special = "_%@"
}

resource "azurerm_resource_group" "spoke" {
  name     = "rg-spoke-${random_pet.suffix.id}"
  location = "westeurope"
}

resource "azurerm_virtual_network" "spoke" {
  name                = "vnet-spoke"
  location            = azurerm_resource_group.spoke.location
  resource_group_name = azurerm_resource_group.spoke.name
  address_space       = ["10.80.0.0/16"]
}

resource "azurerm_subnet" "app" {
  name                 = "snet-app"
  resource_group_name  = azurerm_resource_group.spoke.name
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = ["10.80.1.0/24"]
}

resource "azurerm_network_security_group" "app" {
  name                = "nsg-app"
  location            = azurerm_resource_group.spoke.location
  resource_group_name = azurerm_resource_group.spoke.name

  security_rule {
    name                       = "allow-vpn-ssh"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "192.168.0.0/16"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "app" {
  subnet_id                 = azurerm_subnet.app.id
  network_security_group_id = azurerm_network_security_group.app.id
}

resource "azurerm_route_table" "app" {
  name                = "rt-app"
  location            = azurerm_resource_group.spoke.location
  resource_group_name = azurerm_resource_group.spoke.name

  route {
    name           = "to-onprem"
    address_prefix = "192.168.0.0/16"
    next_hop_type  = "VirtualNetworkGateway"
  }
}

resource "azurerm_subnet_route_table_association" "app" {
  subnet_id      = azurerm_subnet.app.id
  route_table_id = azurerm_route_table.app.id
}

resource "azurerm_key_vault" "vpn" {
  name                = "kv-vpn-${random_pet.suffix.id}"
  location            = azurerm_resource_group.spoke.location
  resource_group_name = azurerm_resource_group.spoke.name
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"
}

resource "azurerm_key_vault_secret" "psk" {
  name         = "vpn-psk"
  value        = random_password.psk.result
  key_vault_id = azurerm_key_vault.vpn.id
}

resource "azuread_group" "network_admins" {
  display_name     = "network-admins"
  security_enabled = true
}

resource "null_resource" "notify" {
  triggers = {
    vnet = azurerm_virtual_network.spoke.id
  }
}

output "key_vault_id" {
  value = azurerm_key_vault.vpn.id
}
