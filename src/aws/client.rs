//! Turns the provider block into a configured WorkSpaces client.
//!
//! Credentials and region come from the standard AWS chain (environment,
//! shared config and credentials files, SSO, container and instance
//! credentials), with provider arguments taking precedence, as in
//! terraform-provider-aws. The region is looked up without the instance
//! metadata service, so a machine with no region configured gets a clear
//! error at once instead of a time-out.
//!
//! Order of work in [`connect`], each step failing with its own message:
//! Region, base credentials (static keys from the provider block, else the
//! chain), the assumed role if `assume_role` is set, then STS
//! GetCallerIdentity and the account guards if asked for.

use super::error::{endpoint_of, find_sdk_error, CallContext, CallTracker, Calls};
use super::{AwsError, Workspaces};
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::{RetryConfig, RetryMode};
use aws_config::sts::AssumeRoleProvider;
use aws_config::BehaviorVersion;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::origin::Origin;
use aws_types::region::Region;
use aws_types::SdkConfig;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

/// terraform-provider-aws's default for `max_retries`.
pub const DEFAULT_MAX_RETRIES: u32 = 25;

/// Time to set up a connection (TCP and TLS). Longer than the SDK's 3.1 s,
/// so a slow proxy or a far Region does not fail a healthy run.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Time one attempt may wait for its response. The SDK sets none, so an
/// endpoint that accepts and never answers would hang Terraform; our calls
/// answer in well under a second, so a minute cannot cut a healthy one.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// Overrides [`ATTEMPT_TIMEOUT`] (a Go duration), for troubleshooting and
/// for tests that need a silent endpoint to fail fast.
pub const ATTEMPT_TIMEOUT_ENV: &str = "TF_WORKSPACES_ATTEMPT_TIMEOUT";

/// Where and as whom to call AWS. `Default` is a plain SDK client: the
/// standard chain, the SDK's own retry settings and no STS call; the
/// provider block's defaults (25 retries, credentials validated through
/// STS) are filled in by the provider configuration parser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub workspaces_endpoint: Option<String>,
    pub sts_endpoint: Option<String>,
    /// Static keys; they take precedence over the whole chain.
    pub credentials: Option<StaticCredentials>,
    /// Replace the default config file (`AWS_CONFIG_FILE` or
    /// `~/.aws/config`) when set.
    pub shared_config_files: Option<Vec<PathBuf>>,
    /// Replace the default credentials file (`AWS_SHARED_CREDENTIALS_FILE`
    /// or `~/.aws/credentials`) when set.
    pub shared_credentials_files: Option<Vec<PathBuf>>,
    pub assume_role: Option<AssumeRole>,
    /// `None`: the SDK's own retry settings (`AWS_MAX_ATTEMPTS`,
    /// `AWS_RETRY_MODE`, the profile, else 3 standard attempts).
    pub retry: Option<RetrySettings>,
    /// `None`: no STS call. `Some`: GetCallerIdentity must succeed and its
    /// account must pass the check.
    pub identity: Option<AccountCheck>,
}

#[derive(Clone, PartialEq, Eq)]
pub struct StaticCredentials {
    pub access_key: String,
    pub secret_key: String,
    pub token: Option<String>,
}

// Written by hand so that no log or panic message ever shows a secret.
impl std::fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &"** redacted **")
            .field("token", &self.token.as_ref().map(|_| "** redacted **"))
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration: Option<Duration>,
}

/// The provider block's retry arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetrySettings {
    /// Retries after the first attempt, so at most `max_retries + 1`
    /// attempts. `None`: `AWS_MAX_ATTEMPTS` if set (as attempts, as the
    /// SDKs define it), else [`DEFAULT_MAX_RETRIES`].
    pub max_retries: Option<u32>,
    /// `None`: `AWS_RETRY_MODE` or the profile's `retry_mode`, else standard.
    pub mode: Option<RetryMode>,
}

/// Which accounts the credentials may belong to
/// (`allowed_account_ids` / `forbidden_account_ids`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountCheck {
    /// `None`: any account not forbidden.
    pub allowed: Option<BTreeSet<String>>,
    pub forbidden: BTreeSet<String>,
}

