//! Checks of the fake WorkSpaces endpoint itself, through the real AWS SDK
//! (and raw HTTP for what the SDK never sends), so tests built on it can
//! trust its paging, consistency delay, counters and faults.

use crate::common::block_on;
use crate::common::fake_workspaces::{
    FakeWorkspaces, RevokeNeverGranted, ACCOUNT, DESCRIBE_IMAGES, DESCRIBE_PERMISSIONS,
    UPDATE_PERMISSION,
};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const IMAGE: &str = "wsi-0123abcde";

fn account(i: usize) -> String {
    format!("{:012}", 100_000_000_000u64 + i as u64)
}

fn fake_with_image() -> FakeWorkspaces {
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    fake
}

/// One page: (accounts, next token).
fn page(
    fake: &FakeWorkspaces,
    image: &str,
    max: Option<i32>,
    token: Option<String>,
) -> Result<(Vec<String>, Option<String>), String> {
    let client = fake.client();
    let image = image.to_string();
    block_on(async move {
        client
            .describe_workspace_image_permissions()
            .image_id(image)
            .set_max_results(max)
            .set_next_token(token)
            .send()
            .await
    })
    .map(|out| {
        (
            out.image_permissions()
                .iter()
                .filter_map(|p| p.shared_account_id().map(str::to_string))
                .collect(),
            out.next_token().map(str::to_string),
        )
    })
    .map_err(|e| error_code(&e))
}

fn error_code<E, R>(e: &aws_sdk_workspaces::error::SdkError<E, R>) -> String
where
    E: aws_sdk_workspaces::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    e.as_service_error()
        .and_then(|s| s.code())
        .map(str::to_string)
        .unwrap_or_else(|| format!("not a service error: {e:?}"))
}

fn update(fake: &FakeWorkspaces, account: &str, allow: bool) -> Result<(), String> {
    let client = fake.client();
    let account = account.to_string();
    block_on(async move {
        client
            .update_workspace_image_permission()
            .image_id(IMAGE)
            .shared_account_id(account)
            .allow_copy_image(allow)
            .send()
            .await
    })
    .map(|_| ())
    .map_err(|e| error_code(&e))
}

/// What one DescribeWorkspaceImagePermissions call (first page) lists.
fn visible(fake: &FakeWorkspaces) -> Vec<String> {
    page(fake, IMAGE, None, None).expect("describe").0
}

