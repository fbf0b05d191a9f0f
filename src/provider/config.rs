//! The provider block: how to reach AWS (Region, credentials, profile
//! files, an assumed role, endpoints, retries), which accounts the
//! credentials and the shares may involve, and how many grants run at once.
//! Names, defaults and behaviour follow terraform-provider-aws where it has
//! the same argument.

use crate::aws::{AccountCheck, AssumeRole, ClientSettings, RetrySettings, StaticCredentials};
use crate::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::resources::ids::check_account_id;
use crate::resources::{SharingGuard, DEFAULT_CONCURRENCY};
use crate::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use crate::value::{Type, Value};
use aws_config::retry::RetryMode;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

/// `sharing_concurrency` bounds: WorkSpaces throttles per account at a few
/// requests a second, so more than 50 in flight only buys throttling.
const CONCURRENCY_RANGE: std::ops::RangeInclusive<i64> = 1..=50;

/// `max_retries` bounds. With back-off capped at 20 s, 100 retries already
/// wait over half an hour; more is surely a typo.
const MAX_RETRIES_RANGE: std::ops::RangeInclusive<i64> = 0..=100;

/// What STS accepts for an assumed role's session (as in
/// terraform-provider-aws's `validAssumeRoleDuration`).
const MIN_SESSION: Duration = Duration::from_secs(15 * 60);
const MAX_SESSION: Duration = Duration::from_secs(12 * 3600);

const REGION_DESCRIPTION: &str =
    "AWS Region of the images, e.g. `us-east-1`. Image sharing is per Region. Resolved in this order: this \
     argument, the `AWS_REGION` environment variable, `AWS_DEFAULT_REGION`, then the `region` of the profile \
     in the shared config file. The instance metadata service is not asked, so with none of these set \
     configuration fails at once with a message saying where to set one.";

fn sensitive(a: Attribute) -> Attribute {
    Attribute {
        sensitive: true,
        ..a
    }
}

