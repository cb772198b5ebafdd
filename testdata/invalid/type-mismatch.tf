variable "space" {
  type    = list(string)
  default = "10.0.0.0/16" # ERROR: Invalid default value for variable
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  location            = "westeurope"
  resource_group_name = "rg"
  address_space       = "10.0.0.0/16" # ERROR: Incorrect attribute value type
  flow_timeout_in_minutes = "ten" # ERROR: Incorrect attribute value type
}
