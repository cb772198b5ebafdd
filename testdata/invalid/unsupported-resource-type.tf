resource "azurerm_firewall_policy" "p" { # ERROR: Unsupported resource type "azurerm_firewall_policy"
  name = "p"
}
