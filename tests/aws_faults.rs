//! AWS failures moto cannot produce, through the real SDK and the real
//! resource code, against a loopback HTTP server of our own.

use crate::common::loopback_http::{LoopbackAws, Scripted};
use tfws::aws::{connect, ClientSettings, Workspaces};
use tfws::resources::image_permission::ImagePermission;
use tfws::resources::{Context, Resource};
use tfws::value::Value;

const IMAGE: &str = "wsi-123456789";
const ACCOUNT: &str = "111122223333";

async fn client(server: &LoopbackAws) -> Workspaces {
    // Every test sets the same values, so concurrent tests cannot disagree.
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    connect(&ClientSettings {
        region: Some("us-east-1".into()),
        profile: None,
        workspaces_endpoint: Some(server.url.clone()),
        ..ClientSettings::default()
    })
    .await
    .expect("client")
}

fn permissions(accounts: &[&str], next: Option<&str>) -> String {
    let perms: Vec<_> = accounts
        .iter()
        .map(|a| serde_json::json!({"SharedAccountId": a}))
        .collect();
    let mut body = serde_json::json!({"ImageId": IMAGE, "ImagePermissions": perms});
    if let Some(t) = next {
        body["NextToken"] = t.into();
    }
    body.to_string()
}

/// DescribeWorkspaceImages saying the image exists.
fn image_found() -> Scripted {
    Scripted::ok(
        &serde_json::json!({"Images": [{"ImageId": IMAGE, "State": "AVAILABLE"}]}).to_string(),
    )
}

/// The state of a permission Terraform already manages.
fn recorded() -> Value {
    ImagePermission
        .import(&format!("{IMAGE}/{ACCOUNT}"))
        .expect("state")
}

fn planned() -> Value {
    Value::object([
        ("id", Value::Unknown),
        ("image_id", Value::string(IMAGE)),
        ("shared_account_id", Value::string(ACCOUNT)),
        // Short, so a wait that cannot succeed ends quickly, yet past a
        // few retries with back-off on a loaded machine.
        (
            "timeouts",
            Value::object([
                ("create", Value::string("6s")),
                ("delete", Value::string("6s")),
            ]),
        ),
    ])
}

#[tokio::test]
async fn a_grant_that_shows_up_late_is_waited_for() {
    // Eventual consistency: the first describe after the grant does not
    // list the account yet, the second does.
    let server = LoopbackAws::start(vec![
        image_found(),
        Scripted::ok("{}"),
        Scripted::ok(&permissions(&[], None)),
        Scripted::ok(&permissions(&[ACCOUNT], None)),
    ]);
    let aws = client(&server).await;
    let result = ImagePermission
        .create(&Context::new(aws.clone()), &planned())
        .await;
    assert!(!result.diagnostics.has_errors(), "{:?}", result.diagnostics);
    assert!(result.state.is_some());
    assert_eq!(
        server.targets(),
        vec![
            "DescribeWorkspaceImages",
            "UpdateWorkspaceImagePermission",
            "DescribeWorkspaceImagePermissions",
            "DescribeWorkspaceImagePermissions"
        ]
    );
}

#[tokio::test]
async fn a_revoke_is_waited_for_until_the_account_is_no_longer_listed() {
    let server = LoopbackAws::start(vec![
        Scripted::ok(&permissions(&[ACCOUNT], None)),
        Scripted::ok("{}"),
        Scripted::ok(&permissions(&[ACCOUNT], None)),
        Scripted::ok(&permissions(&[], None)),
    ]);
    let aws = client(&server).await;
    let mut prior = recorded();
    if let Value::Object(attrs) = &mut prior {
        attrs.insert(
            "timeouts".into(),
            Value::object([("delete", Value::string("5s"))]),
        );
    }
    let diags = ImagePermission
        .delete(&Context::new(aws.clone()), &prior)
        .await;
    assert!(!diags.has_errors(), "{diags:?}");
    assert_eq!(server.targets().len(), 4, "{:?}", server.targets());
}

