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

variable "cidr" {
  type    = string
  default = "10.0.0.0/33"

  validation {
    condition     = can(cidrhost(var.cidr, 0)) # ERROR: Invalid value for variable
    error_message = "cidr must be an IPv4 prefix such as 10.0.0.0/16."
  }
}

variable "typo" {
  descripton = "misspelt" # ERROR: Unsupported argument
}