fn set_of_strings() -> Type {
    Type::Set(Box::new(Type::String))
}

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "Shares Amazon WorkSpaces custom images across AWS accounts.",
            attributes: vec![
                Attribute::optional("region", Type::String, REGION_DESCRIPTION),
                Attribute::optional(
                    "profile",
                    Type::String,
                    "Named profile from the shared config and credentials files. Defaults to `AWS_PROFILE`.",
                ),
                sensitive(Attribute::optional(
                    "access_key",
                    Type::String,
                    "AWS access key ID. With `secret_key`, these static credentials take precedence over the \
                     environment, profiles and every other credential source. Defaults to `AWS_ACCESS_KEY_ID`.",
                )),
                sensitive(Attribute::optional(
                    "secret_key",
                    Type::String,
                    "AWS secret access key; required with `access_key`. Defaults to `AWS_SECRET_ACCESS_KEY`.",
                )),
                sensitive(Attribute::optional(
                    "token",
                    Type::String,
                    "Session token for temporary `access_key`/`secret_key` credentials. Defaults to \
                     `AWS_SESSION_TOKEN`.",
                )),
                Attribute::optional(
                    "shared_config_files",
                    Type::list(Type::String),
                    "Shared config files to read profiles from, in order (later files override earlier ones). \
                     Replaces the default `AWS_CONFIG_FILE` or `~/.aws/config`.",
                ),
                Attribute::optional(
                    "shared_credentials_files",
                    Type::list(Type::String),
                    "Shared credentials files to read profiles from, in order (later files override earlier \
                     ones). Replaces the default `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`.",
                ),
                Attribute::optional(
                    "max_retries",
                    Type::Number,
                    "How many times an AWS API call is retried after its first attempt when AWS throttles \
                     it or it fails transiently, with exponential back-off; 0 disables retries, so at most \
                     `max_retries + 1` attempts are made. Defaults to `AWS_MAX_ATTEMPTS` (which counts \
                     attempts, not retries) if set, else 25. From 0 to 100.",
                ),
                Attribute::optional(
                    "retry_mode",
                    Type::String,
                    "How retries are paced: `standard` or `adaptive` (which also rate-limits the client after \
                     throttling). Defaults to `AWS_RETRY_MODE`, the profile's `retry_mode`, or `standard`.",
                ),
                Attribute::optional(
                    "skip_credentials_validation",
                    Type::Bool,
                    "Skip checking the credentials with STS `GetCallerIdentity` when the provider is \
                     configured. Default `false`. The check still runs when `allowed_account_ids` or \
                     `forbidden_account_ids` is set, since they need the credentials' account.",
                ),
                Attribute::optional(
                    "allowed_account_ids",
                    set_of_strings(),
                    "AWS account IDs the credentials may belong to; configuration fails for any other \
                     account. Conflicts with `forbidden_account_ids`.",
                ),
                Attribute::optional(
                    "forbidden_account_ids",
                    set_of_strings(),
                    "AWS account IDs the credentials must not belong to; configuration fails for these \
                     accounts. Conflicts with `allowed_account_ids`.",
                ),
                Attribute::optional(
                    "allowed_shared_account_ids",
                    set_of_strings(),
                    "When set, the only AWS account IDs images may be shared with; a permission for any \
                     other account fails at plan.",
                ),
                Attribute::optional(
                    "forbidden_shared_account_ids",
                    set_of_strings(),
                    "AWS account IDs images must never be shared with; a permission for one of them fails \
                     at plan, even if it is also in `allowed_shared_account_ids`.",
                ),
                Attribute::optional(
                    "sharing_concurrency",
                    Type::Number,
                    "How many grants or revokes one resource sends to WorkSpaces at once. From 1 to 50; \
                     default 5.",
                ),
            ],
            block_types: vec![
                NestedBlock {
                    type_name: "endpoints",
                    nesting: Nesting::List,
                    min_items: 0,
                    max_items: 1,
                    block: Block {
                        description: "Custom endpoint URLs (`http://` or `https://`) for the services the \
                                      provider calls.",
                        attributes: vec![
                            Attribute::optional(
                                "workspaces",
                                Type::String,
                                "Endpoint URL for the WorkSpaces API. Defaults to `AWS_ENDPOINT_URL_WORKSPACES`, \
                                 `AWS_ENDPOINT_URL` or the Region's public endpoint.",
                            ),
                            Attribute::optional(
                                "sts",
                                Type::String,
                                "Endpoint URL for AWS STS (credential validation and `assume_role`). Defaults \
                                 to `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL` or the Region's STS endpoint.",
                            ),
                        ],
                        ..Block::default()
                    },
                },
                NestedBlock {
                    type_name: "assume_role",
                    nesting: Nesting::List,
                    min_items: 0,
                    max_items: 1,
                    block: Block {
                        description: "An IAM role to assume before any WorkSpaces call. The credentials the \
                                      provider finds (static keys, environment, profile, container or \
                                      instance) are used only to call STS `AssumeRole`; every WorkSpaces \
                                      call uses the role's.",
                        attributes: vec![
                            Attribute::required(
                                "role_arn",
                                Type::String,
                                "ARN of the IAM role to assume, e.g. `arn:aws:iam::123456789012:role/images`.",
                            ),
                            Attribute::optional(
                                "session_name",
                                Type::String,
                                "Session name for the assumed role, 2 to 64 characters of letters, digits \
                                 and `+=,.@_-`. Defaults to a generated name.",
                            ),
                            Attribute::optional(
                                "external_id",
                                Type::String,
                                "External ID the role's trust policy requires, 2 to 1224 characters of \
                                 letters, digits and `+=,.@:/_-`.",
                            ),
                            Attribute::optional(
                                "duration",
                                Type::String,
                                "How long the assumed role's session lasts, as a duration string such as \
                                 `1h`, `2h45m` or `30m15s`; from 15 minutes to 12 hours. Defaults to STS's \
                                 default (1 hour).",
                            ),
                        ],
                        ..Block::default()
                    },
                },
            ],
        },
    }
}

/// Everything the provider block sets: how to reach AWS, and the settings
/// resources work with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub client: ClientSettings,
    pub guard: SharingGuard,
    pub concurrency: usize,
}

