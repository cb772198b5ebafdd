# The random provider, made by the tool itself: a generated shared key for both
# directions of a link (sensitive, as the random provider marks it), a pet name, an
# id and a private BGP ASN, all kept in state and regenerated only when a keeper
# or an argument changes.

resource "random_password" "shared_key" {
  length           = 32
  special          = true
  override_special = "!@#$%&*()_=+"
  min_numeric      = 4
}

resource "random_pet" "site" {
  length = 2
  keepers = {
    region = "westeurope"
  }
}

resource "random_id" "suffix" {
  byte_length = 4
}

resource "random_integer" "asn" {
  min  = 64512
  max  = 65514
  seed = "hub"
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-${random_pet.site.id}-${random_id.suffix.hex}"
  location = "westeurope"
  tags = {
    asn = random_integer.asn.result
  }
}

output "shared_key" {
  value     = random_password.shared_key.result
  sensitive = true
}

output "asn" {
  value = random_integer.asn.result
}