impl AccountCheck {
    fn check(&self, account: &str) -> Result<(), CredentialsError> {
        if self.forbidden.contains(account) {
            return Err(CredentialsError::AccountForbidden(account.to_string()));
        }
        match &self.allowed {
            Some(allowed) if !allowed.contains(account) => {
                Err(CredentialsError::AccountNotAllowed(account.to_string()))
            }
            _ => Ok(()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "no AWS Region is configured: set `region` in the provider block, the AWS_REGION \
         environment variable, or `region` in the shared config file's profile"
    )]
    NoRegion,
    /// Anything about the credentials: none found, the role not assumed,
    /// refused by STS, or of an account the provider block rules out. One
    /// variant rather than several because the provider server reports all
    /// of them the same way (one error on the provider block).
    #[error("{0}")]
    NoCredentials(CredentialsError),
}

impl ConnectError {
    /// The diagnostic's summary: what the provider was doing.
    pub fn summary(&self) -> &'static str {
        match self {
            ConnectError::NoRegion => "Invalid provider configuration",
            ConnectError::NoCredentials(CredentialsError::Rejected(e)) if e.transport.is_some() => {
                "Cannot reach STS to validate the provider's credentials"
            }
            ConnectError::NoCredentials(CredentialsError::Rejected(_)) => {
                "Invalid provider credentials"
            }
            ConnectError::NoCredentials(CredentialsError::AssumeRole { .. }) => {
                "Cannot assume IAM Role"
            }
            ConnectError::NoCredentials(_) => "Invalid provider configuration",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(
        "No valid credential sources found: {0}\n\nSet AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a \
         profile with `profile` or AWS_PROFILE, or run where container or instance credentials are available."
    )]
    Unresolved(String),
    #[error("Cannot assume IAM Role {role_arn}: {reason}")]
    AssumeRole { role_arn: String, reason: String },
    /// STS GetCallerIdentity failed: refused, or not reached.
    #[error("validating provider credentials: {}", rejected(.0))]
    Rejected(Box<AwsError>),
    #[error("STS GetCallerIdentity returned no account ID, so allowed_account_ids/forbidden_account_ids cannot be checked")]
    NoAccount,
    #[error("AWS account ID not allowed: {0} (the credentials' account is not listed in allowed_account_ids)")]
    AccountNotAllowed(String),
    #[error("AWS account ID not allowed: {0} (the credentials' account is listed in forbidden_account_ids)")]
    AccountForbidden(String),
}

/// The STS failure and what to check, in one line.
fn rejected(e: &AwsError) -> String {
    let end = if e.to_string().ends_with('.') {
        " "
    } else {
        ". "
    };
    let check = if e.transport.is_some() {
        "Check the STS endpoint (`sts` in the provider's endpoints block, or AWS_ENDPOINT_URL_STS), or \
         set skip_credentials_validation = true to skip this check."
    } else if e.is_credentials_error() {
        "Or set skip_credentials_validation = true to skip this check."
    } else {
        "Check the credentials (and the STS endpoint: `sts` in the provider's endpoints block, or \
         AWS_ENDPOINT_URL_STS), or set skip_credentials_validation = true to skip this check."
    };
    format!("{e}{end}{check}")
}

/// The connect and attempt time-outs, [`ATTEMPT_TIMEOUT_ENV`] applied.
fn timeout_config() -> TimeoutConfig {
    let attempt = match std::env::var(ATTEMPT_TIMEOUT_ENV) {
        Ok(text) => crate::duration::parse_go(&text).unwrap_or_else(|why| {
            tracing::warn!(%why, "ignoring {ATTEMPT_TIMEOUT_ENV}");
            ATTEMPT_TIMEOUT
        }),
        Err(_) => ATTEMPT_TIMEOUT,
    };
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(attempt)
        .build()
}

pub async fn connect(settings: &ClientSettings) -> Result<Workspaces, ConnectError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    let files = profile_files(settings);
    if let Some(files) = &files {
        loader = loader.profile_files(files.clone());
    }
    if let Some(c) = &settings.credentials {
        // As in terraform-provider-aws, keys in the provider block beat
        // the environment and every profile.
        loader = loader.credentials_provider(Credentials::new(
            &c.access_key,
            &c.secret_key,
            c.token.clone(),
            None,
            "workspaces provider block",
        ));
    }
    let region = match &settings.region {
        Some(r) => Some(Region::new(r.clone())),
        None => {
            let mut profile_region = aws_config::profile::ProfileFileRegionProvider::builder();
            if let Some(profile) = &settings.profile {
                profile_region = profile_region.profile_name(profile);
            }
            if let Some(files) = files {
                profile_region = profile_region.profile_files(files);
            }
            RegionProviderChain::first_try(
                aws_config::environment::EnvironmentVariableRegionProvider::new(),
            )
            .or_else(profile_region.build())
            .region()
            .await
        }
    };
    let region = region.ok_or(ConnectError::NoRegion)?;
    let mut shared = loader
        .region(region)
        .timeout_config(timeout_config())
        .load()
        .await;
    if let Some(retry) = &settings.retry {
        let resolved = retry_config(retry, shared.retry_config());
        shared = shared.into_builder().retry_config(resolved).build();
    }
    // Resolve credentials now, as terraform-provider-aws does, so a missing
    // or broken credential source is one clear error at configuration
    // rather than a failure inside every resource operation.
    if let Some(provider) = shared.credentials_provider() {
        provider.provide_credentials().await.map_err(|e| {
            ConnectError::NoCredentials(CredentialsError::Unresolved(
                DisplayErrorContext(&e).to_string(),
            ))
        })?;
    }
    if let Some(role) = &settings.assume_role {
        let assumed = assume_role(role, &sts_config(&shared, settings)).await?;
        shared = shared
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(assumed))
            .build();
    }
    if let Some(check) = &settings.identity {
        let account = caller_account(&sts_config(&shared, settings))
            .await
            .map_err(ConnectError::NoCredentials)?;
        check.check(&account).map_err(ConnectError::NoCredentials)?;
    }
    let mut builder = aws_sdk_workspaces::config::Builder::from(&shared);
    if let Some(url) = &settings.workspaces_endpoint {
        builder = builder.endpoint_url(url);
    }
    Ok(Workspaces::new(aws_sdk_workspaces::Client::from_conf(
        builder.build(),
    )))
}

