variable "key" {
  type      = string
  sensitive = true
  default   = "s3cret"
}

output "key" {
  value = "prefix-${var.key}" # ERROR: Output refers to sensitive values
}
