module "hub" { # ERROR: module blocks are not supported yet
  source = "./modules/hub"
}

data "azurerm_firewall" "fw" { # ERROR: Unsupported data source "azurerm_firewall"
  name                = "fw"
  resource_group_name = "rg"
}

terraform {
  backend "s3" { # ERROR: Unsupported state backend "s3"
  }
}
