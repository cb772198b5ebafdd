# Everything in this directory is generated as JSON (main.tf.json, with its
# values in terraform.tfvars.json); this file is intentionally left empty.
