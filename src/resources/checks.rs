//! Checks made before sharing an image with accounts, by both resources, at
//! plan time where the values are known and again at apply: the provider's
//! account guards, the image's existence and owner, and the Region rules
//! AWS documents for image sharing.

use super::Context;
use crate::aws::{AwsError, ImageInfo};
use crate::diag::{AttrPath, Diagnostic, Diagnostics};

/// One account an image is about to be shared with, and where the
/// configuration names it.
pub struct Target<'a> {
    pub account: &'a str,
    pub path: AttrPath,
}

/// GovCloud (US) Regions do not share BYOL (dedicated-tenancy) images.
fn is_govcloud(region: &str) -> bool {
    region.starts_with("us-gov-")
}

/// China (Ningxia): recipients can copy a shared image only within it.
const NINGXIA: &str = "cn-northwest-1";

/// When a check runs: warnings are given once, at plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Plan,
    Apply,
}

/// Everything that must hold before `image_id` is shared with `targets`.
/// Makes no AWS call when there is nothing to share, and at most one
/// (coalesced) DescribeWorkspaceImages otherwise.
pub async fn before_sharing(
    ctx: &Context,
    image_id: &str,
    image_path: AttrPath,
    targets: &[Target<'_>],
    phase: Phase,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if targets.is_empty() {
        return diags;
    }
    for t in targets {
        if let Some(why) = ctx.guard.refusal(t.account) {
            diags.push(
                Diagnostic::error(
                    format!("Sharing with account {} is not allowed", t.account),
                    format!(
                        "{why} The provider's account guards refuse to share image {image_id} with it; \
                         check the account ID, or change the guard in the provider block."
                    ),
                )
                .at(t.path.clone()),
            );
        }
    }
    if diags.has_errors() {
        return diags;
    }
    let image = match ctx.aws.describe_image(image_id).await {
        Ok(Some(image)) => image,
        Ok(None) => {
            diags.push(not_found(image_id, &ctx.aws.region()).at(image_path));
            return diags;
        }
        Err(e) => {
            diags.push(lookup_failed(image_id, &e));
            return diags;
        }
    };
    diags.extend(image_rules(
        &image,
        &ctx.aws.region(),
        image_path,
        targets,
        phase,
    ));
    diags
}

pub fn not_found(image_id: &str, region: &str) -> Diagnostic {
    Diagnostic::error(
        "WorkSpaces image not found",
        format!(
            "There is no image {image_id} in Region {region} of this account. Images are shared per \
             Region, and only the account that owns an image can share it."
        ),
    )
}

fn lookup_failed(image_id: &str, e: &AwsError) -> Diagnostic {
    Diagnostic::error(
        format!("checking WorkSpaces image {image_id} before granting access to it"),
        e.to_string(),
    )
}

/// The rules that depend only on what DescribeWorkspaceImages said.
fn image_rules(
    image: &ImageInfo,
    region: &str,
    image_path: AttrPath,
    targets: &[Target<'_>],
    phase: Phase,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if let Some(owner) = image.owner_account_id.as_deref() {
        for t in targets.iter().filter(|t| t.account == owner) {
            diags.push(
                Diagnostic::error(
                    format!("Image {} belongs to account {owner}", image.image_id),
                    format!(
                        "Account {owner} owns image {} and cannot be granted a permission to copy its \
                         own image. Remove it from the accounts to share with.",
                        image.image_id
                    ),
                )
                .at(t.path.clone()),
            );
        }
    }
    if is_govcloud(region) && image.required_tenancy.as_deref() == Some("DEDICATED") {
        diags.push(
            Diagnostic::error(
                "BYOL images cannot be shared in AWS GovCloud (US)",
                format!(
                    "Image {} is a BYOL image (required tenancy DEDICATED). In {region}, as in every AWS \
                     GovCloud (US) Region, WorkSpaces does not share BYOL images with other accounts.",
                    image.image_id
                ),
            )
            .at(image_path.clone()),
        );
    }
    if region == NINGXIA && phase == Phase::Plan {
        diags.push(
            Diagnostic::warning(
                "Shared image can be copied only within China (Ningxia)",
                format!(
                    "Accounts that receive image {} in {NINGXIA} can copy it only within that Region, \
                     not to other Regions.",
                    image.image_id
                ),
            )
            .at(image_path),
        );
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(owner: &str, tenancy: &str) -> ImageInfo {
        ImageInfo {
            image_id: "wsi-123456789".into(),
            owner_account_id: Some(owner.into()),
            required_tenancy: Some(tenancy.into()),
            ..ImageInfo::default()
        }
    }

    fn target(account: &str) -> Target<'_> {
        Target {
            account,
            path: AttrPath::root("shared_account_id"),
        }
    }

    #[test]
    fn sharing_with_the_owner_is_refused_at_the_account() {
        let d = image_rules(
            &image("123456789012", "DEFAULT"),
            "us-east-1",
            AttrPath::root("image_id"),
            &[target("111122223333"), target("123456789012")],
            Phase::Plan,
        );
        assert_eq!(d.iter().count(), 1);
        let only = d.iter().next().unwrap();
        assert!(only.summary.contains("belongs to account 123456789012"));
        assert_eq!(only.attribute, Some(AttrPath::root("shared_account_id")));
    }

    #[test]
    fn byol_images_are_refused_in_govcloud_only() {
        let byol = image("123456789012", "DEDICATED");
        let t = [target("111122223333")];
        let gov = image_rules(
            &byol,
            "us-gov-west-1",
            AttrPath::root("image_id"),
            &t,
            Phase::Apply,
        );
        assert!(gov.has_errors());
        assert!(gov.iter().any(|d| d.summary.contains("GovCloud")));
        let commercial = image_rules(
            &byol,
            "us-east-1",
            AttrPath::root("image_id"),
            &t,
            Phase::Plan,
        );
        assert!(commercial.is_empty());
        let default_tenancy = image("123456789012", "DEFAULT");
        let gov_default = image_rules(
            &default_tenancy,
            "us-gov-east-1",
            AttrPath::root("image_id"),
            &t,
            Phase::Plan,
        );
        assert!(gov_default.is_empty());
    }

    #[test]
    fn ningxia_warns_at_plan_and_does_not_fail() {
        let img = image("123456789012", "DEFAULT");
        let t = [target("111122223333")];
        let plan = image_rules(
            &img,
            "cn-northwest-1",
            AttrPath::root("image_id"),
            &t,
            Phase::Plan,
        );
        assert!(!plan.has_errors());
        assert!(plan.iter().any(|d| d.summary.contains("Ningxia")));
        let apply = image_rules(
            &img,
            "cn-northwest-1",
            AttrPath::root("image_id"),
            &t,
            Phase::Apply,
        );
        assert!(apply.is_empty());
        let beijing = image_rules(
            &img,
            "cn-north-1",
            AttrPath::root("image_id"),
            &t,
            Phase::Plan,
        );
        assert!(beijing.is_empty());
    }
}
