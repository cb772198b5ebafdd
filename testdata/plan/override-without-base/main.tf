# An override of something the module does not declare is an error that points
# at the override.
resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "westeurope"
}
