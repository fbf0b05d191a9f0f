# Own the whole sharing list of one WorkSpaces custom image
# (workspaces_image_sharing is authoritative: accounts not listed here are
# revoked, including grants made outside Terraform).
#
#   terraform apply -var image_id=wsi-123456789 \
#     -var 'shared_account_ids=["111122223333","444455556666"]'
#
# A shared image must be unshared before AWS lets anyone delete it. Here the
# image is represented by `terraform_data.golden_image` (in a real
# configuration: the resource or module that builds the image). Because the
# sharing refers to it, Terraform's dependency order destroys the sharing
# (revoking every account) before the image, so `terraform destroy` never
# tries to delete an image that is still shared. Needs Terraform 1.4+.

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
  description = "12-digit IDs of every AWS account that may copy the image. May be empty."
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

# Stands in for whatever creates (and on destroy deletes) the image.
resource "terraform_data" "golden_image" {
  input = var.image_id
}

resource "workspaces_image_sharing" "golden" {
  image_id           = terraform_data.golden_image.output
  shared_account_ids = var.shared_account_ids

  timeouts {
    create = "10m"
    update = "10m"
    delete = "10m"
  }
}

output "shared_with" {
  description = "Accounts that hold permission to copy the image, as AWS reports them."
  value       = sort(tolist(workspaces_image_sharing.golden.shared_account_ids))
}
