# Share one WorkSpaces custom image with a few AWS accounts, one
# workspaces_image_permission per account. Other accounts' permissions on
# the image are left alone (use workspaces_image_sharing to own the whole
# list instead; never both for one image).
#
#   terraform init
#   terraform apply -var image_id=wsi-123456789 \
#     -var 'shared_account_ids=["111122223333","444455556666"]'
#
# Removing an account from the set revokes its permission; adding one
# grants it. `terraform destroy` revokes every permission created here.

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
    for_each = var.endpoint == null ? [] : [var.endpoint]
    content {
      workspaces = endpoints.value
      sts        = endpoints.value
    }
  }
}

resource "workspaces_image_permission" "share" {
  for_each = var.shared_account_ids

  image_id          = var.image_id
  shared_account_id = each.value

  timeouts {
    create = "10m"
    delete = "10m"
  }
}

output "permission_ids" {
  description = "The IDs of the permissions, <image_id>/<shared_account_id>."
  value       = sort([for p in workspaces_image_permission.share : p.id])
}
