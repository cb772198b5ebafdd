# One module instance per region with count, each given an aliased provider
# through a providers map; the outputs are gathered with a splat.

provider "azurerm" {
  features {}
}

provider "azurerm" {
  alias           = "regional"
  subscription_id = "cccccccc-0000-4000-8000-000000000003"
  features {}
}

variable "locations" {
  type    = list(string)
  default = ["westeurope", "northeurope", "swedencentral"]
}

module "region" {
  source   = "./modules/region"
  count    = length(var.locations)
  index    = count.index
  location = var.locations[count.index]

  providers = {
    azurerm.target = azurerm.regional
  }
}

output "vnet_ids" {
  value = module.region[*].vnet_id
}

output "address_spaces" {
  value = flatten(module.region[*].address_space)
}
