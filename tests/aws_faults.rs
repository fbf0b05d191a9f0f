//! AWS failures moto cannot produce, through the real SDK and the real
//! resource code, against a loopback HTTP server of our own.

mod common;

use common::loopback_http::{LoopbackAws, Scripted};
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
        // Short, so a wait that cannot succeed ends quickly.
        (
            "timeouts",
            Value::object([
                ("create", Value::string("2s")),
                ("delete", Value::string("2s")),
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
    assert!(
        d.detail.contains("not a WorkSpaces API response"),
        "{}",
        d.detail
    );
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
        d.detail.contains("could not reach the endpoint"),
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
