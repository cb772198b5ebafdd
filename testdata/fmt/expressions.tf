locals {
  count_minus   = length(var.subnets)-1
  negated       = - 1
  sum           = var.a+var.b*2
  compare       = var.a>=1&&!var.b
  cond          = var.enabled?"yes":"no"
  call          = cidrsubnet( var.base , 8 , count.index )
  list          = [ "a","b" , ]
  splat         = azurerm_public_ip.p[ * ].id
  index         = var.list [ 0 ]
  for_list      = [for s in var.subnets: upper(s) if s!="GatewaySubnet"]
  for_map       = {for k,v in var.m: k=>v...}
  template      = "vnet-${ var.env }-${var.region}"
  empty_object  = { }
  spread        = concat(var.a, var.b)
  nested        = merge({a=1},{b=2})
  heredoc       = <<-EOT
      keep   this ${ exactly }
    EOT
  after_heredoc = 1
  /* a block comment */
  commented = true
  provider_fn   = provider :: azapi :: build_resource_id(var.parent, var.type, var.name)
}