/// Reads the provider block. `Ok(None)` when some value is not known yet
/// (it depends on a resource), in which case configuration waits.
pub fn parse(config: &Value) -> Result<Option<Settings>, Diagnostics> {
    if !config.is_wholly_known() {
        return Ok(None);
    }
    let mut diags = validate(config);
    // Shared files are checked here, at configuration, and not in
    // validate: `terraform validate` may run where the files are not.
    let shared_config_files = files(config, "shared_config_files", &mut diags);
    let shared_credentials_files = files(config, "shared_credentials_files", &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    let allowed_accounts = string_set(config, "allowed_account_ids");
    let forbidden_accounts = string_set(config, "forbidden_account_ids").unwrap_or_default();
    // terraform-provider-aws still asks STS (or IAM) for the account when
    // skip_credentials_validation is true and then checks these lists, so
    // a list is never silently ignored: we do the same and call
    // GetCallerIdentity whenever either list is set.
    let check_identity = !bool_attr(config, "skip_credentials_validation")
        || allowed_accounts.is_some()
        || !forbidden_accounts.is_empty();
    Ok(Some(Settings {
        client: ClientSettings {
            region: text(config, "region"),
            profile: text(config, "profile"),
            workspaces_endpoint: endpoint(config, "workspaces").map(str::to_string),
            sts_endpoint: endpoint(config, "sts").map(str::to_string),
            credentials: static_credentials(config),
            shared_config_files,
            shared_credentials_files,
            assume_role: nested(config, "assume_role").map(|b| AssumeRole {
                role_arn: text(b, "role_arn").unwrap_or_default(),
                session_name: text(b, "session_name"),
                external_id: text(b, "external_id"),
                duration: b
                    .attr("duration")
                    .and_then(Value::as_str)
                    .and_then(|d| crate::duration::parse_go(d).ok()),
            }),
            retry: Some(RetrySettings {
                max_retries: whole_number(config, "max_retries")
                    .and_then(|n| u32::try_from(n).ok()),
                mode: text(config, "retry_mode").and_then(|m| retry_mode(&m)),
            }),
            identity: check_identity.then_some(AccountCheck {
                allowed: allowed_accounts,
                forbidden: forbidden_accounts,
            }),
        },
        guard: SharingGuard {
            allowed: string_set(config, "allowed_shared_account_ids"),
            forbidden: string_set(config, "forbidden_shared_account_ids").unwrap_or_default(),
        },
        concurrency: whole_number(config, "sharing_concurrency")
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(DEFAULT_CONCURRENCY),
    }))
}

/// A known, non-null string attribute.
fn text(block: &Value, name: &str) -> Option<String> {
    block.attr(name).and_then(Value::as_str).map(str::to_string)
}

fn bool_attr(block: &Value, name: &str) -> bool {
    matches!(block.attr(name), Some(Value::Bool(true)))
}

/// The one element of a list-nested block with `max_items = 1`.
fn nested<'a>(config: &'a Value, name: &str) -> Option<&'a Value> {
    match config.attr(name) {
        Some(Value::List(blocks)) => blocks.first(),
        _ => None,
    }
}

fn endpoint<'a>(config: &'a Value, service: &str) -> Option<&'a str> {
    nested(config, "endpoints")
        .and_then(|b| b.attr(service))
        .and_then(Value::as_str)
}

/// The known string elements of a set attribute; `None` when it is null.
fn string_set(config: &Value, name: &str) -> Option<BTreeSet<String>> {
    config.attr(name).and_then(Value::string_set)
}

/// A known number attribute as an integer; `None` when null, unknown or
/// not whole (validate reports the latter).
fn whole_number(config: &Value, name: &str) -> Option<i64> {
    match config.attr(name) {
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    }
}

fn retry_mode(mode: &str) -> Option<RetryMode> {
    match mode {
        "standard" => Some(RetryMode::Standard),
        "adaptive" => Some(RetryMode::Adaptive),
        _ => None,
    }
}

/// Keys from the block. An empty string counts as unset, as in
/// terraform-provider-aws, so `access_key = var.key` with an empty
/// default falls back to the chain.
fn static_credentials(config: &Value) -> Option<StaticCredentials> {
    let non_empty = |name| text(config, name).filter(|s| !s.is_empty());
    Some(StaticCredentials {
        access_key: non_empty("access_key")?,
        secret_key: non_empty("secret_key")?,
        token: non_empty("token"),
    })
}

/// A shared-files list with `~/` expanded, each file checked to be
/// readable; an empty list counts as unset.
fn files(config: &Value, name: &str, diags: &mut Diagnostics) -> Option<Vec<PathBuf>> {
    let Some(Value::List(items)) = config.attr(name) else {
        return None;
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        // validate reports empty names; nothing to open for them.
        let Some(raw) = item.as_str().filter(|r| !r.is_empty()) else {
            continue;
        };
        let path = expand_home(raw);
        if let Err(e) = std::fs::File::open(&path) {
            diags.push(
                Diagnostic::error(
                    "Cannot read shared file",
                    format!("{} cannot be read: {e}.", path.display()),
                )
                .at(AttrPath::root(name).index(i as i64)),
            );
        }
        out.push(path);
    }
    (!out.is_empty()).then_some(out)
}

