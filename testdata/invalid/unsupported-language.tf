module "hub" {
  source = "./modules/hub" # ERROR: Module directory not found
}

module "registry" {
  source  = "Azure/vnet/azurerm" # ERROR: Unsupported module source
  version = "4.1.0"
}

data "azurerm_firewall" "fw" { # ERROR: Unsupported data source "azurerm_firewall"
  name                = "fw"
  resource_group_name = "rg"
}

moved { # ERROR: moved blocks are not supported yet
  from = azurerm_subnet.a
  to   = azurerm_subnet.b
}

terraform {
  backend "s3" { # ERROR: Unsupported state backend "s3"
  }
}
