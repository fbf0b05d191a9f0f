//! Managed resources. Each is one small type: its schema, validation, and
//! the create/read/update/delete/import operations. The provider core
//! handles planning, the value codec and the protocol around them.

pub mod checks;
pub mod guard;
pub mod ids;
pub mod image_permission;
pub mod image_sharing;
pub mod timeouts;

pub use guard::SharingGuard;

use crate::aws::Workspaces;
use crate::diag::{Diagnostic, Diagnostics};
use crate::schema::Schema;
use crate::value::Value;

/// What every resource operation works with once the provider is
/// configured: the AWS client and the provider-level settings.
#[derive(Debug, Clone)]
pub struct Context {
    pub aws: Workspaces,
    /// `allowed_/forbidden_shared_account_ids` from the provider block.
    pub guard: SharingGuard,
    /// How many grants or revokes one resource runs at once.
    pub concurrency: usize,
}

/// Default for [`Context::concurrency`]: WorkSpaces throttles its API per
/// account at a few requests a second, so more in flight only buys retries.
pub const DEFAULT_CONCURRENCY: usize = 5;

impl Context {
    pub fn new(aws: Workspaces) -> Context {
        Context {
            aws,
            guard: SharingGuard::default(),
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// The context for one operation that must be over within `budget`
    /// from now: every AWS call and wait in it ends by then.
    pub fn within(&self, budget: std::time::Duration) -> (Context, std::time::Instant) {
        let deadline = std::time::Instant::now() + budget;
        let ctx = Context {
            aws: self.aws.until(deadline, budget),
            ..self.clone()
        };
        (ctx, deadline)
    }
}

/// The state a resource operation leaves behind, with what went wrong.
/// An error with `Some` state means the remote change happened (at least in
/// part) and must stay recorded; with `None` it means nothing exists.
#[derive(Debug, Default)]
pub struct StateResult {
    pub state: Option<Value>,
    pub diagnostics: Diagnostics,
}

impl StateResult {
    pub fn ok(state: Value) -> StateResult {
        StateResult {
            state: Some(state),
            diagnostics: Diagnostics::new(),
        }
    }

    pub fn gone() -> StateResult {
        StateResult::default()
    }

    pub fn failed(state: Option<Value>, diagnostic: Diagnostic) -> StateResult {
        StateResult {
            state,
            diagnostics: diagnostic.into(),
        }
    }
}

#[tonic::async_trait]
pub trait Resource: Send + Sync {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Checks the configuration's known values. Runs before any AWS call;
    /// unknown values are skipped here and checked again at apply.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Completes a create or update plan: sets computed attributes that can
    /// be known now and checks what needs the provider's settings or AWS
    /// (guards, the image's owner). `ctx` is `None` when the provider is
    /// not configured yet (its block depends on unknown values).
    async fn plan(
        &self,
        _ctx: Option<&Context>,
        _prior: &Value,
        _planned: &mut Value,
    ) -> Diagnostics {
        Diagnostics::new()
    }

    async fn create(&self, ctx: &Context, planned: &Value) -> StateResult;

    /// The remote object as it is now; `state: None` when it is gone.
    async fn read(&self, ctx: &Context, current: &Value) -> StateResult;

    async fn update(&self, _ctx: &Context, prior: &Value, _planned: &Value) -> StateResult {
        StateResult::failed(
            Some(prior.clone()),
            Diagnostic::error(
                format!("{} cannot be updated in place", self.type_name()),
                "Every argument of this resource forces replacement, so Terraform should never plan an \
                 in-place update. This is a bug in the provider; please report it.",
            ),
        )
    }

    /// Removes the remote object. Errors leave the resource in state.
    async fn delete(&self, ctx: &Context, prior: &Value) -> Diagnostics;

    /// The state for `terraform import` with the given ID; Terraform reads
    /// it afterwards to confirm the object exists.
    fn import(&self, id: &str) -> Result<Value, Diagnostics>;
}

/// All managed resources the provider offers.
pub fn all() -> Vec<Box<dyn Resource>> {
    vec![
        Box::new(image_permission::ImagePermission),
        Box::new(image_sharing::ImageSharing),
    ]
}