#[test]
fn permissions_page_at_25_with_chained_tokens() {
    let fake = fake_with_image();
    let accounts: Vec<String> = (0..60).map(account).collect();
    for a in &accounts {
        update(&fake, a, true).expect("grant");
    }
    fake.reset_calls();

    let (p1, t1) = page(&fake, IMAGE, Some(25), None).unwrap();
    let t1 = t1.expect("a token after page 1");
    let (p2, t2) = page(&fake, IMAGE, Some(25), Some(t1.clone())).unwrap();
    let t2 = t2.expect("a token after page 2");
    assert_ne!(t1, t2, "each page hands out a new token");
    let (p3, t3) = page(&fake, IMAGE, Some(25), Some(t2)).unwrap();
    assert_eq!((p1.len(), p2.len(), p3.len()), (25, 25, 10));
    assert_eq!(t3, None, "the last page has no token");
    let all: Vec<String> = [p1, p2, p3].concat();
    assert_eq!(all, accounts, "every account once, in grant order");
    assert_eq!(fake.calls(DESCRIBE_PERMISSIONS), 3);

    // Larger pages are clamped to AWS's 25; smaller ones are honoured;
    // no MaxResults means 25.
    assert_eq!(page(&fake, IMAGE, Some(100), None).unwrap().0.len(), 25);
    assert_eq!(page(&fake, IMAGE, None, None).unwrap().0.len(), 25);
    let (small, t) = page(&fake, IMAGE, Some(7), None).unwrap();
    assert_eq!(small, accounts[..7]);
    let (next, _) = page(&fake, IMAGE, Some(7), t).unwrap();
    assert_eq!(next, accounts[7..14]);
    assert_eq!(
        page(&fake, IMAGE, Some(0), None).unwrap_err(),
        "ValidationException"
    );

    // Walking with no MaxResults chains the same way.
    fake.reset_calls();
    let mut walked = Vec::new();
    let mut token = None;
    loop {
        let (accounts, next) = page(&fake, IMAGE, None, token).unwrap();
        walked.extend(accounts);
        match next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(walked, accounts);
    assert_eq!(fake.calls(DESCRIBE_PERMISSIONS), 3);
}

#[test]
fn exactly_25_accounts_is_one_page_and_bad_tokens_are_refused() {
    let fake = fake_with_image();
    for i in 0..25 {
        fake.grant_out_of_band(IMAGE, &account(i));
    }
    let (p, t) = page(&fake, IMAGE, Some(25), None).unwrap();
    assert_eq!((p.len(), t), (25, None));
    assert_eq!(
        page(&fake, IMAGE, None, Some("garbage".into())).unwrap_err(),
        "ValidationException"
    );
    // A token is bound to its image.
    fake.add_image("wsi-0123abcdf", ACCOUNT, "DEFAULT");
    fake.grant_out_of_band("wsi-0123abcdf", &account(0));
    for i in 25..30 {
        fake.grant_out_of_band(IMAGE, &account(i));
    }
    let (_, token) = page(&fake, IMAGE, Some(25), None).unwrap();
    assert!(token.is_some());
    assert_eq!(
        page(&fake, "wsi-0123abcdf", None, token).unwrap_err(),
        "ValidationException"
    );
}

#[test]
fn unknown_and_malformed_images() {
    let fake = fake_with_image();
    assert_eq!(
        page(&fake, "wsi-999999999", None, None).unwrap_err(),
        "ResourceNotFoundException"
    );
    assert_eq!(
        page(&fake, "not-an-image", None, None).unwrap_err(),
        "ValidationException"
    );
    let client = fake.client();
    let err = block_on(async move {
        client
            .update_workspace_image_permission()
            .image_id("wsi-999999999")
            .shared_account_id(account(1))
            .allow_copy_image(true)
            .send()
            .await
    })
    .unwrap_err();
    assert_eq!(error_code(&err), "ResourceNotFoundException");
    assert_eq!(
        update(&fake, "12345", true).unwrap_err(),
        "ValidationException"
    );
    assert!(fake.shared_accounts(IMAGE).is_empty());
}

#[test]
fn describe_images_reports_the_image_and_filters_by_id() {
    let fake = fake_with_image();
    fake.add_image("wsi-byol00001", "210987654321", "DEDICATED");
    let client = fake.client();
    let images = block_on(async move {
        client
            .describe_workspace_images()
            .image_ids("wsi-byol00001")
            .send()
            .await
    })
    .expect("DescribeWorkspaceImages");
    let [image] = images.images() else {
        panic!("expected one image: {images:?}")
    };
    assert_eq!(image.image_id(), Some("wsi-byol00001"));
    assert_eq!(image.owner_account_id(), Some("210987654321"));
    assert_eq!(
        image.required_tenancy().map(|t| t.as_str()),
        Some("DEDICATED")
    );
    assert_eq!(image.state().map(|s| s.as_str()), Some("AVAILABLE"));
    assert_eq!(
        image
            .operating_system()
            .and_then(|o| o.r#type())
            .map(|t| t.as_str()),
        Some("WINDOWS")
    );
    assert!(image.name().is_some() && image.description().is_some());

    let client = fake.client();
    let none = block_on(async move {
        client
            .describe_workspace_images()
            .image_ids("wsi-999999999")
            .send()
            .await
    })
    .expect("DescribeWorkspaceImages");
    assert!(none.images().is_empty());
    assert_eq!(fake.calls(DESCRIBE_IMAGES), 2);
}

#[test]
fn changes_become_visible_after_the_configured_number_of_describes() {
    let fake = fake_with_image();
    let a = account(1);
    let b = account(2);
    fake.set_delay(2);
    update(&fake, &a, true).expect("grant");
    // True state has it at once; describe does not, for two calls.
    assert_eq!(fake.shared_accounts(IMAGE), vec![a.clone()]);
    assert!(visible(&fake).is_empty(), "1st describe after the grant");
    assert!(visible(&fake).is_empty(), "2nd describe after the grant");
    assert_eq!(visible(&fake), vec![a.clone()], "3rd describe sees it");

    // Revokes are delayed the same way; an out-of-band grant made after
    // the revoke shows up no earlier than the revoke.
    update(&fake, &a, false).expect("revoke");
    fake.grant_out_of_band(IMAGE, &b);
    assert_eq!(fake.shared_accounts(IMAGE), vec![b.clone()]);
    assert_eq!(visible(&fake), vec![a.clone()]);
    assert_eq!(visible(&fake), vec![a.clone()]);
    assert_eq!(visible(&fake), vec![b.clone()]);

    // Back to no delay: the next describe sees a change.
    fake.set_delay(0);
    fake.revoke_out_of_band(IMAGE, &b);
    assert!(visible(&fake).is_empty());
    assert!(fake.shared_accounts(IMAGE).is_empty());
}

#[test]
fn counters_count_every_call_per_operation_and_reset() {
    let fake = fake_with_image();
    assert_eq!(fake.total_calls(), 0);
    update(&fake, &account(1), true).unwrap();
    update(&fake, &account(2), true).unwrap();
    visible(&fake);
    let _ = page(&fake, "wsi-999999999", None, None); // errors count too
    assert_eq!(fake.calls(UPDATE_PERMISSION), 2);
    assert_eq!(fake.calls(DESCRIBE_PERMISSIONS), 2);
    assert_eq!(fake.calls(DESCRIBE_IMAGES), 0);
    assert_eq!(fake.total_calls(), 4);
    assert_eq!(fake.workspaces_calls(), 4);
    assert_eq!(
        fake.call_counts().into_iter().collect::<Vec<_>>(),
        vec![
            (DESCRIBE_PERMISSIONS.to_string(), 2),
            (UPDATE_PERMISSION.to_string(), 2)
        ]
    );
    fake.reset_calls();
    assert_eq!(fake.total_calls(), 0);
    assert_eq!(fake.calls(UPDATE_PERMISSION), 0);
    visible(&fake);
    assert_eq!(fake.calls(DESCRIBE_PERMISSIONS), 1);
    assert_eq!(fake.total_calls(), 1);
}

#[test]
fn injected_faults_answer_the_next_calls_then_stop() {
    let fake = fake_with_image();
    let a = account(1);
    fake.fail_next(UPDATE_PERMISSION, 1, 400, "AccessDeniedException");
    assert_eq!(
        update(&fake, &a, true).unwrap_err(),
        "AccessDeniedException"
    );
    assert!(
        fake.shared_accounts(IMAGE).is_empty(),
        "a fault changes nothing"
    );
    update(&fake, &a, true).expect("the fault was used up");
    assert_eq!(fake.shared_accounts(IMAGE), vec![a.clone()]);
    assert_eq!(fake.calls(UPDATE_PERMISSION), 2);

    // Two 500s: the SDK retries (3 attempts by default) and succeeds.
    fake.reset_calls();
    fake.fail_next(DESCRIBE_PERMISSIONS, 2, 500, "InternalFailure");
    assert_eq!(visible(&fake), vec![a.clone()]);
    assert_eq!(fake.calls(DESCRIBE_PERMISSIONS), 3);

    // Three: the SDK gives up with the injected code.
    fake.fail_next(DESCRIBE_PERMISSIONS, 3, 503, "ServiceUnavailable");
    assert_eq!(
        page(&fake, IMAGE, None, None).unwrap_err(),
        "ServiceUnavailable"
    );
}

#[test]
fn revoking_what_was_never_granted_is_silent_or_an_error_as_configured() {
    let fake = fake_with_image();
    let a = account(1);
    update(&fake, &a, false).expect("silent by default, like moto");
    fake.set_revoke_never_granted(RevokeNeverGranted::Error {
        status: 400,
        code: "InvalidParameterValuesException".into(),
    });
    assert_eq!(
        update(&fake, &a, false).unwrap_err(),
        "InvalidParameterValuesException"
    );
    update(&fake, &a, true).unwrap();
    update(&fake, &a, false).expect("revoking a grant is fine");
    assert!(fake.shared_accounts(IMAGE).is_empty());
}

// ---------------------------------------------------------------- raw HTTP

/// Sends `request` on `stream` and reads one response: (status, headers, body).
fn exchange(stream: &mut TcpStream, request: &str) -> (u16, String, String) {
    stream.write_all(request.as_bytes()).expect("write");
    read_response(stream)
}

fn read_response(stream: &mut TcpStream) -> (u16, String, String) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).expect("read") > 0,
            "EOF in head"
        );
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let status = head[9..12].parse().expect("status");
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().expect("length"))
        })
        .expect("Content-Length");
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    // The BufReader may not have read past the body: the next response is
    // still in the socket.
    assert!(reader.buffer().is_empty());
    (status, head, String::from_utf8(body).expect("utf-8"))
}

