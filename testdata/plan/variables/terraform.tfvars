env        = "test"
extra_tags = { owner = "netops" }
