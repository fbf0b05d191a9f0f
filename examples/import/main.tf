# Adopt a permission granted outside Terraform (in the console, or with
# `aws workspaces update-workspace-image-permission`) with `terraform import`.
# See README.md for the steps.

terraform {
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
  description = "The WorkSpaces image that is already shared (wsi-...)."
  type        = string
}

variable "shared_account_id" {
  description = "The 12-digit ID of the AWS account that already holds the permission."
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

# The configuration the permission is imported into: it must describe the
# permission as it is, so that the plan after the import shows no changes.
resource "workspaces_image_permission" "share" {
  image_id          = var.image_id
  shared_account_id = var.shared_account_id
}
