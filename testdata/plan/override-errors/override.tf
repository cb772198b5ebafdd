# comment

resource "azurerm_resource_group" "rg" {
  location = upper(var.undeclared)
  tags = { a = var.nope }
}
