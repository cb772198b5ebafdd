environment = "prod"
tags = {
  cost_center = "network"
}
