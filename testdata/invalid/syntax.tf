resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope" "extra" # ERROR: Invalid HCL syntax: expected newline or eof
}