fn json_request(target: &str, body: &str) -> String {
    format!(
        "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {target}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn connect(fake: &FakeWorkspaces) -> TcpStream {
    TcpStream::connect(fake.url.trim_start_matches("http://")).expect("connect")
}

#[test]
fn raw_requests_keep_alive_bad_input_and_unknown_operations() {
    let fake = fake_with_image();
    let mut s = connect(&fake);
    // Several requests on one connection.
    let (status, head, body) = exchange(
        &mut s,
        &json_request(
            "WorkspacesService.DescribeWorkspaceImagePermissions",
            &format!("{{\"ImageId\":\"{IMAGE}\"}}"),
        ),
    );
    assert_eq!(status, 200, "{body}");
    assert!(head
        .to_ascii_lowercase()
        .contains("x-amzn-requestid: fake-"));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["ImagePermissions"],
        serde_json::json!([])
    );
    let (status, _, body) = exchange(
        &mut s,
        &json_request("WorkspacesService.RebootWorkspaces", "{}"),
    );
    assert_eq!(status, 400);
    assert!(body.contains("UnknownOperationException"), "{body}");
    let (status, _, body) = exchange(
        &mut s,
        &json_request(
            "WorkspacesService.UpdateWorkspaceImagePermission",
            "{not json",
        ),
    );
    assert_eq!(status, 400);
    assert!(body.contains("SerializationException"), "{body}");
    let (status, _, body) = exchange(
        &mut s,
        &json_request(
            "WorkspacesService.UpdateWorkspaceImagePermission",
            &format!("{{\"ImageId\":\"{IMAGE}\",\"SharedAccountId\":\"111122223333\"}}"),
        ),
    );
    assert_eq!(status, 400);
    assert!(
        body.contains("ValidationException") && body.contains("allowCopyImage"),
        "{body}"
    );
    let (status, _, body) = exchange(
        &mut s,
        &json_request(
            "WorkspacesService.UpdateWorkspaceImagePermission",
            &format!("{{\"ImageId\":\"{IMAGE}\",\"SharedAccountId\":\"111122223333\",\"AllowCopyImage\":\"yes\"}}"),
        ),
    );
    assert_eq!(status, 400, "{body}");
    assert!(fake.shared_accounts(IMAGE).is_empty());
    // Wrong types, non-object bodies and no target at all.
    for (target, body) in [
        (
            "WorkspacesService.DescribeWorkspaceImagePermissions",
            "[1,2]",
        ),
        (
            "WorkspacesService.DescribeWorkspaceImagePermissions",
            "{\"ImageId\":7}",
        ),
        (
            "WorkspacesService.DescribeWorkspaceImages",
            "{\"ImageIds\":\"x\"}",
        ),
        (
            "WorkspacesService.DescribeWorkspaceImagePermissions",
            "{\"ImageId\":\"wsi-0123abcde\",\"MaxResults\":\"9\"}",
        ),
    ] {
        let (status, _, text) = exchange(&mut s, &json_request(target, body));
        assert_eq!(status, 400, "{target} {body}: {text}");
    }
    let (status, _, body) = exchange(
        &mut s,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
    );
    assert_eq!(status, 400);
    assert!(body.contains("UnknownOperationException"), "{body}");

    // A chunked body works too.
    let payload = format!(
        "{{\"ImageId\":\"{IMAGE}\",\"SharedAccountId\":\"111122223333\",\"AllowCopyImage\":true}}"
    );
    let (first, rest) = payload.split_at(10);
    let chunked = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: WorkspacesService.UpdateWorkspaceImagePermission\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{first}\r\n{:x}\r\n{rest}\r\n0\r\n\r\n",
        first.len(),
        rest.len()
    );
    let (status, _, body) = exchange(&mut s, &chunked);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        fake.shared_accounts(IMAGE),
        vec!["111122223333".to_string()]
    );
    assert!(fake.call_counts().contains_key("RebootWorkspaces"));
    assert_eq!(fake.calls("(none)"), 1);

    // Garbage gets a 400 and the connection is closed; the server lives on.
    let mut g = connect(&fake);
    let (status, _, _) = exchange(&mut g, "this is not http\r\n\r\n");
    assert_eq!(status, 400);
    let mut rest = Vec::new();
    assert_eq!(
        g.read_to_end(&mut rest).expect("EOF, not a time-out"),
        0,
        "closed after garbage"
    );
    let mut g = connect(&fake);
    let (status, _, _) = exchange(&mut g, "POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n");
    assert_eq!(status, 400);
    for huge in [
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n",
    ] {
        let mut g = connect(&fake);
        let (status, _, body) = exchange(&mut g, huge);
        assert_eq!(status, 400, "{body}");
    }
    let mut g = connect(&fake);
    g.write_all(b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"trunc")
        .unwrap();
    g.shutdown(std::net::Shutdown::Write).unwrap();
    let (status, _, _) = exchange(
        &mut s,
        &json_request(
            "WorkspacesService.DescribeWorkspaceImagePermissions",
            &format!("{{\"ImageId\":\"{IMAGE}\"}}"),
        ),
    );
    assert_eq!(status, 200, "the first connection still works");

    // `Connection: close` is honoured: the answer says so and the server
    // closes its end.
    let mut c = connect(&fake);
    let (status, head, _) = exchange(
        &mut c,
        "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Amz-Target: WorkspacesService.DescribeWorkspaceImages\r\nContent-Length: 2\r\n\r\n{}",
    );
    assert_eq!(status, 200);
    assert!(head.contains("Connection: close"), "{head}");
    let mut rest = Vec::new();
    assert_eq!(
        c.read_to_end(&mut rest).expect("EOF, not a time-out"),
        0,
        "closed after Connection: close"
    );
}

