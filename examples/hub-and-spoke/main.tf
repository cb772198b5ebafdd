# A hub and two spokes in three regions, built from the modules shipped in
# modules/: each spoke is joined to the hub by a VNet-to-VNet link, and BGP on
# every gateway lets the spokes reach each other through the hub.

terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}

provider "azurerm" {
  features {}
}

variable "shared_key" {
  type      = string
  sensitive = true
  default   = "HubAndSpokeDemoKey2026"
}

resource "azurerm_resource_group" "network" {
  name     = "hub-and-spoke-rg"
  location = "westeurope"
}

module "network" {
  source              = "../../modules/hub-and-spoke"
  resource_group_name = azurerm_resource_group.network.name
  shared_key          = var.shared_key

  hub = {
    name          = "hub"
    location      = "westeurope"
    address_space = ["10.0.0.0/16"]
    bgp_asn       = 65010
  }

  spokes = {
    north = {
      location      = "northeurope"
      address_space = ["10.1.0.0/16"]
      bgp_asn       = 65011
      subnets       = { app = "10.1.1.0/24" }
    }
    south = {
      location      = "francecentral"
      address_space = ["10.2.0.0/16"]
      bgp_asn       = 65012
      subnets       = { app = "10.2.1.0/24", data = "10.2.2.0/24" }
    }
  }
}

output "hub_gateway_id" {
  value = module.network.hub_gateway_id
}

output "connection_ids" {
  value = module.network.connection_ids
}
