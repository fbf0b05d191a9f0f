//! `workspaces_image_sharing`: the whole list of accounts one WorkSpaces
//! image is shared with, owned by one resource (authoritative).
//!
//! - plan: the provider's account guards, the image's owner and the Region
//!   rules, for the accounts being added;
//! - create and update: read what AWS holds, grant the accounts missing
//!   from it and revoke the ones it has beyond the configuration (grants
//!   made outside Terraform included), a bounded number at a time, then
//!   wait until DescribeWorkspaceImagePermissions shows the result. State
//!   records what AWS then holds, so a partial failure keeps every grant
//!   that happened and none that did not;
//! - read: the image's current list (coalesced per image), so grants and
//!   revokes made outside Terraform show as drift;
//! - delete: revokes every account the resource lists;
//! - import: by image ID, adopting the current list.

use super::checks::{self, Phase, Target};
use super::ids::{check_account_id, check_image_id};
use super::timeouts::{self, Operation};
use super::{Context, Resource, StateResult};
use crate::aws::{AwsError, Change, Workspaces};
use crate::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::schema::{Attribute, Block, Schema};
use crate::value::{Type, Value};
use std::collections::BTreeSet;
use std::time::Instant;

pub const TYPE_NAME: &str = "workspaces_image_sharing";
const IMAGE_ID: &str = "image_id";
const ACCOUNTS: &str = "shared_account_ids";

/// At most this many failed accounts are spelled out in one diagnostic.
const LISTED_FAILURES: usize = 10;

pub struct ImageSharing;

/// The resource's arguments, once known.
#[derive(Debug, Clone, PartialEq)]
struct Model {
    image_id: String,
    accounts: BTreeSet<String>,
    /// The `timeouts` block as configured; it lives in state only.
    timeouts: Value,
}

impl Model {
    /// `None` while the image ID or any account is unknown.
    fn from_value(v: &Value) -> Option<Model> {
        let image_id = v.attr(IMAGE_ID)?.as_str()?.to_string();
        let accounts = match v.attr(ACCOUNTS)? {
            Value::Set(items) | Value::List(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<BTreeSet<_>>>()?,
            Value::Null => BTreeSet::new(),
            _ => return None,
        };
        Some(Model {
            image_id,
            accounts,
            timeouts: v.attr(timeouts::BLOCK).cloned().unwrap_or(Value::Null),
        })
    }

    fn to_value(&self) -> Value {
        Value::object([
            ("id", Value::string(&self.image_id)),
            (IMAGE_ID, Value::string(&self.image_id)),
            (
                ACCOUNTS,
                Value::Set(self.accounts.iter().map(Value::string).collect()),
            ),
            (timeouts::BLOCK, self.timeouts.clone()),
        ])
    }

    fn with_accounts(&self, accounts: BTreeSet<String>) -> Model {
        Model {
            accounts,
            ..self.clone()
        }
    }
}

/// How many bad elements of `shared_account_ids` get a diagnostic each.
const MAX_ELEMENT_DIAGNOSTICS: usize = 10;

/// The known elements of `shared_account_ids` in a configuration.
fn known_accounts(config: &Value) -> BTreeSet<String> {
    config
        .attr(ACCOUNTS)
        .and_then(Value::string_set)
        .unwrap_or_default()
}

/// Terraform's attribute paths cannot step into a set element, so a
/// diagnostic about one element points at the set and names the element.
fn accounts_path() -> AttrPath {
    AttrPath::root(ACCOUNTS)
}

fn targets<'a>(accounts: impl IntoIterator<Item = &'a String>) -> Vec<Target<'a>> {
    accounts
        .into_iter()
        .map(|a| Target {
            account: a,
            path: accounts_path(),
        })
        .collect()
}

fn failure(action: &str, image_id: &str, detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error(
        format!("{action} WorkSpaces Image Sharing ({image_id})"),
        detail,
    )
}

/// One grant or revoke and how it went.
struct Outcome {
    account: String,
    allow: bool,
    result: Result<Change, AwsError>,
}

