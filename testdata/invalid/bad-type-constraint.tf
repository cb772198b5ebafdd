variable "a" {
  type = "string" # ERROR: Invalid type constraint
}

variable "b" {
  type = list(strings) # ERROR: Invalid type constraint
}
