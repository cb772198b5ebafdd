# Consecutive one-line arguments align their "=" and their trailing comments;
# a blank line, a block or a multi-line value starts a new group.
resource "azurerm_virtual_network_gateway" "gw" {
  name = "vnet1-gw"
  location = azurerm_resource_group.rg.location   # same region as the VNet
  resource_group_name = azurerm_resource_group.rg.name # the VNet's group

  type = "Vpn"
  vpn_type="RouteBased"
  sku           = "VpnGw1AZ"
  ip_configuration {
      name = "vnetGatewayConfig"
   public_ip_address_id = azurerm_public_ip.gw.id
    subnet_id                     = azurerm_subnet.gateway.id
  }
  tags = {
    env = "prod"
    "cost-center" = "net" # quoted keys align too
  }
  bgp_settings { asn = 65010 }
}
