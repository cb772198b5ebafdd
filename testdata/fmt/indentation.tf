module "hub" {
	source = "./modules/hub"
	providers = {
		azurerm = azurerm.hub
	}
}

locals {
        peers = [
  for p in var.peers : {
                name = p.name
        cidr = p.cidr
  }
        ]
  matrix = setproduct(
    var.left,
        var.right,
  )
}
