# The security team's configuration, with its own state: a key vault holding
# the VPN pre-shared key (types vnetform does not model).
resource "azurerm_resource_group" "security" {
  name     = "security-rg"
  location = "northeurope"
}

resource "azurerm_key_vault" "kv" {
  name                = "netops-kv"
  location            = azurerm_resource_group.security.location
  resource_group_name = azurerm_resource_group.security.name
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "premium"
}

resource "azurerm_key_vault_secret" "psk" {
  name         = "vpn-psk"
  value        = "Psk-From-Key-Vault-2026"
  key_vault_id = azurerm_key_vault.kv.id
}
