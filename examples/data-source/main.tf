# Show who may copy a WorkSpaces custom image, and what the image is.
#
#   terraform apply -var image_id=wsi-123456789
#
# Lists every account the image is shared with, including permissions
# granted outside Terraform.

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

variable "workspaces_endpoint" {
  description = "Custom WorkSpaces endpoint URL (for example a local moto server). Null uses AWS."
  type        = string
  default     = null
}

variable "sts_endpoint" {
  description = "Custom STS endpoint URL, for the provider's credential check. Null uses workspaces_endpoint when that is set (an emulator such as moto serves every API on one URL), else AWS."
  type        = string
  default     = null
}

variable "image_id" {
  description = "The WorkSpaces image to read (wsi-...)."
  type        = string
}

provider "workspaces" {
  region = var.region

  dynamic "endpoints" {
    for_each = var.workspaces_endpoint == null && var.sts_endpoint == null ? [] : [1]
    content {
      workspaces = var.workspaces_endpoint
      sts        = var.sts_endpoint != null ? var.sts_endpoint : var.workspaces_endpoint
    }
  }
}

data "workspaces_image_permissions" "image" {
  image_id = var.image_id
}

output "shared_with" {
  description = "Accounts that hold permission to copy the image."
  value       = sort(data.workspaces_image_permissions.image.shared_account_ids)
}

output "image" {
  description = "The image's name, owner, state and tenancy."
  value = {
    name             = data.workspaces_image_permissions.image.name
    owner_account_id = data.workspaces_image_permissions.image.owner_account_id
    state            = data.workspaces_image_permissions.image.state
    required_tenancy = data.workspaces_image_permissions.image.required_tenancy
  }
}
