//! `workspaces_image_permission`: one AWS account's permission to copy one
//! WorkSpaces image, in the provider's Region.
//!
//! - plan: the provider's account guards, the image's owner and the Region
//!   rules (`checks.rs`), where the values are known;
//! - create: the same checks, UpdateWorkspaceImagePermission
//!   (AllowCopyImage=true), then a wait until DescribeWorkspaceImagePermissions
//!   lists the account, so state holds what AWS reports;
//! - read: DescribeWorkspaceImagePermissions (coalesced per image); an
//!   account no longer listed, or an image that is gone, removes the
//!   resource from state;
//! - delete: UpdateWorkspaceImagePermission(AllowCopyImage=false), only when
//!   the account still holds the permission (AWS refuses to revoke what was
//!   never granted), then a wait until it is no longer listed;
//! - import: `<image_id>/<shared_account_id>`.

use super::checks::{self, Phase, Target};
use super::ids::{check_account_id, check_image_id};
use super::timeouts::{self, Operation};
use super::{Context, Resource, StateResult};
use crate::aws::{SettleError, Workspaces};
use crate::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::schema::{Attribute, Block, Schema};
use crate::value::{Type, Value};

pub const TYPE_NAME: &str = "workspaces_image_permission";
const IMAGE_ID: &str = "image_id";
const ACCOUNT_ID: &str = "shared_account_id";

pub struct ImagePermission;

/// The two identifying arguments, once both are known.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    image_id: String,
    account_id: String,
}

impl Key {
    fn from_value(v: &Value) -> Option<Key> {
        Some(Key {
            image_id: v.attr(IMAGE_ID)?.as_str()?.to_string(),
            account_id: v.attr(ACCOUNT_ID)?.as_str()?.to_string(),
        })
    }

    fn id(&self) -> String {
        format!("{}/{}", self.image_id, self.account_id)
    }

    /// The state for this permission; `timeouts` is configuration only,
    /// carried over from the value the state is derived from.
    fn state(&self, from: &Value) -> Value {
        Value::object([
            ("id", Value::string(self.id())),
            (IMAGE_ID, Value::string(&self.image_id)),
            (ACCOUNT_ID, Value::string(&self.account_id)),
            (
                timeouts::BLOCK,
                from.attr(timeouts::BLOCK).cloned().unwrap_or(Value::Null),
            ),
        ])
    }

    fn target(&self) -> [Target<'_>; 1] {
        [Target {
            account: &self.account_id,
            path: AttrPath::root(ACCOUNT_ID),
        }]
    }

    fn check(&self) -> Diagnostics {
        check_ids(Some(&self.image_id), Some(&self.account_id))
    }
}

/// Checks whichever of the two IDs is known, pointing at its attribute.
fn check_ids(image_id: Option<&str>, account_id: Option<&str>) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if let Some(Err(msg)) = image_id.map(check_image_id) {
        diags.push(
            Diagnostic::error("Invalid WorkSpaces image ID", msg).at(AttrPath::root(IMAGE_ID)),
        );
    }
    if let Some(Err(msg)) = account_id.map(check_account_id) {
        diags.push(Diagnostic::error("Invalid AWS account ID", msg).at(AttrPath::root(ACCOUNT_ID)));
    }
    diags
}

fn aws_failure(action: &str, key: &Key, err: &dyn std::fmt::Display) -> Diagnostic {
    Diagnostic::error(
        format!("{action} WorkSpaces Image Permission ({})", key.id()),
        err.to_string(),
    )
}

fn unknown_key(action: &str) -> Diagnostic {
    Diagnostic::error(
        format!("{action} WorkSpaces Image Permission: arguments not known"),
        "image_id and shared_account_id must be known when the resource is applied. This is a bug in \
         the provider or Terraform; please report it.",
    )
}

/// The ID is known at plan time once both arguments are.
fn set_planned_id(planned: &mut Value) {
    let id = Key::from_value(planned).map_or(Value::Unknown, |k| Value::string(k.id()));
    if let Value::Object(attrs) = planned {
        attrs.insert("id".to_string(), id);
    }
}