/// Grants `grant` and revokes `revoke`, at most `ctx.concurrency` at a
/// time. Every write is attempted even when some fail, so one bad account
/// does not hold back the others. A write starts only when another ends:
/// each one in flight holds an SDK call's state (kilobytes), so starting all
/// 2,000 of a large list at once would hold megabytes for nothing.
async fn write_all(
    ctx: &Context,
    image_id: &str,
    grant: &BTreeSet<String>,
    revoke: &BTreeSet<String>,
) -> Vec<Outcome> {
    let limit = ctx.concurrency.max(1);
    let mut writes = grant
        .iter()
        .map(|a| (a, true))
        .chain(revoke.iter().map(|a| (a, false)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut outcomes = Vec::new();
    loop {
        while tasks.len() < limit {
            let Some((account, allow)) = writes.next() else {
                break;
            };
            let aws = ctx.aws.clone();
            let (image_id, account) = (image_id.to_string(), account.clone());
            tasks.spawn(async move {
                let result = if allow {
                    aws.grant(&image_id, &account).await
                } else {
                    aws.revoke(&image_id, &account).await
                };
                Outcome {
                    account,
                    allow,
                    result,
                }
            });
        }
        match tasks.join_next().await {
            Some(Ok(outcome)) => outcomes.push(outcome),
            // A task that panicked is a bug; its account is reported as not
            // changed below by its absence from the outcomes.
            Some(Err(e)) => tracing::error!(error = %e, "a permission update task failed"),
            None => break,
        }
    }
    outcomes
}

/// What one apply did, and the state that records it truthfully.
struct Applied {
    /// `None` when nothing could be read or written: the state before
    /// stands (prior state on update, no resource on create).
    state: Option<Model>,
    diagnostics: Diagnostics,
    /// Whether any write reached AWS (or may have).
    wrote: bool,
}

/// Makes the image's sharing list equal to `desired.accounts`: the heart
/// of create and update.
async fn converge(ctx: &Context, desired: &Model, deadline: Instant, action: &str) -> Applied {
    let aws = &ctx.aws;
    let image_id = &desired.image_id;
    let held: BTreeSet<String> = match aws.sharing(image_id).await {
        Ok(Some(held)) => (*held).clone(),
        Ok(None) => {
            return Applied {
                state: None,
                diagnostics: checks::not_found(image_id, &aws.region())
                    .at(AttrPath::root(IMAGE_ID))
                    .into(),
                wrote: false,
            }
        }
        Err(e) => {
            return Applied {
                state: None,
                // Only the read ran: nothing was granted or revoked.
                diagnostics: failure(
                    &format!("reading the current sharing before {action}"),
                    image_id,
                    e.to_string(),
                )
                .into(),
                wrote: false,
            };
        }
    };
    let grant: BTreeSet<String> = desired.accounts.difference(&held).cloned().collect();
    let revoke: BTreeSet<String> = held.difference(&desired.accounts).cloned().collect();
    let mut diagnostics = Diagnostics::new();
    if !grant.is_empty() {
        diagnostics.extend(
            checks::before_sharing(
                ctx,
                image_id,
                AttrPath::root(IMAGE_ID),
                &targets(&grant),
                Phase::Apply,
            )
            .await,
        );
        if diagnostics.has_errors() {
            return Applied {
                state: Some(desired.with_accounts(held)),
                diagnostics,
                wrote: false,
            };
        }
    }
    tracing::info!(
        image_id,
        grants = grant.len(),
        revokes = revoke.len(),
        "converging image sharing"
    );
    let outcomes = write_all(ctx, image_id, &grant, &revoke).await;

    // What we believe AWS holds if nothing more can be read: the list
    // before, with every write that happened or may have happened applied.
    // A revoke whose outcome is unknown is assumed not to have happened, so
    // no grant drops out of state unseen.
    let mut believed = held.clone();
    let mut failed = Vec::new();
    let mut accepted = Vec::new();
    for o in &outcomes {
        match &o.result {
            Ok(change) => {
                if o.allow {
                    believed.insert(o.account.clone());
                } else {
                    believed.remove(&o.account);
                }
                accepted.push(change.clone());
            }
            Err(e) => {
                if o.allow && e.outcome_unknown() {
                    believed.insert(o.account.clone());
                }
                failed.push((o.account.as_str(), o.allow, e));
            }
        }
    }
    let wrote = outcomes.iter().any(|o| {
        o.result
            .as_ref()
            .map_or_else(|e| e.outcome_unknown(), |_| true)
    });
    if !failed.is_empty() {
        diagnostics.push(failures(action, image_id, &failed, outcomes.len()));
    }

    // Wait until AWS shows every change it accepted, then record what it holds.
    let state = match aws.settle(&accepted, deadline).await {
        Ok(()) => match aws.sharing(image_id).await {
            Ok(Some(now)) => (*now).clone(),
            Ok(None) => BTreeSet::new(),
            Err(e) => {
                diagnostics.push(failure(
                    &format!("reading back the sharing after {action}"),
                    image_id,
                    e.to_string(),
                ));
                believed
            }
        },
        Err(e) => {
            diagnostics.push(failure(
                action,
                image_id,
                format!(
                    "WorkSpaces accepted the changes, but {e}. State records the accounts as \
                     granted; the next refresh reads what AWS holds."
                ),
            ));
            believed
        }
    };
    Applied {
        state: Some(desired.with_accounts(state)),
        diagnostics,
        wrote,
    }
}

/// One diagnostic for the writes that failed, naming each account.
fn failures(
    action: &str,
    image_id: &str,
    failed: &[(&str, bool, &AwsError)],
    total: usize,
) -> Diagnostic {
    let mut detail = format!(
        "{} of {total} permission changes failed; the others were made, and state records what \
         WorkSpaces now holds.\n",
        failed.len()
    );
    for (account, allow, e) in failed.iter().take(LISTED_FAILURES) {
        let verb = if *allow { "granting" } else { "revoking" };
        detail.push_str(&format!("\n- {verb} account {account}: {e}"));
    }
    if failed.len() > LISTED_FAILURES {
        detail.push_str(&format!("\n- and {} more", failed.len() - LISTED_FAILURES));
    }
    failure(action, image_id, detail)
}

#[tonic::async_trait]
impl Resource for ImageSharing {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                description: "The complete list of AWS accounts a WorkSpaces custom image is shared with, in \
                              the provider's Region (authoritative). Accounts missing from AWS are granted, \
                              accounts AWS lists beyond `shared_account_ids` are revoked, including grants \
                              made outside Terraform. Do not use it together with \
                              `workspaces_image_permission` for the same image.",
                attributes: vec![
                    Attribute::computed("id", Type::String, "The image ID, as `image_id`."),
                    Attribute::required(
                        IMAGE_ID,
                        Type::String,
                        "ID of the WorkSpaces image to share (`wsi-...`), in the provider's Region. \
                         Changing it forces a new resource.",
                    )
                    .requires_replace(),
                    Attribute::required(
                        ACCOUNTS,
                        Type::Set(Box::new(Type::String)),
                        "The 12-digit IDs of every AWS account that may copy the image. May be empty: then \
                         the image is shared with no one.",
                    ),
                ],
                block_types: vec![timeouts::block(&[
                    Operation::Create,
                    Operation::Update,
                    Operation::Delete,
                ])],
            },
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if let Some(Err(msg)) = config
            .attr(IMAGE_ID)
            .and_then(Value::as_str)
            .map(check_image_id)
        {
            diags.push(
                Diagnostic::error("Invalid WorkSpaces image ID", msg).at(AttrPath::root(IMAGE_ID)),
            );
        }
        let accounts = known_accounts(config);
        let invalid: Vec<String> = accounts
            .iter()
            .filter_map(|a| check_account_id(a).err())
            .collect();
        // One diagnostic per bad element, up to a screenful: a generated
        // list of thousands must not bury the first error.
        for msg in invalid.iter().take(MAX_ELEMENT_DIAGNOSTICS) {
            diags.push(
                Diagnostic::error(
                    "Invalid AWS account ID in shared_account_ids",
                    format!("Element {msg}"),
                )
                .at(accounts_path()),
            );
        }
        if invalid.len() > MAX_ELEMENT_DIAGNOSTICS {
            diags.push(
                Diagnostic::error(
                    "More invalid AWS account IDs in shared_account_ids",
                    format!(
                        "{} more of the {} elements are not 12-digit AWS account IDs.",
                        invalid.len() - MAX_ELEMENT_DIAGNOSTICS,
                        accounts.len()
                    ),
                )
                .at(accounts_path()),
            );
        }
        diags.extend(timeouts::validate(config));
        diags
    }

    async fn plan(&self, ctx: Option<&Context>, prior: &Value, planned: &mut Value) -> Diagnostics {
        let image_id = planned
            .attr(IMAGE_ID)
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Value::Object(attrs) = planned {
            attrs.insert(
                "id".to_string(),
                image_id.clone().map_or(Value::Unknown, Value::String),
            );
        }
        let (Some(ctx), Some(image_id)) = (ctx, image_id) else {
            return Diagnostics::new();
        };
        // Only accounts being added need the checks; with a new image
        // (replacement) every account is added.
        let before = match Model::from_value(prior) {
            Some(p) if p.image_id == image_id => p.accounts,
            _ => BTreeSet::new(),
        };
        let added: Vec<String> = known_accounts(planned)
            .difference(&before)
            .cloned()
            .collect();
        checks::before_sharing(
            ctx,
            &image_id,
            AttrPath::root(IMAGE_ID),
            &targets(&added),
            Phase::Plan,
        )
        .await
    }

    async fn create(&self, ctx: &Context, planned: &Value) -> StateResult {
        let Some(desired) = Model::from_value(planned) else {
            return StateResult::failed(None, unknown_arguments("creating"));
        };
        let (ctx, deadline) = ctx.within(timeouts::get(planned, Operation::Create));
        let ctx = &ctx;
        let applied = converge(ctx, &desired, deadline, "creating").await;
        // A create that changed nothing in AWS and failed leaves no resource;
        // once anything was written, the resource exists and owns the image.
        let keep = applied.wrote || !applied.diagnostics.has_errors();
        StateResult {
            state: applied.state.filter(|_| keep).map(|m| m.to_value()),
            diagnostics: applied.diagnostics,
        }
    }

    async fn read(&self, ctx: &Context, current: &Value) -> StateResult {
        // Right after import the list is null: read fills it in.
        let Some(model) = Model::from_value(current) else {
            return StateResult::failed(Some(current.clone()), unknown_arguments("reading"));
        };
        match ctx.aws.sharing(&model.image_id).await {
            Ok(Some(held)) => {
                let held = (*held).clone();
                let extra = held.difference(&model.accounts).count();
                let missing = model.accounts.difference(&held).count();
                if extra + missing > 0 {
                    tracing::warn!(
                        image_id = %model.image_id,
                        granted_outside = extra,
                        revoked_outside = missing,
                        "image sharing changed outside Terraform"
                    );
                }
                StateResult::ok(model.with_accounts(held).to_value())
            }
            Ok(None) => {
                tracing::warn!(image_id = %model.image_id, "image not found, removing from state");
                StateResult::gone()
            }
            Err(e) => StateResult::failed(
                Some(current.clone()),
                failure("reading", &model.image_id, e.to_string()),
            ),
        }
    }

    async fn update(&self, ctx: &Context, prior: &Value, planned: &Value) -> StateResult {
        let Some(desired) = Model::from_value(planned) else {
            return StateResult::failed(Some(prior.clone()), unknown_arguments("updating"));
        };
        let (ctx, deadline) = ctx.within(timeouts::get(planned, Operation::Update));
        let ctx = &ctx;
        let applied = converge(ctx, &desired, deadline, "updating").await;
        StateResult {
            // Nothing read or written: the prior state stands, whole.
            state: Some(
                applied
                    .state
                    .map_or_else(|| prior.clone(), |m| m.to_value()),
            ),
            diagnostics: applied.diagnostics,
        }
    }

    async fn delete(&self, ctx: &Context, prior: &Value) -> Diagnostics {
        let Some(model) = Model::from_value(prior) else {
            return unknown_arguments("deleting").into();
        };
        let (ctx, deadline) = ctx.within(timeouts::get(prior, Operation::Delete));
        let ctx = &ctx;
        let held = match ctx.aws.sharing(&model.image_id).await {
            Ok(Some(held)) => held,
            // The image is gone, and its permissions with it.
            Ok(None) => return Diagnostics::new(),
            Err(e) => {
                return failure(
                    "reading the current sharing before deleting",
                    &model.image_id,
                    e.to_string(),
                )
                .into()
            }
        };
        // Revoke only what AWS still lists: it refuses to revoke what was
        // never granted, and what is already gone needs nothing.
        let revoke: BTreeSet<String> = model.accounts.intersection(&held).cloned().collect();
        let outcomes = write_all(ctx, &model.image_id, &BTreeSet::new(), &revoke).await;
        let mut diagnostics = Diagnostics::new();
        let failed: Vec<_> = outcomes
            .iter()
            .filter_map(|o| match &o.result {
                Err(e) if !Workspaces::is_not_found(e) => Some((o.account.as_str(), o.allow, e)),
                _ => None,
            })
            .collect();
        if !failed.is_empty() {
            // The resource stays in state (the provider core keeps the prior
            // state on error); the next refresh reads what is left.
            diagnostics.push(failures(
                "deleting",
                &model.image_id,
                &failed,
                outcomes.len(),
            ));
            return diagnostics;
        }
        let changes: Vec<Change> = outcomes.into_iter().filter_map(|o| o.result.ok()).collect();
        if let Err(e) = ctx.aws.settle(&changes, deadline).await {
            diagnostics.push(failure(
                "confirming the revokes after deleting",
                &model.image_id,
                e.to_string(),
            ));
        }
        diagnostics
    }

    fn import(&self, id: &str) -> Result<Value, Diagnostics> {
        if let Err(msg) = check_image_id(id) {
            return Err(Diagnostic::error(
                "Invalid import ID",
                format!("{msg} Import a workspaces_image_sharing by its image ID."),
            )
            .into());
        }
        Ok(Value::object([
            ("id", Value::string(id)),
            (IMAGE_ID, Value::string(id)),
            (ACCOUNTS, Value::Null),
            (timeouts::BLOCK, Value::Null),
        ]))
    }
}

