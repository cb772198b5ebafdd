variable "a" {
  type = "string" # WARNING: Quoted type constraints are deprecated
}

variable "b" {
  type = list(strings) # ERROR: Invalid type constraint
}

variable "c" {
  type = "strings" # ERROR: Invalid type constraint
}
