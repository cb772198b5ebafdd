module "hub" {
  source = "./modules/hub" # ERROR: Module directory not found
}

module "registry" {
  source  = "Azure/vnet/azurerm" # ERROR: Unsupported module source
  version = "4.1.0"
}

removed { # ERROR: removed blocks are not supported yet
  from = azurerm_subnet.old

  lifecycle {
    destroy = false
  }
}

moved {
  from = azurerm_subnet.a
  to   = "azurerm_subnet" # ERROR: Invalid address
}

terraform {
  backend "s3" { # WARNING: State backend "s3" is not used
  }
}
