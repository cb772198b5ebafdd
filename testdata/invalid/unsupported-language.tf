module "hub" {
  source = "./modules/hub" # ERROR: Module directory not found
}

module "registry" {
  source  = "Azure/vnet/azurerm" # ERROR: Unsupported module source
  version = "4.1.0"
}

import { # ERROR: import blocks are not supported yet
  to = azurerm_subnet.a
  id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a"
}

moved {
  from = azurerm_subnet.a
  to   = "azurerm_subnet" # ERROR: Invalid address
}

terraform {
  backend "s3" { # WARNING: State backend "s3" is not used
  }
}
