# Data sources of types without a schema: one with a name and resource group
# reads the object with that id, one without finds the object of its type that
# holds its arguments, and one the simulated cloud holds nothing for (another
# provider's) is what its arguments say. Attributes they lack are null.

data "azurerm_key_vault" "kv" {
  name                = "netops-kv"
  resource_group_name = "security-rg"
}

data "azurerm_key_vault_secret" "psk" {
  name         = "vpn-psk"
  key_vault_id = data.azurerm_key_vault.kv.id
}

data "http" "office_ip" {
  url = "https://ip.example.com/office"
}

resource "azurerm_resource_group" "rg" {
  name     = "opaque-data-rg"
  location = data.azurerm_key_vault.kv.location
  tags = {
    vault_sku = data.azurerm_key_vault.kv.sku_name
    ip_source = data.http.office_ip.url
  }
}

output "psk_length" {
  value = length(data.azurerm_key_vault_secret.psk.value)
}

output "office_ip" {
  value = data.http.office_ip.response_body
}