#[tokio::test]
async fn a_wait_that_runs_out_is_an_error_and_the_grant_stays_in_state() {
    let listed_never: Vec<Scripted> = std::iter::once(image_found())
        .chain(std::iter::once(Scripted::ok("{}")))
        .chain(std::iter::repeat_n(
            Scripted::ok(&permissions(&[], None)),
            40,
        ))
        .collect();
    let server = LoopbackAws::start(listed_never);
    let aws = client(&server).await;
    let started = std::time::Instant::now();
    let result = ImagePermission
        .create(&Context::new(aws.clone()), &planned())
        .await;
    let d = result.diagnostics.iter().next().expect("an error");
    assert!(d.detail.contains("still does not"), "{}", d.detail);
    assert!(
        result.state.is_some(),
        "the grant happened: it must stay in state"
    );
    // The timeout is 2s; give the poll interval slack, not minutes.
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test]
async fn access_denied_names_operation_code_message_and_request_id() {
    let server = LoopbackAws::start(vec![
        image_found(),
        Scripted::error(
            400,
            "AccessDeniedException",
            "User is not authorized to perform workspaces:UpdateWorkspaceImagePermission",
            "7f1c-request-id",
        ),
    ]);
    let aws = client(&server).await;
    let result = ImagePermission
        .create(&Context::new(aws.clone()), &planned())
        .await;
    assert!(
        result.state.is_none(),
        "nothing was granted, so nothing enters state"
    );
    let d = result.diagnostics.iter().next().expect("a diagnostic");
    assert_eq!(
        d.summary,
        format!("creating WorkSpaces Image Permission ({IMAGE}/{ACCOUNT})")
    );
    for part in [
        "UpdateWorkspaceImagePermission",
        "StatusCode: 400",
        "RequestID: 7f1c-request-id",
        "AccessDeniedException: User is not authorized",
    ] {
        assert!(
            d.detail.contains(part),
            "{part:?} missing from {:?}",
            d.detail
        );
    }
    assert_eq!(
        server.targets(),
        vec!["DescribeWorkspaceImages", "UpdateWorkspaceImagePermission"]
    );
}

#[tokio::test]
async fn throttling_is_retried_by_the_sdk() {
    let server = LoopbackAws::start(vec![
        image_found(),
        Scripted::error(400, "ThrottlingException", "Rate exceeded", "r1"),
        Scripted::ok("{}"),
        Scripted::ok(&permissions(&[ACCOUNT], None)),
    ]);
    let aws = client(&server).await;
    let result = ImagePermission
        .create(&Context::new(aws.clone()), &planned())
        .await;
    assert!(result.diagnostics.is_empty(), "{:?}", result.diagnostics);
    assert!(result.state.is_some());
    assert_eq!(
        server.targets(),
        vec![
            "DescribeWorkspaceImages",
            "UpdateWorkspaceImagePermission",
            "UpdateWorkspaceImagePermission",
            "DescribeWorkspaceImagePermissions"
        ]
    );
}

#[tokio::test]
async fn grant_that_does_not_show_up_stays_in_state_as_an_error() {
    // The grant succeeded; if the read-back does not list the account, the
    // permission must still be recorded (tainted), never dropped.
    let server = LoopbackAws::start(vec![
        image_found(),
        Scripted::ok("{}"),
        Scripted::ok(&permissions(&[], None)),
    ]);
    let aws = client(&server).await;
    let result = ImagePermission
        .create(&Context::new(aws.clone()), &planned())
        .await;
    assert!(result.diagnostics.has_errors());
    assert_eq!(
        result
            .state
            .as_ref()
            .and_then(|s| s.attr("shared_account_id")),
        Some(&Value::string(ACCOUNT))
    );
}

#[tokio::test]
async fn describe_walks_every_page() {
    let server = LoopbackAws::start(vec![
        Scripted::ok(&permissions(
            &["000000000001", "000000000002"],
            Some("page-2"),
        )),
        Scripted::ok(&permissions(&["000000000003"], Some("page-3"))),
        Scripted::ok(&permissions(&[ACCOUNT], None)),
    ]);
    let aws = client(&server).await;
    let accounts = aws
        .shared_accounts(IMAGE)
        .await
        .expect("describe")
        .expect("image exists");
    assert_eq!(
        accounts,
        vec!["000000000001", "000000000002", "000000000003", ACCOUNT]
    );
    let tokens: Vec<_> = server
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.body["NextToken"].clone())
        .collect();
    assert_eq!(
        tokens,
        vec![serde_json::Value::Null, "page-2".into(), "page-3".into()]
    );
}