/// The profile files to read when the provider block lists any; `None`
/// keeps aws-config's defaults. A list replaces its kind's default file
/// (as in terraform-provider-aws); the other kind keeps its default, which
/// still honours AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE.
fn profile_files(settings: &ClientSettings) -> Option<EnvConfigFiles> {
    let (config, credentials) = (
        settings.shared_config_files.as_ref(),
        settings.shared_credentials_files.as_ref(),
    );
    if config.is_none() && credentials.is_none() {
        return None;
    }
    let mut files = EnvConfigFiles::builder()
        .include_default_config_file(config.is_none())
        .include_default_credentials_file(credentials.is_none());
    for path in config.into_iter().flatten() {
        files = files.with_file(EnvConfigFileKind::Config, path);
    }
    for path in credentials.into_iter().flatten() {
        files = files.with_file(EnvConfigFileKind::Credentials, path);
    }
    // build() panics on an empty set; the parser turns empty lists into
    // `None`, but this type is public, so two empty lists keep the default
    // config file rather than panic.
    if config.is_some_and(Vec::is_empty) && credentials.is_some_and(Vec::is_empty) {
        files = files.include_default_config_file(true);
    }
    Some(files.build())
}

/// The block's retry arguments over what aws-config read from the
/// environment and profile.
fn retry_config(settings: &RetrySettings, resolved: Option<&RetryConfig>) -> RetryConfig {
    let base = resolved.cloned().unwrap_or_else(RetryConfig::standard);
    let mode = settings.mode.unwrap_or(base.mode());
    let attempts = match settings.max_retries {
        Some(retries) => retries.saturating_add(1),
        // AWS_MAX_ATTEMPTS is already in `base` (aws-config read it).
        None if std::env::var_os("AWS_MAX_ATTEMPTS").is_some() => base.max_attempts(),
        None => DEFAULT_MAX_RETRIES + 1,
    };
    let config = match mode {
        RetryMode::Adaptive => RetryConfig::adaptive(),
        _ => RetryConfig::standard(),
    };
    config.with_max_attempts(attempts)
}

/// The shared configuration for STS clients: the block's `endpoints { sts }`
/// when set. Otherwise aws-config's own resolution stands
/// (AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL, then the Region's STS).
fn sts_config(shared: &SdkConfig, settings: &ClientSettings) -> SdkConfig {
    let Some(url) = &settings.sts_endpoint else {
        return shared.clone();
    };
    let mut builder = shared.clone().into_builder();
    builder.set_endpoint_url(Some(url.clone()));
    // Marked as set in code, so the STS client prefers it to
    // AWS_ENDPOINT_URL_STS: provider arguments beat the environment.
    builder.insert_origin("endpoint_url", Origin::shared_config());
    builder.build()
}

async fn assume_role(
    role: &AssumeRole,
    sts: &SdkConfig,
) -> Result<AssumeRoleProvider, ConnectError> {
    let mut builder = AssumeRoleProvider::builder(role.role_arn.clone()).configure(sts);
    if let Some(name) = &role.session_name {
        builder = builder.session_name(name);
    }
    if let Some(id) = &role.external_id {
        builder = builder.external_id(id);
    }
    if let Some(d) = role.duration {
        builder = builder.session_length(d);
    }
    let provider = builder.build().await;
    // Assume it once now, so a role that cannot be assumed is reported
    // against the role here rather than as a failure of every operation.
    provider.provide_credentials().await.map_err(|e| {
        // The STS call's own error, when there is one, reads as one line; the
        // provider's rendering of it is a Debug dump for transport failures.
        let sts_error = find_sdk_error::<
            aws_sdk_sts::operation::assume_role::AssumeRoleError,
            aws_smithy_runtime_api::http::Response,
        >(&e);
        tracing::debug!(error = %DisplayErrorContext(&e), "assuming the role failed");
        let reason = match sts_error {
            Some(err) => {
                let timeouts = sts.timeout_config();
                let ctx = CallContext {
                    // The provider makes the call, so no tracker counts its
                    // attempts; the URL is known only when configured.
                    calls: Calls {
                        attempts: 0,
                        endpoint: sts.endpoint_url().map(endpoint_of),
                    },
                    region: sts.region().map(|r| r.to_string()),
                    connect_timeout: timeouts.and_then(|t| t.connect_timeout()),
                    attempt_timeout: timeouts.and_then(|t| t.operation_attempt_timeout()),
                };
                AwsError::from_service("STS", "AssumeRole", err, &ctx).to_string()
            }
            None => DisplayErrorContext(&e).to_string(),
        };
        ConnectError::NoCredentials(CredentialsError::AssumeRole {
            role_arn: role.role_arn.clone(),
            reason,
        })
    })?;
    Ok(provider)
}