#[test]
fn sts_get_caller_identity_in_the_query_protocol() {
    let fake = FakeWorkspaces::start();
    let mut s = connect(&fake);
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    let (status, head, text) = exchange(
        &mut s,
        &format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert_eq!(status, 200, "{text}");
    assert!(head.contains("text/xml"), "{head}");
    for part in [
        "<GetCallerIdentityResult>",
        "<Account>123456789012</Account>",
        "<Arn>arn:aws:iam::123456789012:user/testing</Arn>",
        "<UserId>",
    ] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
    assert_eq!(fake.calls("GetCallerIdentity"), 1);
    assert_eq!(fake.workspaces_calls(), 0);

    let body = "Action=GetFederationToken&Version=2011-06-15";
    let (status, _, text) = exchange(
        &mut s,
        &format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert_eq!(status, 400);
    assert!(text.contains("<Code>InvalidAction</Code>"), "{text}");
}

#[test]
fn dropping_the_fake_stops_it_and_closes_idle_connections() {
    let fake = fake_with_image();
    let addr = fake.url.trim_start_matches("http://").to_string();
    let mut idle = connect(&fake);
    let (status, _, _) = exchange(
        &mut idle,
        &json_request("WorkspacesService.DescribeWorkspaceImages", "{}"),
    );
    assert_eq!(status, 200);
    let started = std::time::Instant::now();
    drop(fake);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "drop took {:?}",
        started.elapsed()
    );
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(
        idle.read(&mut buf).unwrap_or(0),
        0,
        "idle connection closed"
    );
    assert!(TcpStream::connect(&addr).is_err(), "listener closed");
}