fn unknown_arguments(action: &str) -> Diagnostic {
    Diagnostic::error(
        format!("{action} WorkSpaces Image Sharing: arguments not known"),
        "image_id and shared_account_ids must be known when the resource is applied. This is a bug in \
         the provider or Terraform; please report it.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(image: Value, accounts: Value) -> Value {
        Value::object([
            ("id", Value::Null),
            (IMAGE_ID, image),
            (ACCOUNTS, accounts),
            (timeouts::BLOCK, Value::Null),
        ])
    }

    fn set(items: &[&str]) -> Value {
        Value::Set(items.iter().map(|s| Value::string(*s)).collect())
    }

    #[test]
    fn every_bad_element_is_reported_at_the_set_and_named() {
        let diags = ImageSharing.validate(&config(
            Value::string("wsi-123456789"),
            set(&["111122223333", "12345", "abcdefghijkl"]),
        ));
        let errors: Vec<_> = diags.iter().collect();
        assert_eq!(errors.len(), 2);
        assert!(
            errors[0].detail.contains("\"12345\""),
            "{}",
            errors[0].detail
        );
        assert!(errors[1].detail.contains("\"abcdefghijkl\""));
        assert!(errors
            .iter()
            .all(|d| d.attribute == Some(AttrPath::root(ACCOUNTS))));
    }

    #[test]
    fn unknown_elements_and_sets_are_checked_later() {
        let partly = Value::Set(vec![Value::string("111122223333"), Value::Unknown]);
        assert!(ImageSharing
            .validate(&config(Value::string("wsi-123456789"), partly.clone()))
            .is_empty());
        assert!(ImageSharing
            .validate(&config(Value::Unknown, Value::Unknown))
            .is_empty());
        assert_eq!(
            Model::from_value(&config(Value::string("wsi-123456789"), partly)),
            None
        );
    }

    #[test]
    fn an_empty_list_is_allowed() {
        let v = config(Value::string("wsi-123456789"), set(&[]));
        assert!(ImageSharing.validate(&v).is_empty());
        assert_eq!(Model::from_value(&v).unwrap().accounts.len(), 0);
    }

    #[test]
    fn model_round_trips_through_value() {
        let v = config(
            Value::string("wsi-123456789"),
            set(&["444455556666", "111122223333"]),
        );
        let m = Model::from_value(&v).unwrap();
        let back = m.to_value();
        assert_eq!(back.attr("id"), Some(&Value::string("wsi-123456789")));
        assert_eq!(Model::from_value(&back), Some(m));
    }

    #[test]
    fn import_takes_an_image_id() {
        let state = ImageSharing.import("wsi-123456789").unwrap();
        assert_eq!(state.attr(IMAGE_ID), Some(&Value::string("wsi-123456789")));
        assert!(ImageSharing.import("wsi-123456789/111122223333").is_err());
    }
}
