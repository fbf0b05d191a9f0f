//! Mistyped endpoints, hosts, Regions and bad credentials, through real
//! Terraform: each failure must reach the user as one readable line naming
//! what was called, what happened and what to check, with no Debug dump of
//! the SDK's error types.

use crate::common;

use crate::common::loopback_http::{LoopbackAws, Scripted};
use crate::common::transport_faults;
use crate::common::{config_with_provider, Workdir};

const IMAGE: &str = "wsi-123456789";
const ACCOUNT: &str = "111122223333";

/// A provider block with `region`, extra arguments and endpoints; STS is
/// skipped unless `sts` is given, so the WorkSpaces call is what fails.
fn provider(region: &str, workspaces: Option<&str>, sts: Option<&str>, extra: &str) -> String {
    let mut block = format!("provider \"workspaces\" {{\n  region = \"{region}\"\n{extra}\n");
    if sts.is_none() {
        block.push_str("  skip_credentials_validation = true\n");
    }
    if workspaces.is_some() || sts.is_some() {
        block.push_str("  endpoints {\n");
        if let Some(url) = workspaces {
            block.push_str(&format!("    workspaces = \"{url}\"\n"));
        }
        if let Some(url) = sts {
            block.push_str(&format!("    sts        = \"{url}\"\n"));
        }
        block.push_str("  }\n");
    }
    block.push('}');
    block
}