/// `~/x` as the home directory's `x`, as the AWS CLI and provider do.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// Checks what is known of the provider block; runs before any AWS call.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if let Some(Value::String(region)) = config.attr("region") {
        if !looks_like_region(region) {
            diags.push(
                Diagnostic::error(
                    "Invalid AWS Region",
                    format!("{region:?} is not an AWS Region name; expected something like \"us-east-1\"."),
                )
                .at(AttrPath::root("region")),
            );
        }
    }
    for service in ["workspaces", "sts"] {
        if let Some(url) = endpoint(config, service) {
            if !(url.starts_with("http://") || url.starts_with("https://"))
                || url.len() <= "https://".len()
            {
                diags.push(
                    Diagnostic::error(
                        "Invalid endpoint URL",
                        format!("{url:?} is not an http:// or https:// URL."),
                    )
                    .at(AttrPath::root("endpoints").index(0).attr(service)),
                );
            }
        }
    }
    validate_credentials(config, &mut diags);
    validate_assume_role(config, &mut diags);
    validate_number(config, "max_retries", MAX_RETRIES_RANGE, &mut diags);
    validate_number(config, "sharing_concurrency", CONCURRENCY_RANGE, &mut diags);
    if let Some(Value::String(mode)) = config.attr("retry_mode") {
        if retry_mode(mode).is_none() {
            diags.push(
                Diagnostic::error(
                    "Invalid retry mode",
                    format!("{mode:?} is not a retry mode; expected \"standard\" or \"adaptive\"."),
                )
                .at(AttrPath::root("retry_mode")),
            );
        }
    }
    for name in [
        "allowed_account_ids",
        "forbidden_account_ids",
        "allowed_shared_account_ids",
        "forbidden_shared_account_ids",
    ] {
        validate_account_set(config, name, &mut diags);
    }
    // Null is unset; an unknown set may still turn out null, so only a
    // known, non-null value of each counts (as ConflictsWith does).
    let set = |name| matches!(config.attr(name), Some(Value::Set(_)));
    if set("allowed_account_ids") && set("forbidden_account_ids") {
        diags.push(
            Diagnostic::error(
                "Conflicting account lists",
                "Set either allowed_account_ids or forbidden_account_ids, not both.",
            )
            .at(AttrPath::root("forbidden_account_ids")),
        );
    }
    for name in ["shared_config_files", "shared_credentials_files"] {
        if let Some(Value::List(items)) = config.attr(name) {
            for (i, item) in items.iter().enumerate() {
                if item.as_str() == Some("") {
                    diags.push(
                        Diagnostic::error(
                            "Empty file name",
                            "A shared file path must not be empty.",
                        )
                        .at(AttrPath::root(name).index(i as i64)),
                    );
                }
            }
        }
    }
    diags
}

/// `secret_key` belongs with `access_key`, and `token` with both.
fn validate_credentials(config: &Value, diags: &mut Diagnostics) {
    // Unknown counts as "may be set": the check waits until it is known.
    let state = |name| match config.attr(name) {
        Some(Value::String(s)) if !s.is_empty() => Some(true),
        Some(Value::Unknown) => None,
        _ => Some(false),
    };
    let (access, secret, token) = (state("access_key"), state("secret_key"), state("token"));
    let mut missing = |present: &str, absent: &str| {
        diags.push(
            Diagnostic::error(
                "Incomplete static credentials",
                format!("{present} is set but {absent} is not: static credentials need both access_key and secret_key."),
            )
            .at(AttrPath::root(present)),
        );
    };
    match (access, secret) {
        (Some(true), Some(false)) => missing("access_key", "secret_key"),
        (Some(false), Some(true)) => missing("secret_key", "access_key"),
        _ => {}
    }
    if token == Some(true) && access == Some(false) && secret == Some(false) {
        missing("token", "access_key");
    }
}

