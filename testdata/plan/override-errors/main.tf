# Problems in an overriding argument are reported where the override file
# wrote it, not in the file it was merged into.
resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
}
