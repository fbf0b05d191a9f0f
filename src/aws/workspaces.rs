//! The WorkSpaces operations behind image sharing. Reads of one image go
//! through single-flight coalescers (see `coalesce.rs`), so Terraform's
//! many parallel reads of one image cost one paginated walk; writes mark
//! the image's reads stale, and the waits for eventual consistency poll
//! through the same coalescer.

use super::coalesce::{Coalescer, Freshness};
use super::error::{CallContext, CallTracker};
use super::stop::Stop;
use super::AwsError;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Page size for DescribeWorkspaceImagePermissions; 25 is the API maximum.
const PAGE_SIZE: i32 = 25;

/// Error codes by which WorkSpaces says the image does not exist.
const NOT_FOUND: &str = "ResourceNotFoundException";

/// What DescribeWorkspaceImages says of one image.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageInfo {
    pub image_id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub owner_account_id: Option<String>,
    /// AVAILABLE, PENDING or ERROR.
    pub state: Option<String>,
    /// DEFAULT, or DEDICATED for BYOL images.
    pub required_tenancy: Option<String>,
}

/// How long a completed read of an image's sharing serves later reads in
/// the same provider process. One Terraform command reads each resource
/// once, so this only has to span one refresh; a write to the image ends
/// it early.
const READ_WINDOW: Duration = Duration::from_secs(10);

/// The same for an image's details (owner, tenancy, existence), which no
/// write of ours changes: one lookup serves a whole apply.
const IMAGE_WINDOW: Duration = Duration::from_secs(120);

/// First and longest pause between polls while waiting for a change to
/// show up in DescribeWorkspaceImagePermissions.
const POLL_FIRST: Duration = Duration::from_millis(200);
const POLL_MAX: Duration = Duration::from_secs(5);

/// Before its first poll, a wait lets a burst of writes to the image finish
/// (no write for `QUIET`, for at most `QUIET_LIMIT`), so one walk confirms
/// them all; only while other operations on the image are under way, and
/// not once all of them have written and wait.
const QUIET: Duration = Duration::from_millis(40);
const QUIET_LIMIT: Duration = Duration::from_millis(400);

/// The accounts an image is shared with; `None` when the image is gone.
pub type Sharing = Option<Arc<BTreeSet<String>>>;

/// See [`Workspaces::busy`].
pub type Busy = super::coalesce::Busy<Sharing>;

/// A grant or revoke that AWS accepted, to wait on with [`Workspaces::settle`].
#[derive(Debug, Clone)]
pub struct Change {
    pub image_id: String,
    pub account: String,
    pub allow: bool,
    generation: u64,
}

/// Why waiting for a change to show up failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SettleError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(
        "waited {waited:?} for DescribeWorkspaceImagePermissions to {what}, and it still does not. \
         WorkSpaces is eventually consistent; if this keeps happening, raise the resource's timeouts"
    )]
    TimedOut { waited: Duration, what: String },
    #[error(
        "Terraform stopped the provider (interrupt) while waiting for DescribeWorkspaceImagePermissions \
         to {what}; AWS had accepted the change"
    )]
    Stopped { what: String },
}

struct Reads {
    sharing: Coalescer<Sharing>,
    images: Coalescer<Option<ImageInfo>>,
}

#[derive(Clone)]
pub struct Workspaces {
    client: aws_sdk_workspaces::Client,
    reads: Arc<Reads>,
    stop: Stop,
    /// When the operation this client serves must be over, and its length.
    deadline: Option<(Instant, Duration)>,
}

/// Why a call ended before AWS answered it.
enum Cut {
    Stopped,
    OutOfTime(Duration),
}

impl std::fmt::Debug for Workspaces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspaces")
            .field("region", &self.region())
            .finish_non_exhaustive()
    }
}

impl Workspaces {
    pub fn new(client: aws_sdk_workspaces::Client) -> Workspaces {
        // Every client, however built, gives up at once on a host that
        // does not resolve (see `NoRetryOnUnknownHost`).
        let conf = client
            .config()
            .to_builder()
            .retry_classifier(super::error::NoRetryOnUnknownHost)
            .build();
        Workspaces {
            client: aws_sdk_workspaces::Client::from_conf(conf),
            reads: Arc::new(Reads {
                sharing: Coalescer::new(READ_WINDOW),
                images: Coalescer::new(IMAGE_WINDOW),
            }),
            stop: Stop::new(),
            deadline: None,
        }
    }

