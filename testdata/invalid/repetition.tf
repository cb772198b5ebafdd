variable "secret_names" {
  type      = set(string)
  sensitive = true
  default   = ["a"]
}

resource "azurerm_public_ip" "p" {
  name                = "p"
  location            = "westeurope"
  resource_group_name = "rg"
  allocation_method   = "Static"
}

resource "azurerm_public_ip" "both" {
  count               = 1
  for_each            = toset(["x"]) # ERROR: Invalid combination of "count" and "for_each"
  name                = "r"
  location            = "westeurope"
  resource_group_name = "rg"
  allocation_method   = "Static"
}

resource "azurerm_public_ip" "secret" {
  for_each            = var.secret_names # ERROR: Invalid for_each argument
  name                = "s"
  location            = "westeurope"
  resource_group_name = "rg"
  allocation_method   = "Static"
}

resource "azurerm_public_ip" "single" {
  name                = "t-${count.index}" # ERROR: Reference to "count" in non-counted context
  location            = "westeurope"
  resource_group_name = "rg"
  allocation_method   = "Static"
}
