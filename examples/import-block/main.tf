# Adopt an image's whole sharing list, granted outside Terraform, with an
# `import` block, and let Terraform write the resource's configuration:
#
#   terraform plan -generate-config-out=generated.tf
#   terraform apply
#
# See README.md for the steps.

terraform {
  # `import` blocks arrived in v1.5.0; an `id` built from a variable needs v1.6.0.
  required_version = ">= 1.6.0"

  required_providers {
    workspaces = {
      source = "terraform.local/platform/workspaces"
    }
  }
}

variable "region" {
  description = "AWS Region of the image. Sharing is per Region."
  type        = string
  default     = "us-east-1"
}

variable "endpoint" {
  description = "Custom endpoint URL for WorkSpaces and STS (for example a local moto server). Null uses AWS."
  type        = string
  default     = null
}

variable "image_id" {
  description = "The WorkSpaces image whose sharing list to adopt (wsi-...)."
  type        = string
}

provider "workspaces" {
  region = var.region

  dynamic "endpoints" {
    for_each = var.endpoint == null ? [] : [var.endpoint]
    content {
      workspaces = endpoints.value
      sts        = endpoints.value
    }
  }
}

# No resource block here: `terraform plan -generate-config-out=generated.tf`
# writes it, with the accounts the image is shared with today.
import {
  to = workspaces_image_sharing.golden
  id = var.image_id
}