#[tokio::test]
async fn a_pagination_token_handed_back_twice_is_an_error_not_a_loop() {
    let server = LoopbackAws::start(vec![
        Scripted::ok(&permissions(&["000000000001"], Some("again"))),
        Scripted::ok(&permissions(&["000000000002"], Some("again"))),
    ]);
    let aws = client(&server).await;
    let err = aws.shared_accounts(IMAGE).await.expect_err("must stop");
    assert!(err.to_string().contains("twice"), "{err}");
}

#[tokio::test]
async fn read_of_a_deleted_image_removes_the_resource() {
    let server = LoopbackAws::start(vec![Scripted::error(
        400,
        "ResourceNotFoundException",
        "The image could not be found.",
        "r2",
    )]);
    let aws = client(&server).await;
    let current = recorded();
    let result = ImagePermission
        .read(&Context::new(aws.clone()), &current)
        .await;
    assert!(result.diagnostics.is_empty());
    assert!(result.state.is_none());
}

#[tokio::test]
async fn delete_of_an_already_revoked_permission_makes_no_revoke_call() {
    let server = LoopbackAws::start(vec![Scripted::ok(&permissions(&["999999999999"], None))]);
    let aws = client(&server).await;
    let prior = recorded();
    let diags = ImagePermission
        .delete(&Context::new(aws.clone()), &prior)
        .await;
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(server.targets(), vec!["DescribeWorkspaceImagePermissions"]);
}

#[tokio::test]
async fn failed_revoke_is_reported_with_the_aws_error() {
    let server = LoopbackAws::start(vec![
        Scripted::ok(&permissions(&[ACCOUNT], None)),
        Scripted::error(
            400,
            "OperationNotSupportedException",
            "BYOL images cannot be shared here",
            "r3",
        ),
    ]);
    let aws = client(&server).await;
    let prior = recorded();
    let diags = ImagePermission
        .delete(&Context::new(aws.clone()), &prior)
        .await;
    let d = diags.iter().next().expect("error");
    assert!(
        d.summary
            .starts_with("deleting WorkSpaces Image Permission"),
        "{}",
        d.summary
    );
    assert!(
        d.detail
            .contains("OperationNotSupportedException: BYOL images"),
        "{}",
        d.detail
    );
    assert!(d.detail.contains("RequestID: r3"), "{}", d.detail);
}

#[tokio::test]
async fn a_response_that_is_not_an_aws_error_is_reported_briefly() {
    // moto answers an unknown image with an HTML 500 page; after the SDK's
    // retries the diagnostic must say so in a line, not dump the page.
    let page = Scripted {
        status: 500,
        body: "<!doctype html><title>500</title>".into(),
        request_id: "r4",
    };
    let server = LoopbackAws::start(vec![
        image_found(),
        page.clone(),
        page.clone(),
        page,
        Scripted::ok(&permissions(&[], None)),
    ]);
    let aws = client(&server).await;
    let result = ImagePermission
        .create(&Context::new(aws.clone()), &planned())
        .await;
    let d = result.diagnostics.iter().next().expect("error");
    assert!(d.detail.contains("StatusCode: 500"), "{}", d.detail);
    assert!(d.detail.contains("not an AWS API response"), "{}", d.detail);
    assert!(!d.detail.contains("doctype"), "{}", d.detail);
    // The SDK retries a 500 up to its attempt limit; a 500 leaves the
    // outcome open, so the provider then checks whether the grant happened.
    assert_eq!(
        server.targets(),
        vec![
            "DescribeWorkspaceImages",
            "UpdateWorkspaceImagePermission",
            "UpdateWorkspaceImagePermission",
            "UpdateWorkspaceImagePermission",
            "DescribeWorkspaceImagePermissions"
        ]
    );
    assert!(result.state.is_none());
}

