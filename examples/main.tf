# Share one WorkSpaces custom image with a set of AWS accounts.
#
#   terraform apply -var image_id=wsi-123456789 \
#     -var 'shared_account_ids=["111122223333","444455556666"]'
#
# Removing an account from the set revokes its permission; adding one grants
# it; `terraform plan` shows who gains and who loses access.

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
  description = "Custom WorkSpaces endpoint URL (the demo points this at a local moto server). Null uses AWS."
  type        = string
  default     = null
}

variable "sts_endpoint" {
  description = "Custom STS endpoint URL, for the provider's credential check. Null uses workspaces_endpoint when that is set (an emulator such as moto serves every API on one URL), else AWS."
  type        = string
  default     = null
}

variable "image_id" {
  description = "The WorkSpaces image to share (wsi-...)."
  type        = string
}

variable "shared_account_ids" {
  description = "12-digit IDs of the AWS accounts that may copy the image."
  type        = set(string)
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

resource "workspaces_image_permission" "share" {
  for_each = var.shared_account_ids

  image_id          = var.image_id
  shared_account_id = each.value
}

output "shared_with" {
  description = "Accounts that hold permission to copy the image."
  value       = sort([for p in workspaces_image_permission.share : p.shared_account_id])
}