fn validate_assume_role(config: &Value, diags: &mut Diagnostics) {
    let Some(block) = nested(config, "assume_role") else {
        return;
    };
    let path = |name: &str| AttrPath::root("assume_role").index(0).attr(name);
    if let Some(Value::String(arn)) = block.attr("role_arn") {
        if let Err(why) = check_role_arn(arn) {
            diags.push(Diagnostic::error("Invalid role ARN", why).at(path("role_arn")));
        }
    }
    if let Some(Value::String(name)) = block.attr("session_name") {
        let ok = (2..=64).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        if !ok {
            diags.push(
                Diagnostic::error(
                    "Invalid session name",
                    format!("{name:?} is not a role session name: use 2 to 64 letters, digits and +=,.@_-"),
                )
                .at(path("session_name")),
            );
        }
    }
    if let Some(Value::String(id)) = block.attr("external_id") {
        let ok = (2..=1224).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@:/_-".contains(c));
        if !ok {
            diags.push(
                Diagnostic::error(
                    "Invalid external ID",
                    "An external ID is 2 to 1224 letters, digits and +=,.@:/_-",
                )
                .at(path("external_id")),
            );
        }
    }
    if let Some(Value::String(d)) = block.attr("duration") {
        let why = match crate::duration::parse_go(d) {
            Ok(len) if (MIN_SESSION..=MAX_SESSION).contains(&len) => None,
            Ok(_) => Some(format!(
                "{d:?} is outside what STS allows: from 15 minutes (\"15m\") to 12 hours (\"12h\")."
            )),
            Err(e) => Some(e),
        };
        if let Some(why) = why {
            diags.push(Diagnostic::error("Invalid duration", why).at(path("duration")));
        }
    }
}

/// `arn:<partition>:iam::<12-digit account>:role/<name>`.
fn check_role_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = matches!(
        parts.as_slice(),
        ["arn", partition, "iam", "", account, resource]
            if partition.starts_with("aws")
                && check_account_id(account).is_ok()
                && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty())
    );
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{arn:?} is not an IAM role ARN; expected something like \"arn:aws:iam::123456789012:role/name\"."
        ))
    }
}

fn validate_number(
    config: &Value,
    name: &str,
    range: std::ops::RangeInclusive<i64>,
    diags: &mut Diagnostics,
) {
    let Some(Value::Number(n)) = config.attr(name) else {
        return;
    };
    if !n.as_i64().is_some_and(|v| range.contains(&v)) {
        diags.push(
            Diagnostic::error(
                format!("Invalid {name}"),
                format!(
                    "{} is not allowed: {name} must be a whole number from {} to {}.",
                    n.as_str(),
                    range.start(),
                    range.end()
                ),
            )
            .at(AttrPath::root(name)),
        );
    }
}

/// Each known element of a set of account IDs, with the element's path.
fn validate_account_set(config: &Value, name: &str, diags: &mut Diagnostics) {
    let Some(Value::Set(items)) = config.attr(name) else {
        return;
    };
    for id in items.iter().filter_map(Value::as_str) {
        if let Err(why) = check_account_id(id) {
            diags.push(
                Diagnostic::error("Invalid AWS account ID", format!("In {name}: {why}"))
                    .at(AttrPath::root(name).set_element(id)),
            );
        }
    }
}