#[tokio::test]
async fn an_endpoint_that_refuses_connections_is_named_as_unreachable() {
    // Bind then drop, so nothing listens on the port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = LoopbackAws {
        url: format!("http://127.0.0.1:{port}"),
        requests: Default::default(),
    };
    let aws = client(&server).await;
    let result = ImagePermission
        .create(&Context::new(aws.clone()), &planned())
        .await;
    let d = result.diagnostics.iter().next().expect("error");
    assert!(
        d.detail.contains(&format!(
            "could not call http://127.0.0.1:{port} (3 attempts): connection refused"
        )),
        "{}",
        d.detail
    );
    assert!(result.state.is_none());
}

/// A grant that keeps failing with 503 (outcome unknown), after which
/// DescribeWorkspaceImagePermissions lists `listed`.
async fn ambiguous_grant(listed: &[&str]) -> tfws::resources::StateResult {
    let err = Scripted::error(503, "ServiceUnavailable", "try later", "r5");
    let server = LoopbackAws::start(vec![
        image_found(),
        err.clone(),
        err.clone(),
        err,
        Scripted::ok(&permissions(listed, None)),
    ]);
    let aws = client(&server).await;
    ImagePermission
        .create(&Context::new(aws.clone()), &planned())
        .await
}

#[tokio::test]
async fn a_grant_that_failed_ambiguously_but_happened_stays_in_state() {
    let result = ambiguous_grant(&[ACCOUNT]).await;
    assert!(result.diagnostics.has_errors());
    assert!(
        result.state.is_some(),
        "the permission exists and must be recorded"
    );
}

#[tokio::test]
async fn a_grant_that_failed_ambiguously_and_did_not_happen_leaves_nothing() {
    let result = ambiguous_grant(&[]).await;
    assert!(result.diagnostics.has_errors());
    assert!(result.state.is_none());
}

#[tokio::test]
async fn a_refused_grant_is_not_second_guessed() {
    // A 4xx means nothing changed: no describe call, nothing in state.
    let server = LoopbackAws::start(vec![
        image_found(),
        Scripted::error(400, "InvalidParameterValuesException", "bad account", "r7"),
    ]);
    let aws = client(&server).await;
    let result = ImagePermission
        .create(&Context::new(aws.clone()), &planned())
        .await;
    assert!(result.state.is_none());
    assert_eq!(
        server.targets(),
        vec!["DescribeWorkspaceImages", "UpdateWorkspaceImagePermission"]
    );
}

