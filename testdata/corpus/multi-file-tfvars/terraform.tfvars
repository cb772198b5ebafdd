environment   = "test"
address_space = "10.20.0.0/16"

subnets = {
  web  = 8
  app  = 8
  data = 8
}
