variable "environment" {
  description = "Short environment name used in every resource name."
  type        = string

  validation {
    condition     = contains(["dev", "test", "prod"], var.environment)
    error_message = "environment must be dev, test or prod."
  }
}

variable "location" {
  type    = string
  default = "westeurope"
}

variable "address_space" {
  type = string
}

variable "subnets" {
  description = "Subnet name => newbits added to the address space."
  type        = map(number)
}

variable "tags" {
  type    = map(string)
  default = {}
}