#[tokio::test]
async fn a_missing_image_is_reported_before_any_grant() {
    let server = LoopbackAws::start(vec![Scripted::ok(r#"{"Images": []}"#)]);
    let aws = client(&server).await;
    let result = ImagePermission
        .create(&Context::new(aws.clone()), &planned())
        .await;
    let d = result.diagnostics.iter().next().expect("error");
    assert_eq!(d.summary, "WorkSpaces image not found");
    assert!(
        d.detail.contains(IMAGE) && d.detail.contains("us-east-1"),
        "{}",
        d.detail
    );
    assert_eq!(
        d.attribute.as_ref().map(|p| p.to_string()).as_deref(),
        Some("image_id")
    );
    assert!(result.state.is_none());
    assert_eq!(server.targets(), vec!["DescribeWorkspaceImages"]);
}

fn sharing_value(accounts: &[&str]) -> Value {
    Value::object([
        ("id", Value::string(IMAGE)),
        ("image_id", Value::string(IMAGE)),
        (
            "shared_account_ids",
            Value::Set(accounts.iter().map(|a| Value::string(*a)).collect()),
        ),
        ("timeouts", Value::Null),
    ])
}

#[tokio::test]
async fn an_update_that_cannot_read_the_sharing_keeps_the_prior_state_whole() {
    use tfws::resources::image_sharing::ImageSharing;
    let server = LoopbackAws::start(vec![Scripted::error(
        400,
        "AccessDeniedException",
        "not allowed",
        "r9",
    )]);
    let aws = client(&server).await;
    let prior = sharing_value(&[ACCOUNT, "444455556666"]);
    let result = ImageSharing
        .update(
            &Context::new(aws.clone()),
            &prior,
            &sharing_value(&[ACCOUNT]),
        )
        .await;
    assert!(result.diagnostics.has_errors());
    assert_eq!(
        result.state,
        Some(prior),
        "no permission record may be lost"
    );
    assert_eq!(server.targets(), vec!["DescribeWorkspaceImagePermissions"]);
}

#[tokio::test]
async fn a_create_that_cannot_read_the_sharing_leaves_no_resource() {
    use tfws::resources::image_sharing::ImageSharing;
    let server = LoopbackAws::start(vec![Scripted::error(
        400,
        "AccessDeniedException",
        "not allowed",
        "r10",
    )]);
    let aws = client(&server).await;
    let result = ImageSharing
        .create(&Context::new(aws.clone()), &sharing_value(&[ACCOUNT]))
        .await;
    assert!(result.diagnostics.has_errors());
    assert_eq!(result.state, None);
}

// Transport and credential failures: one readable line each, naming the
// operation, the URL called, what happened and the attempts made.

use crate::common::transport_faults;
use std::time::Duration;

/// A client for `url` making `attempts` attempts of at most `attempt` each.
fn sdk_client(url: &str, attempts: u32, attempt: Duration) -> Workspaces {
    use aws_sdk_workspaces::config::retry::RetryConfig;
    use aws_sdk_workspaces::config::timeout::TimeoutConfig;
    use aws_sdk_workspaces::config::{BehaviorVersion, Credentials, Region};
    let conf = aws_sdk_workspaces::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .endpoint_url(url)
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(attempt)
                .build(),
        )
        .build();
    Workspaces::new(aws_sdk_workspaces::Client::from_conf(conf))
}

/// A client for `url` with `attempts` attempts and a 1 s attempt
/// time-out, so failures that retry or wait end quickly.
fn quick_client(url: &str, attempts: u32) -> Workspaces {
    sdk_client(url, attempts, Duration::from_secs(1))
}

/// Creates a permission through `aws` and returns the one diagnostic's
/// summary and detail, checking that nothing entered state.
async fn create_fails(aws: Workspaces) -> (String, String) {
    let result = ImagePermission.create(&Context::new(aws), &planned()).await;
    assert!(result.state.is_none());
    let all: Vec<_> = result.diagnostics.iter().collect();
    assert_eq!(all.len(), 1, "{all:?}");
    (all[0].summary.clone(), all[0].detail.clone())
}

/// No Debug output of the SDK's error types, in one line.
fn assert_readable(detail: &str) {
    for dump in [
        "{",
        "}",
        "DispatchFailure",
        "ConnectorError",
        "Os {",
        "source:",
    ] {
        assert!(!detail.contains(dump), "{dump:?} in {detail:?}");
    }
    assert!(!detail.contains('\n'), "{detail:?}");
}

const CHECKING: &str = "checking WorkSpaces image wsi-123456789 before granting access to it";

#[tokio::test]
async fn connection_refused_names_url_and_attempts() {
    let port = transport_faults::closed_port();
    let (summary, detail) =
        create_fails(quick_client(&format!("http://127.0.0.1:{port}"), 2)).await;
    assert_eq!(summary, CHECKING);
    assert_eq!(
        detail,
        format!(
            "operation error WorkSpaces: DescribeWorkspaceImages, could not call http://127.0.0.1:{port} \
             (2 attempts): connection refused (nothing accepts connections there: are the host and port \
             right, and is the service running?)"
        )
    );
    assert_readable(&detail);
}

#[tokio::test]
async fn an_unknown_host_is_named() {
    let (summary, detail) = create_fails(quick_client("https://no-such-host.invalid", 1)).await;
    assert_eq!(summary, CHECKING);
    assert_eq!(
        detail,
        "operation error WorkSpaces: DescribeWorkspaceImages, could not call \
         https://no-such-host.invalid:443 (1 attempt): host not found: no-such-host.invalid does not \
         resolve (is the host name in the endpoint URL right?)"
    );
    assert_readable(&detail);
}

#[tokio::test]
async fn an_unknown_host_is_not_retried() {
    // Five attempts allowed: a name that does not resolve is tried once.
    let started = std::time::Instant::now();
    let (_, detail) = create_fails(quick_client("https://no-such-host.invalid", 5)).await;
    assert!(detail.contains("(1 attempt): host not found"), "{detail}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn https_to_a_plain_http_port_asks_whether_it_is_plain_http() {
    let port = transport_faults::plain_http_server();
    let (summary, detail) =
        create_fails(quick_client(&format!("https://127.0.0.1:{port}"), 1)).await;
    assert_eq!(summary, CHECKING);
    assert_eq!(
        detail,
        format!(
            "operation error WorkSpaces: DescribeWorkspaceImages, could not call https://127.0.0.1:{port} \
             (1 attempt): TLS handshake failed: the server did not answer in TLS (is the endpoint plain \
             HTTP? Then write its URL with http://)"
        )
    );
    assert_readable(&detail);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_with_the_limit_named() {
    let port = transport_faults::silent_server();
    let started = std::time::Instant::now();
    // A resource timeout well past the two 1 s attempts.
    let mut planned = planned();
    if let Value::Object(attrs) = &mut planned {
        attrs.insert(
            "timeouts".into(),
            Value::object([("create", Value::string("30s")), ("delete", Value::Null)]),
        );
    }
    let aws = quick_client(&format!("http://127.0.0.1:{port}"), 2);
    let result = ImagePermission.create(&Context::new(aws), &planned).await;
    assert!(result.state.is_none());
    let all: Vec<_> = result.diagnostics.iter().collect();
    assert_eq!(all.len(), 1, "{all:?}");
    let (summary, detail) = (all[0].summary.clone(), all[0].detail.clone());
    assert_eq!(summary, CHECKING);
    assert_eq!(
        detail,
        format!(
            "operation error WorkSpaces: DescribeWorkspaceImages, could not call http://127.0.0.1:{port} \
             (2 attempts): timed out after 1 s waiting for a response (the server accepted the \
             connection but did not answer: is the endpoint URL an AWS API?)"
        )
    );
    assert_readable(&detail);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_reset_connection_is_named() {
    let port = transport_faults::resetting_server();
    let (summary, detail) =
        create_fails(quick_client(&format!("http://127.0.0.1:{port}"), 1)).await;
    assert_eq!(summary, CHECKING);
    assert_eq!(
        detail,
        format!(
            "operation error WorkSpaces: DescribeWorkspaceImages, could not call http://127.0.0.1:{port} \
             (1 attempt): connection reset by the server (is the endpoint URL right, or is a proxy or \
             firewall in the way?)"
        )
    );
    assert_readable(&detail);
}

#[tokio::test]
async fn an_unknown_region_is_suspected_when_its_endpoint_does_not_resolve() {
    use aws_sdk_workspaces::config::retry::RetryConfig;
    use aws_sdk_workspaces::config::{BehaviorVersion, Credentials, Region};
    // No endpoint URL: the SDK calls the Region's own endpoint, which does
    // not exist for us-east-9 (and nothing resolves offline either).
    let conf = aws_sdk_workspaces::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-9"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build();
    let aws = Workspaces::new(aws_sdk_workspaces::Client::from_conf(conf));
    let (summary, detail) = create_fails(aws).await;
    assert_eq!(summary, CHECKING);
    assert_eq!(
        detail,
        "operation error WorkSpaces: DescribeWorkspaceImages, could not call \
         https://workspaces.us-east-9.amazonaws.com:443 (1 attempt): host not found: \
         workspaces.us-east-9.amazonaws.com does not resolve (the Region \"us-east-9\" may be wrong, or \
         WorkSpaces is not offered there)"
    );
    assert_readable(&detail);
}

#[tokio::test]
async fn credential_errors_carry_the_code_and_what_to_do() {
    for (code, message, hint) in [
        (
            "ExpiredTokenException",
            "The security token included in the request is expired",
            "The credentials have expired: get new ones (for an SSO profile run `aws sso login`, for \
             temporary keys get a new session token).",
        ),
        (
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
            "The secret access key does not match the access key ID: check AWS_SECRET_ACCESS_KEY, \
             `secret_key` or the profile's aws_secret_access_key (and the system clock).",
        ),
        (
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            "AWS does not recognise the access key ID or session token: check AWS_ACCESS_KEY_ID, \
             `access_key` or the profile's keys, and that a session token is set only with temporary keys.",
        ),
    ] {
        let server = LoopbackAws::start(vec![Scripted::error(403, code, message, "r-cred")]);
        let (summary, detail) = create_fails(quick_client(&server.url, 3)).await;
        assert_eq!(summary, CHECKING);
        let sep = if message.ends_with('.') { " " } else { ". " };
        assert_eq!(
            detail,
            format!(
                "operation error WorkSpaces: DescribeWorkspaceImages, https response error StatusCode: 403, \
                 RequestID: r-cred, {code}: {message}{sep}{hint}"
            )
        );
        assert_readable(&detail);
        assert_eq!(server.targets().len(), 1, "{code} is not retried");
    }
}

#[tokio::test]
async fn a_sharing_read_that_fails_says_nothing_was_created() {
    use tfws::resources::image_sharing::ImageSharing;
    let port = transport_faults::closed_port();
    let result = ImageSharing
        .create(
            &Context::new(quick_client(&format!("http://127.0.0.1:{port}"), 1)),
            &sharing_value(&[ACCOUNT]),
        )
        .await;
    let d = result.diagnostics.iter().next().expect("error");
    assert_eq!(
        d.summary,
        format!("reading the current sharing before creating WorkSpaces Image Sharing ({IMAGE})")
    );
    assert!(
        d.detail.starts_with(
            "operation error WorkSpaces: DescribeWorkspaceImagePermissions, could not call"
        ),
        "{}",
        d.detail
    );
    assert_readable(&d.detail);
}

/// A client as Terraform's provider builds it: 26 attempts of up to 60 s
/// each, so only the operation's own bound can end a stall quickly.
fn patient_client(url: &str) -> Workspaces {
    sdk_client(url, 26, Duration::from_secs(60))
}

#[tokio::test]
async fn a_stalled_endpoint_ends_when_the_resource_timeout_does() {
    let port = transport_faults::silent_server();
    let aws = patient_client(&format!("http://127.0.0.1:{port}"));
    let started = std::time::Instant::now();
    // planned() sets `timeouts { create = "6s" }`.
    let (summary, detail) = create_fails(aws).await;
    let took = started.elapsed();
    assert_eq!(summary, CHECKING);
    assert!(
        detail.contains("the operation's time (6 s) ran out before AWS answered"),
        "{detail}"
    );
    assert_readable(&detail);
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[tokio::test]
async fn a_stalled_grant_ends_at_the_timeout_and_stays_in_state_unconfirmed() {
    // The image exists and the sharing reads empty; the grant stalls.
    let server = LoopbackAws::start(vec![image_found(), Scripted::ok(&permissions(&[], None))]);
    let port = transport_faults::silent_server();
    // Reads go to the scripted server, which has answered its two; the
    // grant needs a client on the silent one. One context cannot do both,
    // so drive the pieces as create does: check, then grant.
    let reads = patient_client(&server.url);
    assert!(reads
        .describe_image(IMAGE)
        .await
        .expect("describe")
        .is_some());
    let writes = patient_client(&format!("http://127.0.0.1:{port}"));
    let budget = Duration::from_millis(1500);
    let started = std::time::Instant::now();
    let err = writes
        .until(std::time::Instant::now() + budget, budget)
        .grant(IMAGE, ACCOUNT)
        .await
        .expect_err("a stalled grant fails");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The request went out: AWS may have acted on it.
    assert!(err.outcome_unknown(), "{err}");
    assert!(
        err.to_string().contains("may or may not have been made"),
        "{err}"
    );
}

#[tokio::test]
async fn stopping_the_provider_ends_a_stalled_call_at_once() {
    let port = transport_faults::silent_server();
    let stop = tfws::aws::Stop::new();
    let aws = patient_client(&format!("http://127.0.0.1:{port}")).with_stop(stop.clone());
    let stopper = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        stopper.stop();
    });
    let started = std::time::Instant::now();
    let err = aws
        .describe_image(IMAGE)
        .await
        .expect_err("a stopped call fails");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(err.is_stopped());
    assert!(
        err.to_string().contains("Terraform stopped the provider"),
        "{err}"
    );
    // Nothing starts after the stop: no attempt is made, so a grant cut
    // this way certainly did not happen.
    let err = aws.grant(IMAGE, ACCOUNT).await.expect_err("stopped");
    assert!(!err.outcome_unknown(), "{err}");
}