/// The account of the credentials, from STS GetCallerIdentity.
async fn caller_account(sts: &SdkConfig) -> Result<String, CredentialsError> {
    let client = aws_sdk_sts::Client::new(sts);
    let tracker = CallTracker::for_call("GetCallerIdentity", None, None);
    let out = client
        .get_caller_identity()
        .customize()
        .interceptor(tracker.clone())
        .config_override(
            aws_sdk_sts::config::Builder::default()
                .retry_classifier(super::error::NoRetryOnUnknownHost),
        )
        .send()
        .await
        .map_err(|e| {
            let timeouts = sts.timeout_config();
            let ctx = CallContext {
                calls: tracker.calls(),
                region: sts.region().map(|r| r.to_string()),
                connect_timeout: timeouts.and_then(|t| t.connect_timeout()),
                attempt_timeout: timeouts.and_then(|t| t.operation_attempt_timeout()),
            };
            CredentialsError::Rejected(Box::new(AwsError::from_service(
                "STS",
                "GetCallerIdentity",
                &e,
                &ctx,
            )))
        })?;
    out.account()
        .map(str::to_string)
        .ok_or(CredentialsError::NoAccount)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn account_check_names_the_account() {
        let allow = AccountCheck {
            allowed: Some(set(&["123456789012"])),
            forbidden: BTreeSet::new(),
        };
        assert!(allow.check("123456789012").is_ok());
        let e = allow.check("999999999999").unwrap_err().to_string();
        assert!(
            e.contains("999999999999") && e.contains("allowed_account_ids"),
            "{e}"
        );
        let forbid = AccountCheck {
            allowed: None,
            forbidden: set(&["123456789012"]),
        };
        assert!(forbid.check("999999999999").is_ok());
        let e = forbid.check("123456789012").unwrap_err().to_string();
        assert!(
            e.contains("123456789012") && e.contains("forbidden_account_ids"),
            "{e}"
        );
    }

    #[test]
    fn max_retries_counts_retries_after_the_first_attempt() {
        let rc = retry_config(
            &RetrySettings {
                max_retries: Some(0),
                mode: Some(RetryMode::Adaptive),
            },
            Some(&RetryConfig::standard()),
        );
        assert_eq!(rc.max_attempts(), 1);
        assert_eq!(rc.mode(), RetryMode::Adaptive);
        let rc = retry_config(
            &RetrySettings {
                max_retries: Some(7),
                mode: None,
            },
            Some(&RetryConfig::adaptive()),
        );
        assert_eq!(rc.max_attempts(), 8);
        assert_eq!(
            rc.mode(),
            RetryMode::Adaptive,
            "mode from the environment stays"
        );
    }

    #[test]
    fn static_credentials_never_print_their_secrets() {
        let c = StaticCredentials {
            access_key: "AKIDEXAMPLE".into(),
            secret_key: "wJalrXUtnFEMI".into(),
            token: Some("FwoGZXIvYXdzEXAMPLE".into()),
        };
        let shown = format!("{c:?}");
        assert!(shown.contains("AKIDEXAMPLE"), "{shown}");
        assert!(
            !shown.contains("wJalrXUtnFEMI") && !shown.contains("FwoGZXIv"),
            "{shown}"
        );
    }

    #[test]
    fn listed_profile_files_replace_only_their_own_kind() {
        let none = ClientSettings::default();
        assert!(profile_files(&none).is_none());
        let listed = ClientSettings {
            shared_config_files: Some(vec![PathBuf::from("/tmp/a")]),
            ..ClientSettings::default()
        };
        let shown = format!("{:?}", profile_files(&listed));
        assert!(
            shown.contains("Default(Credentials)") && !shown.contains("Default(Config)"),
            "{shown}"
        );
        assert!(shown.contains("/tmp/a"), "{shown}");
    }
}
