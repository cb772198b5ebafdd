variable "resource_group_name" {
  type        = string
  description = "Resource group holding both VNets."
  default     = "vnet-to-vnet-rg"
}

variable "location1" {
  type        = string
  description = "Region of VNet1."
  default     = "westeurope"
}

variable "location2" {
  type        = string
  description = "Region of VNet2."
  default     = "northeurope"
}

variable "shared_key" {
  type        = string
  description = "IPsec pre-shared key used by both directions of the tunnel."
  sensitive   = true
  default     = "Vnet2VnetDemoKey2026"
}

variable "vm_admin_password" {
  type        = string
  description = "Password of the test VMs' admin account."
  sensitive   = true
  default     = "Demo-Passw0rd!2026"
}
