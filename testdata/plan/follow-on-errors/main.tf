# A problem is reported once, where it is: what depends on the failed value is
# not reported again (no "cannot be determined until apply" for the for_each).

variable "regions" {
  default = ["westeurope", "northeurope"]
}

locals {
  pairs = { for r in var.regions : r => r if r < "n" }
}

resource "azurerm_resource_group" "rg" {
  for_each = local.pairs
  name     = "rg-${each.key}"
  location = each.value
}

resource "azurerm_resource_group" "counted" {
  count    = length(local.pairs)
  name     = "rg-${count.index}"
  location = "westeurope"
}