    /// The same client for one operation of `budget` ending at `deadline`
    /// (a resource's timeouts): its calls, their retries and its waits end
    /// then, with an error, however the endpoint behaves.
    pub fn until(&self, deadline: Instant, budget: Duration) -> Workspaces {
        Workspaces {
            deadline: Some((deadline, budget)),
            ..self.clone()
        }
    }

    /// Runs one SDK call unless Terraform stops us or the time runs out.
    async fn bounded<F: std::future::Future>(&self, call: F) -> Result<F::Output, Cut> {
        let out_of_time = async {
            match self.deadline {
                Some((at, budget)) => {
                    tokio::time::sleep_until(at.into()).await;
                    budget
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            _ = self.stop.stopped() => Err(Cut::Stopped),
            budget = out_of_time => Err(Cut::OutOfTime(budget)),
            out = call => Ok(out),
        }
    }

    /// The same client, whose calls and waits end when `stop` is thrown.
    pub fn with_stop(mut self, stop: Stop) -> Workspaces {
        self.stop = stop;
        self
    }

    fn cut(&self, operation: &'static str, tracker: &CallTracker, why: Cut) -> AwsError {
        let write = operation == "UpdateWorkspaceImagePermission";
        match why {
            Cut::Stopped => {
                tracing::debug!(operation, "call ended: the provider was stopped");
                AwsError::stopped("WorkSpaces", operation, &tracker.calls(), write)
            }
            Cut::OutOfTime(budget) => {
                tracing::debug!(
                    operation,
                    ?budget,
                    "call ended: the operation's time ran out"
                );
                AwsError::out_of_time("WorkSpaces", operation, &tracker.calls(), write, budget)
            }
        }
    }

    /// The Region the client calls, for messages.
    pub fn region(&self) -> String {
        self.client
            .config()
            .region()
            .map_or_else(|| "(unknown)".to_string(), |r| r.to_string())
    }

    /// What a failed call's message needs besides the SDK's error.
    fn call_context(&self, tracker: &CallTracker) -> CallContext {
        let config = self.client.config();
        let timeouts = config.timeout_config();
        CallContext {
            calls: tracker.calls(),
            region: config.region().map(|r| r.to_string()),
            connect_timeout: timeouts.and_then(|t| t.connect_timeout()),
            attempt_timeout: timeouts.and_then(|t| t.operation_attempt_timeout()),
        }
    }

    /// The image as DescribeWorkspaceImages reports it; `None` when there is
    /// no such image in this account and Region. Coalesced per image.
    pub async fn describe_image(&self, image_id: &str) -> Result<Option<ImageInfo>, AwsError> {
        let images = &self.reads.images;
        images
            .get(image_id, images.fresh(image_id), || {
                self.fetch_image(image_id)
            })
            .await
    }

    async fn fetch_image(&self, image_id: &str) -> Result<Option<ImageInfo>, AwsError> {
        const OP: &str = "DescribeWorkspaceImages";
        let tracker = CallTracker::for_call(OP, Some(image_id), None);
        let call = self
            .client
            .describe_workspace_images()
            .image_ids(image_id)
            .customize()
            .interceptor(tracker.clone())
            .send();
        let out = match self.bounded(call).await {
            Ok(out) => out,
            Err(why) => return Err(self.cut(OP, &tracker, why)),
        };
        let page = match out {
            Ok(page) => page,
            Err(e) => {
                let e =
                    AwsError::from_sdk("DescribeWorkspaceImages", e, &self.call_context(&tracker));
                return if e.is_code(NOT_FOUND) {
                    Ok(None)
                } else {
                    Err(e)
                };
            }
        };
        Ok(page
            .images()
            .iter()
            .find(|i| i.image_id() == Some(image_id))
            .map(|i| ImageInfo {
                image_id: image_id.to_string(),
                name: i.name().map(str::to_string),
                description: i.description().map(str::to_string),
                owner_account_id: i.owner_account_id().map(str::to_string),
                state: i.state().map(|s| s.as_str().to_string()),
                required_tenancy: i.required_tenancy().map(|t| t.as_str().to_string()),
            }))
    }

    /// Marks an operation that will write the image's sharing and wait for
    /// it to show, until the guard is dropped: [`Workspaces::settle`] waits
    /// for a pause in writes only while others like it are still writing.
    pub fn busy(&self, image_id: &str) -> Busy {
        self.reads.sharing.busy(image_id)
    }

    /// Lets `account` copy the image (UpdateWorkspaceImagePermission with
    /// AllowCopyImage=true).
    pub async fn grant(&self, image_id: &str, account: &str) -> Result<Change, AwsError> {
        self.set_permission(image_id, account, true).await
    }

    /// Takes the permission away again (AllowCopyImage=false).
    pub async fn revoke(&self, image_id: &str, account: &str) -> Result<Change, AwsError> {
        self.set_permission(image_id, account, false).await
    }

    async fn set_permission(
        &self,
        image_id: &str,
        account: &str,
        allow: bool,
    ) -> Result<Change, AwsError> {
        const OP: &str = "UpdateWorkspaceImagePermission";
        let tracker = CallTracker::for_call(OP, Some(image_id), Some(account));
        let call = self
            .client
            .update_workspace_image_permission()
            .image_id(image_id)
            .shared_account_id(account)
            .allow_copy_image(allow)
            .customize()
            .interceptor(tracker.clone())
            .send();
        let out = self.bounded(call).await;
        // Even a failed write may have happened (a time-out, a 5xx, a stop
        // mid-call): either way, what was read of this image is stale now.
        let generation = self.reads.sharing.wrote(image_id, account);
        let out = match out {
            Ok(out) => out,
            Err(why) => return Err(self.cut(OP, &tracker, why)),
        };
        out.map_err(|e| {
            AwsError::from_sdk(
                "UpdateWorkspaceImagePermission",
                e,
                &self.call_context(&tracker),
            )
        })?;
        if allow {
            tracing::info!(image_id, account, "granted: the account may copy the image");
        } else {
            tracing::info!(
                image_id,
                account,
                "revoked: the account may no longer copy the image"
            );
        }
        Ok(Change {
            image_id: image_id.to_string(),
            account: account.to_string(),
            allow,
            generation,
        })
    }

    /// Every account the image is shared with, walking all pages; `None`
    /// when the image does not exist. Coalesced per image.
    pub async fn sharing(&self, image_id: &str) -> Result<Sharing, AwsError> {
        let sharing = &self.reads.sharing;
        self.sharing_as_of(image_id, sharing.fresh(image_id)).await
    }

    /// [`Workspaces::sharing`] for a question about `account` alone: a read
    /// that began after this process's last write to that account serves,
    /// whatever was written to other accounts since.
    pub async fn sharing_for(&self, image_id: &str, account: &str) -> Result<Sharing, AwsError> {
        let want = self.reads.sharing.fresh_for(image_id, account);
        self.sharing_as_of(image_id, want).await
    }

    async fn sharing_as_of(&self, image_id: &str, want: Freshness) -> Result<Sharing, AwsError> {
        self.reads
            .sharing
            .get(image_id, want, || async {
                Ok(self.walk_permissions(image_id).await?.map(Arc::new))
            })
            .await
    }

    /// [`Workspaces::sharing`] as a sorted list.
    pub async fn shared_accounts(&self, image_id: &str) -> Result<Option<Vec<String>>, AwsError> {
        Ok(self
            .sharing(image_id)
            .await?
            .map(|set| set.iter().cloned().collect()))
    }

    /// Waits until DescribeWorkspaceImagePermissions shows every one of
    /// `changes` to one image (lists each granted account, no longer lists
    /// each revoked one), or until `deadline`.
    pub async fn settle(&self, changes: &[Change], deadline: Instant) -> Result<(), SettleError> {
        let (Some(first), Some(generation)) =
            (changes.first(), changes.iter().map(|c| c.generation).max())
        else {
            return Ok(());
        };
        let what = match changes {
            [c] if c.allow => format!("list account {} for image {}", c.account, c.image_id),
            [c] => format!(
                "stop listing account {} for image {}",
                c.account, c.image_id
            ),
            _ => format!(
                "show all {} permission changes for image {}",
                changes.len(),
                first.image_id
            ),
        };
        self.settle_all(&first.image_id, generation, deadline, &what, |sharing| {
            sharing.is_some_and(|set| changes.iter().all(|c| set.contains(&c.account) == c.allow))
        })
        .await
    }

    /// Waits until the image's sharing, read after write `generation`,
    /// satisfies `done`. Polls go through the coalescer, so many resources
    /// waiting on one image share each walk.
    async fn settle_all(
        &self,
        image_id: &str,
        generation: u64,
        deadline: Instant,
        what: &str,
        done: impl Fn(Option<&BTreeSet<String>>) -> bool,
    ) -> Result<(), SettleError> {
        let began = Instant::now();
        let mut want = Freshness {
            min_gen: generation,
            not_before: began
                .checked_sub(self.reads.sharing.window())
                .unwrap_or(began),
        };
        let mut pause = POLL_FIRST;
        self.reads
            .sharing
            .quiesce(image_id, QUIET, QUIET_LIMIT)
            .await;
        loop {
            let sharing = self.sharing_as_of(image_id, want).await?;
            if done(sharing.as_deref()) {
                return Ok(());
            }
            let now = Instant::now();
            if now + pause > deadline {
                return Err(SettleError::TimedOut {
                    waited: round_to_ms(now - began),
                    what: what.to_string(),
                });
            }
            tracing::debug!(
                image_id,
                what,
                ?pause,
                "change not visible yet; polling again"
            );
            if self.stop.run(tokio::time::sleep(pause)).await.is_err() {
                return Err(SettleError::Stopped {
                    what: what.to_string(),
                });
            }
            pause = (pause * 3 / 2).min(POLL_MAX);
            // The next poll needs a walk that starts from now on.
            want.not_before = Instant::now();
        }
    }

    async fn walk_permissions(&self, image_id: &str) -> Result<Option<BTreeSet<String>>, AwsError> {
        let mut accounts = BTreeSet::new();
        let mut token: Option<String> = None;
        let mut seen_tokens = std::collections::HashSet::new();
        loop {
            const OP: &str = "DescribeWorkspaceImagePermissions";
            let tracker = CallTracker::for_call(OP, Some(image_id), None);
            let call = self
                .client
                .describe_workspace_image_permissions()
                .image_id(image_id)
                .max_results(PAGE_SIZE)
                .set_next_token(token.take())
                .customize()
                .interceptor(tracker.clone())
                .send();
            let page = match self.bounded(call).await {
                Ok(page) => page,
                Err(why) => return Err(self.cut(OP, &tracker, why)),
            };
            let page = page.map_err(|e| {
                AwsError::from_sdk(
                    "DescribeWorkspaceImagePermissions",
                    e,
                    &self.call_context(&tracker),
                )
            });
            let page = match page {
                Ok(p) => p,
                Err(e) if e.is_code(NOT_FOUND) => return Ok(None),
                Err(e) => return Err(e),
            };
            accounts.extend(
                page.image_permissions()
                    .iter()
                    .filter_map(|p| p.shared_account_id().map(str::to_string)),
            );
            match page.next_token() {
                Some(t) if !t.is_empty() => {
                    // A service that hands back a token it already gave would
                    // otherwise keep us paging forever.
                    if !seen_tokens.insert(t.to_string()) {
                        return Err(AwsError::protocol(
                            "DescribeWorkspaceImagePermissions",
                            format!("the service returned pagination token {t:?} twice"),
                        ));
                    }
                    token = Some(t.to_string());
                }
                _ => return Ok(Some(accounts)),
            }
        }
    }

    pub fn is_not_found(err: &AwsError) -> bool {
        err.is_code(NOT_FOUND)
    }
}

fn round_to_ms(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis().try_into().unwrap_or(u64::MAX))
}
