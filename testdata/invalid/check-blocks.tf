check "incomplete" {
  assert { # ERROR: Incomplete assert block
    condition = true
  }
}

check "extra" {
  description = "not an argument of check" # ERROR: Unsupported argument
  assert {
    condition     = true
    error_message = "never shown"
  }
}

check { # ERROR: Wrong number of labels on a check block
  assert {
    condition     = true
    error_message = "never shown"
  }
}
