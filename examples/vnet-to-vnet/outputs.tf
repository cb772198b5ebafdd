output "gateway1_id" {
  description = "ARM id of VNet1's VPN gateway."
  value       = azurerm_virtual_network_gateway.gw1.id
}

output "gateway2_id" {
  description = "ARM id of VNet2's VPN gateway."
  value       = azurerm_virtual_network_gateway.gw2.id
}

output "vm1_private_ip" {
  description = "Private address of the VM in VNet1."
  value       = azurerm_linux_virtual_machine.vm1.private_ip_address
}

output "vm2_private_ip" {
  description = "Private address of the VM in VNet2."
  value       = azurerm_linux_virtual_machine.vm2.private_ip_address
}