/// `us-east-1`, `cn-northwest-1`, `us-gov-west-1`, `eu-isoe-west-1`.
fn looks_like_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.bytes().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Number;

    /// A provider block as Terraform sends it: every attribute present,
    /// null unless given.
    fn config(attrs: &[(&str, Value)]) -> Value {
        let block = schema().block;
        let mut m: std::collections::BTreeMap<String, Value> = block
            .attributes
            .iter()
            .map(|a| (a.name.to_string(), Value::Null))
            .collect();
        for nb in &block.block_types {
            m.insert(nb.type_name.to_string(), Value::List(vec![]));
        }
        for (k, v) in attrs {
            assert!(m.contains_key(*k), "no attribute {k}");
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }

    fn st(v: &str) -> Value {
        Value::string(v)
    }

    fn num(n: &str) -> Value {
        Value::Number(Number::parse(n).unwrap())
    }

    fn set(items: &[&str]) -> Value {
        Value::Set(items.iter().map(|i| st(i)).collect())
    }

    fn endpoints(workspaces: Option<&str>, sts: Option<&str>) -> Value {
        let url = |u: Option<&str>| u.map_or(Value::Null, st);
        Value::List(vec![Value::object([
            ("workspaces", url(workspaces)),
            ("sts", url(sts)),
        ])])
    }

    fn assume_role(attrs: &[(&str, Value)]) -> Value {
        let mut m: std::collections::BTreeMap<String, Value> =
            ["role_arn", "session_name", "external_id", "duration"]
                .iter()
                .map(|n| (n.to_string(), Value::Null))
                .collect();
        for (k, v) in attrs {
            m.insert(k.to_string(), v.clone());
        }
        Value::List(vec![Value::Object(m)])
    }

    /// The paths of the errors, as text.
    fn error_paths(c: &Value) -> Vec<String> {
        validate(c)
            .iter()
            .map(|d| {
                d.attribute
                    .as_ref()
                    .map_or("(none)".into(), |p| p.to_string())
            })
            .collect()
    }

    fn settings(c: &Value) -> Settings {
        parse(c).unwrap().unwrap()
    }

    #[test]
    fn reads_region_and_endpoints() {
        let s = settings(&config(&[
            ("region", st("eu-west-1")),
            (
                "endpoints",
                endpoints(Some("http://127.0.0.1:5000"), Some("http://127.0.0.1:5001")),
            ),
        ]));
        assert_eq!(s.client.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            s.client.workspaces_endpoint.as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert_eq!(
            s.client.sts_endpoint.as_deref(),
            Some("http://127.0.0.1:5001")
        );
        assert_eq!(s.client.profile, None);
    }

    #[test]
    fn defaults_follow_the_aws_provider() {
        let s = settings(&config(&[]));
        assert_eq!(
            s.client.retry,
            Some(RetrySettings {
                max_retries: None,
                mode: None
            })
        );
        // skip_credentials_validation defaults to false: STS is asked.
        assert_eq!(s.client.identity, Some(AccountCheck::default()));
        assert_eq!(s.client.credentials, None);
        assert_eq!(s.client.assume_role, None);
        assert_eq!(s.guard, SharingGuard::default());
        assert_eq!(s.concurrency, DEFAULT_CONCURRENCY);
    }

    #[test]
    fn unknown_values_defer_configuration() {
        assert_eq!(parse(&config(&[("region", Value::Unknown)])).unwrap(), None);
        assert_eq!(
            parse(&config(&[(
                "allowed_shared_account_ids",
                Value::Set(vec![Value::Unknown])
            )]))
            .unwrap(),
            None
        );
    }

    #[test]
    fn unknown_values_are_not_validated() {
        let c = config(&[
            ("access_key", Value::Unknown),
            ("token", st("t")),
            ("retry_mode", Value::Unknown),
            ("max_retries", Value::Unknown),
            ("allowed_account_ids", Value::Unknown),
            ("forbidden_account_ids", set(&["123456789012"])),
            (
                "allowed_shared_account_ids",
                Value::Set(vec![Value::Unknown, st("111122223333")]),
            ),
            ("assume_role", assume_role(&[("duration", Value::Unknown)])),
        ]);
        assert_eq!(error_paths(&c), Vec::<String>::new());
    }

    #[test]
    fn bad_region_and_endpoints_point_at_their_attributes() {
        let c = config(&[
            ("region", st("Frankfurt")),
            (
                "endpoints",
                endpoints(Some("127.0.0.1:5000"), Some("sts.example.com")),
            ),
        ]);
        assert_eq!(
            error_paths(&c),
            vec!["region", "endpoints[0].workspaces", "endpoints[0].sts"]
        );
        assert!(parse(&c).is_err());
    }

    #[test]
    fn static_credentials_take_keys_and_token() {
        let s = settings(&config(&[
            ("access_key", st("AKID")),
            ("secret_key", st("SECRET")),
            ("token", st("TOKEN")),
        ]));
        assert_eq!(
            s.client.credentials,
            Some(StaticCredentials {
                access_key: "AKID".into(),
                secret_key: "SECRET".into(),
                token: Some("TOKEN".into()),
            })
        );
        // Empty strings count as unset, as in the AWS provider.
        let s = settings(&config(&[("access_key", st("")), ("secret_key", st(""))]));
        assert_eq!(s.client.credentials, None);
    }

    #[test]
    fn half_a_key_pair_is_refused_at_the_attribute_set() {
        assert_eq!(
            error_paths(&config(&[("access_key", st("AKID"))])),
            vec!["access_key"]
        );
        assert_eq!(
            error_paths(&config(&[("secret_key", st("SECRET"))])),
            vec!["secret_key"]
        );
        assert_eq!(error_paths(&config(&[("token", st("T"))])), vec!["token"]);
        let d = validate(&config(&[("access_key", st("AKID"))]));
        let detail = &d.iter().next().unwrap().detail;
        assert!(detail.contains("secret_key"), "{detail}");
    }

    #[test]
    fn credentials_are_sensitive_in_the_schema() {
        let block = schema().block;
        for name in ["access_key", "secret_key", "token"] {
            assert!(block.attribute(name).unwrap().sensitive, "{name}");
        }
        assert!(!block.attribute("region").unwrap().sensitive);
        for a in &block.attributes {
            assert!(!a.description.is_empty(), "{} has no description", a.name);
        }
        for nb in &block.block_types {
            for a in &nb.block.attributes {
                assert!(!a.description.is_empty(), "{} has no description", a.name);
            }
        }
    }

    #[test]
    fn assume_role_is_read_with_its_duration() {
        let s = settings(&config(&[(
            "assume_role",
            assume_role(&[
                ("role_arn", st("arn:aws:iam::210987654321:role/x")),
                ("session_name", st("terraform")),
                ("external_id", st("ext-123")),
                ("duration", st("1h30m")),
            ]),
        )]));
        assert_eq!(
            s.client.assume_role,
            Some(AssumeRole {
                role_arn: "arn:aws:iam::210987654321:role/x".into(),
                session_name: Some("terraform".into()),
                external_id: Some("ext-123".into()),
                duration: Some(Duration::from_secs(5400)),
            })
        );
    }

    #[test]
    fn bad_assume_role_arguments_point_into_the_block() {
        let c = config(&[(
            "assume_role",
            assume_role(&[
                ("role_arn", st("arn:aws:iam::2109876:role/x")),
                ("session_name", st("has space")),
                ("external_id", st("x")),
                ("duration", st("1 hour")),
            ]),
        )]);
        assert_eq!(
            error_paths(&c),
            vec![
                "assume_role[0].role_arn",
                "assume_role[0].session_name",
                "assume_role[0].external_id",
                "assume_role[0].duration"
            ]
        );
        for too in ["5m", "13h"] {
            let c = config(&[(
                "assume_role",
                assume_role(&[
                    ("role_arn", st("arn:aws:iam::210987654321:role/x")),
                    ("duration", st(too)),
                ]),
            )]);
            assert_eq!(error_paths(&c), vec!["assume_role[0].duration"], "{too}");
        }
    }

    #[test]
    fn role_arns_of_every_partition_are_accepted() {
        for arn in [
            "arn:aws:iam::123456789012:role/x",
            "arn:aws-cn:iam::123456789012:role/path/to/x",
            "arn:aws-us-gov:iam::123456789012:role/x",
        ] {
            assert!(check_role_arn(arn).is_ok(), "{arn}");
        }
        for arn in [
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:sts::123456789012:role/x",
            "role/x",
        ] {
            assert!(check_role_arn(arn).is_err(), "{arn}");
        }
    }

    #[test]
    fn retries_are_read_and_checked() {
        let s = settings(&config(&[
            ("max_retries", num("0")),
            ("retry_mode", st("adaptive")),
        ]));
        assert_eq!(
            s.client.retry,
            Some(RetrySettings {
                max_retries: Some(0),
                mode: Some(RetryMode::Adaptive)
            })
        );
        for (n, bad) in [("-1", true), ("2.5", true), ("101", true), ("100", false)] {
            let paths = error_paths(&config(&[("max_retries", num(n))]));
            assert_eq!(paths.is_empty(), !bad, "{n}: {paths:?}");
        }
        assert_eq!(
            error_paths(&config(&[("retry_mode", st("legacy"))])),
            vec!["retry_mode"]
        );
    }

    #[test]
    fn sharing_concurrency_is_read_and_bounded() {
        assert_eq!(
            settings(&config(&[("sharing_concurrency", num("12"))])).concurrency,
            12
        );
        for n in ["0", "51", "1.5", "-3"] {
            assert_eq!(
                error_paths(&config(&[("sharing_concurrency", num(n))])),
                vec!["sharing_concurrency"],
                "{n}"
            );
        }
        for n in ["1", "50"] {
            assert!(error_paths(&config(&[("sharing_concurrency", num(n))])).is_empty());
        }
    }

    #[test]
    fn shared_account_guards_are_read_into_the_guard() {
        let s = settings(&config(&[
            ("allowed_shared_account_ids", set(&["111122223333"])),
            (
                "forbidden_shared_account_ids",
                set(&["444455556666", "777788889999"]),
            ),
        ]));
        assert_eq!(
            s.guard.allowed,
            Some(BTreeSet::from(["111122223333".to_string()]))
        );
        assert_eq!(s.guard.forbidden.len(), 2);
        // An empty allow-list is kept as such: it refuses everyone.
        let s = settings(&config(&[("allowed_shared_account_ids", set(&[]))]));
        assert_eq!(s.guard.allowed, Some(BTreeSet::new()));
    }

    #[test]
    fn bad_account_ids_point_at_their_set_element() {
        let c = config(&[
            ("allowed_shared_account_ids", set(&["111122223333", "1234"])),
            ("forbidden_shared_account_ids", set(&["12345678901x"])),
            ("allowed_account_ids", set(&["abc"])),
        ]);
        let diags = validate(&c);
        let paths: Vec<AttrPath> = diags.iter().filter_map(|d| d.attribute.clone()).collect();
        assert_eq!(
            paths,
            vec![
                AttrPath::root("allowed_account_ids").set_element("abc"),
                AttrPath::root("allowed_shared_account_ids").set_element("1234"),
                AttrPath::root("forbidden_shared_account_ids").set_element("12345678901x"),
            ]
        );
        assert_eq!(paths[1].to_string(), "allowed_shared_account_ids[\"1234\"]");
        assert!(
            diags.iter().all(|d| d.detail.contains("12 digits")),
            "{diags:?}"
        );
    }

    #[test]
    fn account_lists_conflict_and_force_the_identity_check() {
        let both = config(&[
            ("allowed_account_ids", set(&["123456789012"])),
            ("forbidden_account_ids", set(&["999999999999"])),
        ]);
        assert_eq!(error_paths(&both), vec!["forbidden_account_ids"]);
        // skip_credentials_validation cannot switch the account check off.
        let s = settings(&config(&[
            ("skip_credentials_validation", Value::Bool(true)),
            ("allowed_account_ids", set(&["123456789012"])),
        ]));
        assert_eq!(
            s.client.identity,
            Some(AccountCheck {
                allowed: Some(BTreeSet::from(["123456789012".to_string()])),
                forbidden: BTreeSet::new(),
            })
        );
        let s = settings(&config(&[(
            "skip_credentials_validation",
            Value::Bool(true),
        )]));
        assert_eq!(s.client.identity, None);
    }

    #[test]
    fn shared_files_must_exist_and_expand_home() {
        let dir = tempfile::tempdir().unwrap();
        let present = dir.path().join("config");
        std::fs::write(&present, "[default]\n").unwrap();
        let missing = dir.path().join("nope");
        let list = |paths: &[&str]| Value::List(paths.iter().map(|p| st(p)).collect());
        let c = config(&[
            (
                "shared_config_files",
                list(&[present.to_str().unwrap(), missing.to_str().unwrap()]),
            ),
            ("shared_credentials_files", list(&[""])),
        ]);
        assert_eq!(
            error_paths(&c),
            vec!["shared_credentials_files[0]"],
            "validate checks only the text"
        );
        let diags = parse(&c).unwrap_err();
        let paths: Vec<String> = diags
            .iter()
            .filter_map(|d| d.attribute.as_ref().map(|p| p.to_string()))
            .collect();
        assert_eq!(
            paths,
            vec!["shared_credentials_files[0]", "shared_config_files[1]"]
        );
        let ok = settings(&config(&[(
            "shared_config_files",
            list(&[present.to_str().unwrap()]),
        )]));
        assert_eq!(ok.client.shared_config_files, Some(vec![present.clone()]));
        assert_eq!(ok.client.shared_credentials_files, None);
        if let Some(home) = std::env::var_os("HOME") {
            assert_eq!(
                expand_home("~/.aws/config"),
                PathBuf::from(home).join(".aws/config")
            );
        }
        assert_eq!(expand_home("/etc/x"), PathBuf::from("/etc/x"));
    }

    #[test]
    fn region_names_of_all_partitions_are_accepted() {
        for r in [
            "us-east-1",
            "cn-northwest-1",
            "us-gov-west-1",
            "ap-southeast-5",
        ] {
            assert!(looks_like_region(r), "{r}");
        }
        for r in ["us-east", "useast1", "US-EAST-1", "us--1"] {
            assert!(!looks_like_region(r), "{r}");
        }
    }

    #[test]
    fn the_region_order_is_documented() {
        let block = schema().block;
        let d = block.attribute("region").unwrap().description;
        let order = [
            "this argument",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "profile",
        ];
        let at: Vec<usize> = order.iter().map(|w| d.find(w).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{d}");
    }
}