/// `terraform plan` (which looks the image up) must fail; returns the
/// error text, checked free of Debug dumps.
fn plan_fails(wd: &Workdir, provider_block: &str) -> String {
    wd.init(&config_with_provider(provider_block, IMAGE, ACCOUNT));
    let out = wd.run(&["plan", "-no-color", "-input=false"]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{err}");
    // Shown with --nocapture: the messages exactly as Terraform prints them.
    eprintln!("{err}");
    // Terraform quotes the configuration line ("16: resource ... {"): only
    // the provider's own text must be free of braces.
    let ours: Vec<&str> = err
        .lines()
        .filter(|l| {
            let t = l.trim_start_matches('│').trim();
            !t.split_once(':')
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    for dump in [
        "{",
        "}",
        "DispatchFailure",
        "ConnectorError",
        "Os {",
        "source:",
    ] {
        assert!(
            !ours.iter().any(|l| l.contains(dump)),
            "{dump:?} in:\n{err}"
        );
    }
    err
}

/// Terraform wraps long lines in its error box; this undoes that so a
/// sentence can be matched whole.
fn unwrapped(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_start_matches('│').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

fn assert_says(err: &str, parts: &[&str]) {
    let flat = unwrapped(err);
    for part in parts {
        assert!(flat.contains(part), "{part:?} missing from:\n{err}");
    }
}

fn workdir() -> Workdir {
    Workdir::new(&common::terraform_on_path())
}

const CHECKING: &str =
    "Error: checking WorkSpaces image wsi-123456789 before granting access to it";

#[test]
fn a_closed_port_is_connection_refused() {
    let port = transport_faults::closed_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut wd = workdir();
    let log = wd.dir.path().join("provider.log");
    wd.set_env("TF_LOG_PROVIDER", "DEBUG");
    wd.set_env("TF_LOG_PATH", &log.display().to_string());
    let err = plan_fails(
        &wd,
        &provider("us-east-1", Some(&url), None, "  max_retries = 1"),
    );
    // The detail the diagnostic leaves out is in the DEBUG log.
    let logged = std::fs::read_to_string(&log).expect("provider log");
    assert!(
        logged.lines().any(|l| l.contains("AWS call failed")
            && l.contains("DescribeWorkspaceImages")
            && l.contains("tcp connect error")),
        "no failure detail in the DEBUG log:\n{logged}"
    );
    assert_says(
        &err,
        &[
            CHECKING,
            &format!(
                "operation error WorkSpaces: DescribeWorkspaceImages, could not call {url} (2 attempts): \
                 connection refused (nothing accepts connections there: are the host and port right, and \
                 is the service running?)"
            ),
        ],
    );
}

#[test]
fn an_invalid_host_is_host_not_found() {
    let err = plan_fails(
        &workdir(),
        &provider(
            "us-east-1",
            Some("https://no-such-host.invalid"),
            None,
            "  max_retries = 0",
        ),
    );
    assert_says(
        &err,
        &[
            CHECKING,
            "operation error WorkSpaces: DescribeWorkspaceImages, could not call \
             https://no-such-host.invalid:443 (1 attempt): host not found: no-such-host.invalid does not \
             resolve (is the host name in the endpoint URL right?)",
        ],
    );
}

#[test]
fn https_to_a_plain_http_port_is_a_failed_tls_handshake() {
    let port = transport_faults::plain_http_server();
    let url = format!("https://127.0.0.1:{port}");
    let err = plan_fails(
        &workdir(),
        &provider("us-east-1", Some(&url), None, "  max_retries = 0"),
    );
    assert_says(
        &err,
        &[
            CHECKING,
            &format!(
                "operation error WorkSpaces: DescribeWorkspaceImages, could not call {url} (1 attempt): TLS \
                 handshake failed: the server did not answer in TLS (is the endpoint plain HTTP? Then \
                 write its URL with http://)"
            ),
        ],
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    let port = transport_faults::silent_server();
    let url = format!("http://127.0.0.1:{port}");
    let mut wd = workdir();
    wd.set_env(tfws::aws::ATTEMPT_TIMEOUT_ENV, "2s");
    let started = std::time::Instant::now();
    let err = plan_fails(
        &wd,
        &provider("us-east-1", Some(&url), None, "  max_retries = 1"),
    );
    assert_says(
        &err,
        &[
            CHECKING,
            &format!(
                "operation error WorkSpaces: DescribeWorkspaceImages, could not call {url} (2 attempts): \
                 timed out after 2 s waiting for a response (the server accepted the connection but did \
                 not answer: is the endpoint URL an AWS API?)"
            ),
        ],
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn a_reset_connection_is_named() {
    let port = transport_faults::resetting_server();
    let url = format!("http://127.0.0.1:{port}");
    let err = plan_fails(
        &workdir(),
        &provider("us-east-1", Some(&url), None, "  max_retries = 0"),
    );
    assert_says(
        &err,
        &[
            CHECKING,
            &format!(
                "operation error WorkSpaces: DescribeWorkspaceImages, could not call {url} (1 attempt): \
                 connection reset by the server (is the endpoint URL right, or is a proxy or firewall in \
                 the way?)"
            ),
        ],
    );
}

#[test]
fn a_region_that_does_not_exist_is_suspected() {
    let err = plan_fails(
        &workdir(),
        &provider("us-east-9", None, None, "  max_retries = 0"),
    );
    assert_says(
        &err,
        &[
            CHECKING,
            "operation error WorkSpaces: DescribeWorkspaceImages, could not call \
             https://workspaces.us-east-9.amazonaws.com:443 (1 attempt): host not found: \
             workspaces.us-east-9.amazonaws.com does not resolve (the Region \"us-east-9\" may be wrong, \
             or WorkSpaces is not offered there)",
        ],
    );
}

/// An STS error response, as STS answers in XML.
fn sts_error(code: &str, message: &str) -> Scripted {
    Scripted {
        status: 403,
        body: format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
             <Code>{code}</Code><Message>{message}</Message></Error><RequestId>r-sts</RequestId></ErrorResponse>"
        ),
        request_id: "r-sts",
    }
}

#[test]
fn sts_credential_errors_name_the_code_and_what_to_do() {
    let unused = format!("http://127.0.0.1:{}", transport_faults::closed_port());
    for (code, message, hint) in [
        (
            "ExpiredToken",
            "The security token included in the request is expired",
            "The credentials have expired: get new ones (for an SSO profile run `aws sso login`, for \
             temporary keys get a new session token).",
        ),
        (
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
            "The secret access key does not match the access key ID: check AWS_SECRET_ACCESS_KEY, \
             `secret_key` or the profile's aws_secret_access_key (and the system clock).",
        ),
        (
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
            "AWS does not recognise the access key ID or session token: check AWS_ACCESS_KEY_ID, \
             `access_key` or the profile's keys, and that a session token is set only with temporary keys.",
        ),
    ] {
        let sts = LoopbackAws::start(vec![sts_error(code, message)]);
        let err = plan_fails(
            &workdir(),
            &provider("us-east-1", Some(&unused), Some(&sts.url), ""),
        );
        let sep = if message.ends_with('.') { " " } else { ". " };
        assert_says(
            &err,
            &[
                "Error: Invalid provider credentials",
                &format!(
                    "validating provider credentials: operation error STS: GetCallerIdentity, https \
                     response error StatusCode: 403, RequestID: r-sts, {code}: {message}{sep}{hint} Or set \
                     skip_credentials_validation = true to skip this check."
                ),
            ],
        );
        assert_eq!(sts.targets().len(), 1, "{code} is not retried");
    }
}

#[test]
fn an_unreachable_sts_is_named_at_configuration() {
    let sts = format!("http://127.0.0.1:{}", transport_faults::closed_port());
    let err = plan_fails(
        &workdir(),
        &provider("us-east-1", Some(&sts), Some(&sts), "  max_retries = 0"),
    );
    assert_says(
        &err,
        &[
            "Error: Cannot reach STS to validate the provider's credentials",
            &format!(
                "validating provider credentials: operation error STS: GetCallerIdentity, could not call \
                 {sts} (1 attempt): connection refused (nothing accepts connections there: are the host \
                 and port right, and is the service running?). Check the STS endpoint (`sts` in the \
                 provider's endpoints block, or AWS_ENDPOINT_URL_STS), or set skip_credentials_validation = \
                 true to skip this check."
            ),
        ],
    );
}

#[test]
fn workspaces_credential_errors_name_the_code_and_what_to_do() {
    let server = LoopbackAws::start(vec![Scripted::error(
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        "r-ws",
    )]);
    let err = plan_fails(
        &workdir(),
        &provider("us-east-1", Some(&server.url), None, ""),
    );
    assert_says(
        &err,
        &[
            CHECKING,
            "operation error WorkSpaces: DescribeWorkspaceImages, https response error StatusCode: 403, \
             RequestID: r-ws, UnrecognizedClientException: The security token included in the request is \
             invalid. AWS does not recognise the access key ID or session token: check AWS_ACCESS_KEY_ID, \
             `access_key` or the profile's keys, and that a session token is set only with temporary keys.",
        ],
    );
}

#[test]
fn a_role_that_cannot_be_assumed_for_want_of_sts_names_the_url() {
    let sts = format!("http://127.0.0.1:{}", transport_faults::closed_port());
    let role = "arn:aws:iam::210987654321:role/images";
    let err = plan_fails(
        &workdir(),
        &provider(
            "us-east-1",
            Some(&sts),
            Some(&sts),
            &format!("  max_retries = 0\n  assume_role {{\n    role_arn = \"{role}\"\n  }}"),
        ),
    );
    assert_says(
        &err,
        &[
            "Error: Cannot assume IAM Role",
            &format!(
                "Cannot assume IAM Role {role}: operation error STS: AssumeRole, could not call {sts}: \
                 connection refused (nothing accepts connections there: are the host and port right, and \
                 is the service running?)"
            ),
        ],
    );
}