#[tonic::async_trait]
impl Resource for ImagePermission {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                description: "Shares a WorkSpaces custom image with one AWS account in the provider's \
                              Region, letting that account copy it. Destroying the resource revokes the \
                              permission.",
                attributes: vec![
                    Attribute::computed(
                        "id",
                        Type::String,
                        "The image ID and the account ID joined by a slash: `wsi-xxxxxxxxx/123456789012`.",
                    ),
                    Attribute::required(
                        IMAGE_ID,
                        Type::String,
                        "ID of the WorkSpaces image to share (`wsi-...`), in the provider's Region. \
                         Changing it forces a new resource.",
                    )
                    .requires_replace(),
                    Attribute::required(
                        ACCOUNT_ID,
                        Type::String,
                        "The 12-digit ID of the AWS account that may copy the image. Changing it forces a \
                         new resource.",
                    )
                    .requires_replace(),
                ],
                block_types: vec![timeouts::block(&[Operation::Create, Operation::Delete])],
            },
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = check_ids(
            config.attr(IMAGE_ID).and_then(Value::as_str),
            config.attr(ACCOUNT_ID).and_then(Value::as_str),
        );
        diags.extend(timeouts::validate(config));
        diags
    }

    async fn plan(&self, ctx: Option<&Context>, prior: &Value, planned: &mut Value) -> Diagnostics {
        set_planned_id(planned);
        let (Some(ctx), Some(key)) = (ctx, Key::from_value(planned)) else {
            return Diagnostics::new();
        };
        // Only a new grant needs the checks; a change of timeouts alone does not.
        if Key::from_value(prior).as_ref() == Some(&key) {
            return Diagnostics::new();
        }
        checks::before_sharing(
            ctx,
            &key.image_id,
            AttrPath::root(IMAGE_ID),
            &key.target(),
            Phase::Plan,
        )
        .await
    }

    async fn update(&self, _ctx: &Context, _prior: &Value, planned: &Value) -> StateResult {
        // Only `timeouts` can change in place; they live in state alone.
        match Key::from_value(planned) {
            Some(key) => StateResult::ok(key.state(planned)),
            None => StateResult::failed(None, unknown_key("updating")),
        }
    }

    async fn create(&self, ctx: &Context, planned: &Value) -> StateResult {
        let (ctx, deadline) = ctx.within(timeouts::get(planned, Operation::Create));
        let (ctx, aws) = (&ctx, &ctx.aws);
        let Some(key) = Key::from_value(planned) else {
            return StateResult::failed(None, unknown_key("creating"));
        };
        let _busy = aws.busy(&key.image_id);
        let mut diags = key.check();
        if diags.has_errors() {
            return StateResult {
                state: None,
                diagnostics: diags,
            };
        }
        // Again at apply: values unknown at plan are known now, and the
        // image could have changed hands since.
        diags.extend(
            checks::before_sharing(
                ctx,
                &key.image_id,
                AttrPath::root(IMAGE_ID),
                &key.target(),
                Phase::Apply,
            )
            .await,
        );
        if diags.has_errors() {
            return StateResult {
                state: None,
                diagnostics: diags,
            };
        }
        let change = match aws.grant(&key.image_id, &key.account_id).await {
            Ok(change) => change,
            Err(e) => {
                let failure = aws_failure("creating", &key, &e);
                // The grant may have happened anyway; unless AWS now says it
                // did not, keep the permission in state (tainted) so it is
                // not left behind unrecorded. The next refresh drops it if
                // it never happened.
                let granted = e.outcome_unknown()
                    && match aws.sharing_for(&key.image_id, &key.account_id).await {
                        Ok(Some(accounts)) => accounts.contains(&key.account_id),
                        Ok(None) => false,
                        Err(_) => true,
                    };
                return StateResult::failed(granted.then(|| key.state(planned)), failure);
            }
        };
        // From here on the permission exists: every outcome keeps it in state.
        match aws.settle(std::slice::from_ref(&change), deadline).await {
            Ok(()) => StateResult::ok(key.state(planned)),
            Err(e @ SettleError::TimedOut { .. }) => StateResult::failed(
                Some(key.state(planned)),
                aws_failure(
                    "creating",
                    &key,
                    &format!(
                    "WorkSpaces accepted the grant, but {e}. The resource is kept in state, marked \
                     tainted, so the next apply retries it."
                ),
                ),
            ),
            Err(e) => StateResult::failed(
                Some(key.state(planned)),
                aws_failure("confirming the grant after creating", &key, &e),
            ),
        }
    }

    async fn read(&self, ctx: &Context, current: &Value) -> StateResult {
        let aws = &ctx.aws;
        let Some(key) = Key::from_value(current) else {
            return StateResult::failed(Some(current.clone()), unknown_key("reading"));
        };
        match aws.sharing_for(&key.image_id, &key.account_id).await {
            Ok(Some(accounts)) if accounts.contains(&key.account_id) => {
                StateResult::ok(key.state(current))
            }
            Ok(Some(_)) => {
                tracing::warn!(id = %key.id(), "account no longer holds the permission, removing from state");
                StateResult::gone()
            }
            Ok(None) => {
                tracing::warn!(id = %key.id(), "image not found, removing from state");
                StateResult::gone()
            }
            Err(e) => StateResult::failed(Some(current.clone()), aws_failure("reading", &key, &e)),
        }
    }

    async fn delete(&self, ctx: &Context, prior: &Value) -> Diagnostics {
        let (ctx, deadline) = ctx.within(timeouts::get(prior, Operation::Delete));
        let aws = &ctx.aws;
        let Some(key) = Key::from_value(prior) else {
            return unknown_key("deleting").into();
        };
        let _busy = aws.busy(&key.image_id);
        match aws.sharing_for(&key.image_id, &key.account_id).await {
            Ok(Some(accounts)) if accounts.contains(&key.account_id) => {}
            // Already revoked, or the image is gone: nothing left to do.
            Ok(_) => return Diagnostics::new(),
            // Only the read ran: nothing was revoked yet.
            Err(e) => {
                return aws_failure("checking the permission before deleting", &key, &e).into()
            }
        }
        let change = match aws.revoke(&key.image_id, &key.account_id).await {
            Ok(change) => change,
            Err(e) if Workspaces::is_not_found(&e) => return Diagnostics::new(),
            Err(e) => return aws_failure("deleting", &key, &e).into(),
        };
        match aws.settle(std::slice::from_ref(&change), deadline).await {
            Ok(()) => Diagnostics::new(),
            Err(e) => aws_failure("confirming the revoke after deleting", &key, &e).into(),
        }
    }

    fn import(&self, id: &str) -> Result<Value, Diagnostics> {
        let Some((image_id, account_id)) = id.split_once('/') else {
            return Err(Diagnostic::error(
                "Invalid import ID",
                format!(
                    "{id:?} is not an image permission ID: expected <image_id>/<shared_account_id>, for \
                     example \"wsi-123456789/123456789012\"."
                ),
            )
            .into());
        };
        let key = Key {
            image_id: image_id.to_string(),
            account_id: account_id.to_string(),
        };
        let mut diags = Diagnostics::new();
        for d in key.check() {
            // Import IDs have no attribute in configuration to point at.
            diags.push(Diagnostic {
                attribute: None,
                summary: format!("Invalid import ID: {}", d.summary),
                ..d
            });
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(key.state(&Value::Null))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(image: Value, account: Value) -> Value {
        Value::object([
            ("id", Value::Null),
            (IMAGE_ID, image),
            (ACCOUNT_ID, account),
            (timeouts::BLOCK, Value::Null),
        ])
    }

    #[test]
    fn validation_points_at_the_offending_attribute() {
        let diags =
            ImagePermission.validate(&config(Value::string("ami-123"), Value::string("12345")));
        let paths: Vec<String> = diags
            .iter()
            .filter_map(|d| d.attribute.as_ref())
            .map(|p| p.to_string())
            .collect();
        assert_eq!(paths, vec![IMAGE_ID, ACCOUNT_ID]);
    }

    #[test]
    fn validation_skips_values_not_yet_known() {
        assert!(ImagePermission
            .validate(&config(Value::Unknown, Value::Unknown))
            .is_empty());
    }

    #[test]
    fn plan_knows_the_id_once_both_arguments_are_known() {
        let mut planned = config(
            Value::string("wsi-123456789"),
            Value::string("111122223333"),
        );
        set_planned_id(&mut planned);
        assert_eq!(
            planned.attr("id"),
            Some(&Value::string("wsi-123456789/111122223333"))
        );
        let mut planned = config(Value::string("wsi-123456789"), Value::Unknown);
        set_planned_id(&mut planned);
        assert_eq!(planned.attr("id"), Some(&Value::Unknown));
    }

    #[test]
    fn import_parses_image_slash_account() {
        let state = ImagePermission
            .import("wsi-123456789/111122223333")
            .unwrap();
        assert_eq!(
            state.attr("id"),
            Some(&Value::string("wsi-123456789/111122223333"))
        );
        assert_eq!(state.attr(IMAGE_ID), Some(&Value::string("wsi-123456789")));
        assert_eq!(state.attr(ACCOUNT_ID), Some(&Value::string("111122223333")));
    }

    #[test]
    fn import_rejects_malformed_ids() {
        for bad in [
            "wsi-123456789",
            "wsi-123456789/1111",
            "111122223333/wsi-123456789",
            "/",
        ] {
            let err = ImagePermission.import(bad).unwrap_err();
            assert!(err.has_errors(), "{bad}");
            assert!(
                err.iter()
                    .all(|d| d.summary.starts_with("Invalid import ID")),
                "{bad}"
            );
        }
    }
}
