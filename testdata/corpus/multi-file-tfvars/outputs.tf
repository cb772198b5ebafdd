output "vnet_id" {
  value = azurerm_virtual_network.main.id
}

output "subnet_ids" {
  value = { for name, subnet in azurerm_subnet.workload : name => subnet.id }
}

output "gateway_public_ip" {
  value = azurerm_public_ip.gateway.ip_address
}
