# A configuration written partly in JSON syntax (as generators produce it):
# network.tf.json declares the variables, VNet, subnets and outputs that this
# file's resource group is used by; JSON strings are templates where
# expressions go.

resource "azurerm_resource_group" "rg" {
  name     = "json-rg"
  location = var.location
}
