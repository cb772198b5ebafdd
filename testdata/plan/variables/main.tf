# Variables from defaults, terraform.tfvars, terraform.tfvars.json and
# *.auto.tfvars[.json] (later wins), type conversion, maps, for expressions,
# conditionals and functions.

variable "env" {
  type = string
}

variable "regions" {
  type = map(string)
  default = {
    primary   = "westeurope"
    secondary = "northeurope"
  }
}

variable "base_cidr" {
  type    = string
  default = "10.50.0.0/16"

  validation {
    condition     = can(cidrhost(var.base_cidr, 0)) && try(split("/", var.base_cidr)[1] <= 24, false)
    error_message = "base_cidr must be a prefix of /24 or larger."
  }
}

variable "subnet_count" {
  type    = number
  default = 2
}

variable "extra_tags" {
  type    = map(string)
  default = {}
}

locals {
  name    = "app-${var.env}"
  cidrs   = cidrsubnets(var.base_cidr, 8, 8, 11)
  is_prod = var.env == "prod"
  tags = merge({ env = var.env, tier = local.is_prod ? "gold" : "bronze" }, var.extra_tags)
}

resource "azurerm_resource_group" "rg" {
  name     = upper(local.name)
  location = lookup(var.regions, "primary")
  tags     = local.tags
}

resource "azurerm_virtual_network" "v" {
  name                = "${local.name}-vnet"
  location            = var.regions["secondary"]
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = [var.base_cidr]
  tags                = local.tags
}

resource "azurerm_subnet" "first" {
  name                 = join("-", [local.name, "first", tostring(var.subnet_count)])
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = [element(local.cidrs, 0)]
}

resource "azurerm_subnet" "small" {
  name                 = "${local.name}-small"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = [for c in local.cidrs : c if endswith(c, "/27")]
}

output "subnet_ids" {
  value = [azurerm_subnet.first.id, azurerm_subnet.small.id]
}

output "cidrs" {
  value = local.cidrs
}
