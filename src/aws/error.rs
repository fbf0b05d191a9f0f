//! AWS failures, carrying what a user needs to act on them: the operation,
//! the AWS error code and message, the HTTP status and the request ID; for
//! failures with no HTTP answer, the URL called, what went wrong in words,
//! and how many attempts were made. The SDK's full error chain goes to the
//! DEBUG log only: its Debug output is no use in a diagnostic.

use aws_sdk_workspaces::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_workspaces::operation::RequestId;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::display::DisplayErrorContext;
use std::error::Error as StdError;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct AwsError {
    /// "WorkSpaces" or "STS", as the SDKs name them in their messages.
    pub service: &'static str,
    pub operation: &'static str,
    pub code: Option<String>,
    pub message: Option<String>,
    pub request_id: Option<String>,
    pub status: Option<u16>,
    /// `scheme://host:port` of the last attempt, when one was sent.
    pub endpoint: Option<String>,
    /// How many attempts the SDK made, when counted.
    pub attempts: Option<u32>,
    /// Set when no HTTP answer came back.
    pub transport: Option<Transport>,
    /// One readable sentence for failures that are neither an AWS error
    /// nor a transport failure (a malformed response, a broken contract).
    pub context: String,
}

/// Why a request got no HTTP answer, in the terms a user can check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Refused,
    /// The host name does not resolve. `region` is set when the host is
    /// the Region's own AWS endpoint, so the Region is what to check.
    HostNotFound {
        host: String,
        region: Option<String>,
        service: &'static str,
    },
    Tls(TlsProblem),
    ConnectTimeout(Option<Duration>),
    /// Connected, but no answer within the attempt time-out.
    NoResponse(Option<Duration>),
    Reset,
    /// The server closed the connection before a complete answer.
    Closed,
    /// Anything else: the innermost readable message of the chain.
    Other(String),
    /// Terraform stopped the provider (Ctrl-C) first. `maybe_done` says
    /// whether a write had gone out, so whether AWS may have made it.
    Stopped {
        maybe_done: bool,
    },
    /// The operation's time (the resource's `timeouts`) ran out first.
    OutOfTime {
        budget: Duration,
        maybe_done: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsProblem {
    /// The answer was not TLS at all, most likely plain HTTP.
    NotTls,
    UntrustedCertificate,
    WrongHost,
    ExpiredCertificate,
    Other,
}

/// What the SDK did during one operation call: attempts made and the URL of
/// the last one. Filled in by [`CallTracker`].
#[derive(Debug, Clone, Default)]
pub struct Calls {
    pub attempts: u32,
    pub endpoint: Option<String>,
}

/// An interceptor, one per operation call, that counts the SDK's attempts
/// (retries included) and records the URL called. The SDK's errors carry
/// neither, and a dispatch failure has no request to read them from. It
/// also logs every attempt at DEBUG: operation, image, account, attempt,
/// HTTP status and request ID.
#[derive(Debug, Clone, Default)]
pub struct CallTracker {
    calls: Arc<Mutex<Calls>>,
    about: Arc<About>,
}

/// What a call is about, for its log lines.
#[derive(Debug, Default)]
struct About {
    operation: &'static str,
    image_id: Option<String>,
    account: Option<String>,
}

impl CallTracker {
    /// A tracker whose log lines name the operation, image and account.
    pub fn for_call(
        operation: &'static str,
        image_id: Option<&str>,
        account: Option<&str>,
    ) -> CallTracker {
        CallTracker {
            calls: Arc::default(),
            about: Arc::new(About {
                operation,
                image_id: image_id.map(str::to_string),
                account: account.map(str::to_string),
            }),
        }
    }

    pub fn calls(&self) -> Calls {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

impl Intercept for CallTracker {
    fn name(&self) -> &'static str {
        "CallTracker"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.attempts += 1;
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let about = &self.about;
        if about.operation.is_empty() {
            return Ok(());
        }
        let attempt = self.calls().attempts;
        let image_id = about.image_id.as_deref().unwrap_or("");
        let account = about.account.as_deref().unwrap_or("");
        match context.response() {
            Some(response) => {
                let headers = response.headers();
                let request_id = headers
                    .get("x-amzn-requestid")
                    .or_else(|| headers.get("x-amz-request-id"))
                    .unwrap_or("");
                tracing::debug!(
                    operation = about.operation,
                    image_id,
                    account,
                    attempt,
                    status = response.status().as_u16(),
                    request_id,
                    "AWS call"
                );
            }
            None => {
                let error = match context.output_or_error() {
                    Some(Err(e)) => DisplayErrorContext(e).to_string(),
                    _ => "no response".to_string(),
                };
                tracing::debug!(
                    operation = about.operation,
                    image_id,
                    account,
                    attempt,
                    error,
                    "AWS call got no answer"
                );
            }
        }
        Ok(())
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let endpoint = endpoint_of(context.request().uri());
        if let Ok(mut calls) = self.calls.lock() {
            calls.endpoint = Some(endpoint);
        }
        Ok(())
    }
}

/// `scheme://host:port` of a URL, with the port made explicit, so a message
/// shows exactly where the connection went.
pub fn endpoint_of(uri: &str) -> String {
    let (scheme, rest) = uri.split_once("://").unwrap_or(("https", uri));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    // A port follows the last ':' unless that ':' is inside an IPv6 literal.
    let has_port = authority
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    if has_port {
        format!("{scheme}://{authority}")
    } else {
        let port = if scheme.eq_ignore_ascii_case("http") {
            80
        } else {
            443
        };
        format!("{scheme}://{authority}:{port}")
    }
}

fn host_of(endpoint: &str) -> &str {
    let authority = endpoint.split_once("://").map_or(endpoint, |(_, a)| a);
    match authority.rsplit_once(':') {
        Some((host, _)) => host.trim_start_matches('[').trim_end_matches(']'),
        None => authority,
    }
}

/// What the client knew when the call failed, for the message.
#[derive(Debug, Clone, Default)]
pub struct CallContext {
    pub calls: Calls,
    pub region: Option<String>,
    pub connect_timeout: Option<Duration>,
    pub attempt_timeout: Option<Duration>,
}

impl AwsError {
    /// A failed WorkSpaces call.
    pub fn from_sdk<E, R>(
        operation: &'static str,
        err: SdkError<E, R>,
        ctx: &CallContext,
    ) -> AwsError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: fmt::Debug + HasStatus + 'static,
        SdkError<E, R>: RequestId,
    {
        AwsError::from_service("WorkSpaces", operation, &err, ctx)
    }

    /// A failed call of any AWS service's SDK (STS at configuration).
    pub fn from_service<E, R>(
        service: &'static str,
        operation: &'static str,
        err: &SdkError<E, R>,
        ctx: &CallContext,
    ) -> AwsError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: fmt::Debug + HasStatus + 'static,
        SdkError<E, R>: RequestId,
    {
        // The whole chain, for TF_LOG_PROVIDER=DEBUG; never in a diagnostic.
        tracing::debug!(
            service,
            operation,
            attempts = ctx.calls.attempts,
            endpoint = ctx.calls.endpoint.as_deref().unwrap_or("(none)"),
            error = %DisplayErrorContext(err),
            "AWS call failed"
        );
        let transport = match err {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                Some(classify(service, err, ctx))
            }
            _ => None,
        };
        AwsError {
            service,
            operation,
            code: err.code().map(str::to_string),
            message: err.message().map(str::to_string),
            request_id: err.request_id().map(str::to_string),
            status: err.raw_response().and_then(HasStatus::status_code),
            endpoint: ctx.calls.endpoint.clone(),
            attempts: (ctx.calls.attempts > 0).then_some(ctx.calls.attempts),
            transport,
            context: describe(err),
        }
    }

    /// A response that broke the API's contract in a way the SDK accepted.
    pub fn protocol(operation: &'static str, context: String) -> AwsError {
        AwsError {
            service: "WorkSpaces",
            operation,
            code: None,
            message: None,
            request_id: None,
            status: None,
            endpoint: None,
            attempts: None,
            transport: None,
            context,
        }
    }

    /// A call ended because Terraform stopped the provider; `write` says
    /// whether the call changes anything in AWS.
    pub fn stopped(
        service: &'static str,
        operation: &'static str,
        calls: &Calls,
        write: bool,
    ) -> AwsError {
        AwsError {
            service,
            operation,
            code: None,
            message: None,
            request_id: None,
            status: None,
            endpoint: calls.endpoint.clone(),
            attempts: (calls.attempts > 0).then_some(calls.attempts),
            transport: Some(Transport::Stopped {
                maybe_done: write && calls.attempts > 0,
            }),
            context: String::new(),
        }
    }

    /// A call ended because the operation's time ran out.
    pub fn out_of_time(
        service: &'static str,
        operation: &'static str,
        calls: &Calls,
        write: bool,
        budget: Duration,
    ) -> AwsError {
        AwsError {
            transport: Some(Transport::OutOfTime {
                budget,
                maybe_done: write && calls.attempts > 0,
            }),
            ..AwsError::stopped(service, operation, calls, write)
        }
    }

    /// Whether the call ended because Terraform stopped the provider.
    pub fn is_stopped(&self) -> bool {
        matches!(self.transport, Some(Transport::Stopped { .. }))
    }

    /// True when the request may have taken effect despite the error: no
    /// HTTP answer (time-out, dropped connection) or a server-side 5xx. A
    /// 4xx means AWS refused it and nothing changed, and so does a call
    /// stopped before it was sent.
    pub fn outcome_unknown(&self) -> bool {
        if let Some(
            Transport::Stopped { maybe_done: false }
            | Transport::OutOfTime {
                maybe_done: false, ..
            },
        ) = self.transport
        {
            return false;
        }
        self.status.is_none_or(|s| s >= 500)
    }

    pub fn is_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// Whether AWS refused the credentials themselves (as opposed to what
    /// they may do).
    pub fn is_credentials_error(&self) -> bool {
        self.code.as_deref().and_then(credentials_hint).is_some()
    }
}

/// What to do about an AWS error code that means the credentials are bad,
/// after terraform-provider-aws's advice; `None` for other codes.
fn credentials_hint(code: &str) -> Option<&'static str> {
    match code {
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => Some(
            "The credentials have expired: get new ones (for an SSO profile run `aws sso login`, for \
             temporary keys get a new session token).",
        ),
        "SignatureDoesNotMatch" | "InvalidSignatureException" => Some(
            "The secret access key does not match the access key ID: check AWS_SECRET_ACCESS_KEY, \
             `secret_key` or the profile's aws_secret_access_key (and the system clock).",
        ),
        "InvalidClientTokenId" | "UnrecognizedClientException" => Some(
            "AWS does not recognise the access key ID or session token: check AWS_ACCESS_KEY_ID, \
             `access_key` or the profile's keys, and that a session token is set only with temporary keys.",
        ),
        _ => None,
    }
}

/// Names the transport failure from the SDK's error chain. Typed checks
/// where the types are public (io::Error, rustls::Error); the messages of
/// hyper-util and the SDK's HTTP client, whose error types are private,
/// otherwise.
fn classify<E, R>(service: &'static str, err: &SdkError<E, R>, ctx: &CallContext) -> Transport
where
    E: StdError + Send + Sync + 'static,
    R: fmt::Debug + 'static,
{
    if let SdkError::TimeoutError(_) = err {
        return Transport::NoResponse(ctx.attempt_timeout);
    }
    let chain: Vec<&(dyn StdError + 'static)> = error_chain(err).collect();
    let said = |text: &str| chain.iter().any(|e| e.to_string() == text);
    let starts = |text: &str| chain.iter().any(|e| e.to_string().starts_with(text));
    if let Some(tls) = chain.iter().find_map(|e| e.downcast_ref::<rustls::Error>()) {
        return Transport::Tls(tls_problem(tls));
    }
    if said("TLS handshake failed") {
        return Transport::Tls(TlsProblem::Other);
    }
    if chain.iter().any(|e| is_unresolved_host(&e.to_string())) {
        let host = ctx
            .calls
            .endpoint
            .as_deref()
            .map(host_of)
            .unwrap_or("(unknown host)")
            .to_string();
        let region = ctx
            .region
            .clone()
            .filter(|r| host.contains(&format!(".{r}.amazonaws.com")));
        return Transport::HostNotFound {
            host,
            region,
            service,
        };
    }
    if starts("connect timeout") {
        return Transport::ConnectTimeout(ctx.connect_timeout);
    }
    if starts("HTTP read timeout") || starts("read timeout") {
        return Transport::NoResponse(None);
    }
    for e in &chain {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionRefused => return Transport::Refused,
                K::ConnectionReset | K::ConnectionAborted => return Transport::Reset,
                K::TimedOut => return Transport::ConnectTimeout(ctx.connect_timeout),
                K::UnexpectedEof | K::BrokenPipe => return Transport::Closed,
                _ => {}
            }
        }
    }
    if starts("connection closed before message completed") || said("connection closed") {
        return Transport::Closed;
    }
    // The innermost message that reads as a sentence, not a Debug dump nor
    // the SDK's own category names, which say nothing about the cause.
    const GENERIC: [&str; 6] = [
        "dispatch failure",
        "request has timed out",
        "io error",
        "timeout",
        "user error",
        "other",
    ];
    let readable =
        chain.iter().rev().map(|e| e.to_string()).find(|t| {
            !t.is_empty() && !t.contains(['{', '}', '(']) && !GENERIC.contains(&t.as_str())
        });
    Transport::Other(readable.unwrap_or_else(|| "the request failed".to_string()))
}

fn tls_problem(e: &rustls::Error) -> TlsProblem {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            TlsProblem::NotTls
        }
        rustls::Error::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => {
            TlsProblem::UntrustedCertificate
        }
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => TlsProblem::WrongHost,
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            TlsProblem::ExpiredCertificate
        }
        _ => TlsProblem::Other,
    }
}

/// The SDK error of type `SdkError<E, R>` somewhere in `error`'s chain: the
/// credential providers wrap the STS call's error in their own.
pub fn find_sdk_error<'a, E, R>(error: &'a (dyn StdError + 'static)) -> Option<&'a SdkError<E, R>>
where
    E: StdError + 'static,
    R: fmt::Debug + 'static,
{
    error_chain(error).find_map(|e| e.downcast_ref::<SdkError<E, R>>())
}

/// A host name that does not resolve will not resolve a second later: the
/// SDK would otherwise retry it `max_retries` times (25 by default) with
/// backoff, and a mistyped endpoint or Region would take minutes to report.
/// terraform-provider-aws does not retry it either.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoRetryOnUnknownHost;

impl aws_smithy_runtime_api::client::retries::classifiers::ClassifyRetry for NoRetryOnUnknownHost {
    fn classify_retry(
        &self,
        ctx: &aws_smithy_runtime_api::client::interceptors::context::InterceptorContext,
    ) -> aws_smithy_runtime_api::client::retries::classifiers::RetryAction {
        use aws_smithy_runtime_api::client::retries::classifiers::RetryAction;
        let Some(Err(err)) = ctx.output_or_error() else {
            return RetryAction::NoActionIndicated;
        };
        let Some(connector) = err.as_connector_error() else {
            return RetryAction::NoActionIndicated;
        };
        let unresolved = error_chain(connector).any(|e| is_unresolved_host(&e.to_string()));
        if unresolved {
            RetryAction::RetryForbidden
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "NoRetryOnUnknownHost"
    }
}

/// How hyper-util and the resolver word "this name does not resolve".
fn is_unresolved_host(message: &str) -> bool {
    message == "dns error"
        || message.starts_with("failed to resolve")
        || message.starts_with("dns resolution")
}

/// `error`, then each error after it. After an io::Error the next is its
/// payload (`get_ref`): `io::Error::source` skips the payload itself.
fn error_chain<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |&e| match e.downcast_ref::<std::io::Error>() {
        Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
        None => e.source(),
    })
}

/// One readable sentence for failures that carry no AWS error code. The
/// SDK's own rendering of a malformed response includes the whole raw body
/// (an HTML page, from some endpoints), which is no use in a diagnostic.
fn describe<E, R>(err: &SdkError<E, R>) -> String
where
    E: StdError + Send + Sync + 'static,
    R: fmt::Debug + 'static,
{
    match err {
        SdkError::ResponseError(_) => {
            "the endpoint's response is not an AWS API response (is the endpoint URL right?)"
                .to_string()
        }
        SdkError::ConstructionFailure(_) => {
            "the request could not be built (set TF_LOG_PROVIDER=DEBUG for details)".to_string()
        }
        _ => error_chain(err)
            .map(|e| e.to_string())
            .filter(|t| !t.is_empty() && !t.contains(['{', '}']))
            .last()
            .unwrap_or_else(|| "the request failed".to_string()),
    }
}

/// Lets us read the HTTP status from the SDK's raw response type.
pub trait HasStatus {
    fn status_code(&self) -> Option<u16>;
}

impl HasStatus for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> Option<u16> {
        Some(self.status().as_u16())
    }
}

/// "5 s", "3.1 s", "250 ms".
fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::Stopped { maybe_done: true } => f.write_str(
                "Terraform stopped the provider (interrupt) before AWS answered; the change may or may \
                 not have been made",
            ),
            Transport::OutOfTime { budget, maybe_done } => write!(
                f,
                "the operation's time ({}) ran out before AWS answered{}; raise it in the \
                 resource's timeouts block if AWS is slow",
                seconds(*budget),
                if *maybe_done {
                    ", so the change may or may not have been made"
                } else {
                    ""
                }
            ),
            Transport::Stopped { maybe_done: false } => {
                f.write_str("Terraform stopped the provider (interrupt) before AWS answered")
            }
            Transport::Refused => f.write_str(
                "connection refused (nothing accepts connections there: are the host and port right, \
                 and is the service running?)",
            ),
            Transport::HostNotFound {
                host,
                region: Some(region),
                service,
            } => write!(
                f,
                "host not found: {host} does not resolve (the Region \"{region}\" may be wrong, or \
                 {service} is not offered there)"
            ),
            Transport::HostNotFound {
                host, region: None, ..
            } => write!(
                f,
                "host not found: {host} does not resolve (is the host name in the endpoint URL right?)"
            ),
            Transport::Tls(TlsProblem::NotTls) => f.write_str(
                "TLS handshake failed: the server did not answer in TLS (is the endpoint plain HTTP? \
                 Then write its URL with http://)",
            ),
            Transport::Tls(TlsProblem::UntrustedCertificate) => f.write_str(
                "TLS handshake failed: the server's certificate is not signed by a trusted authority \
                 (a proxy or a private endpoint? Add its CA to the system's trust store)",
            ),
            Transport::Tls(TlsProblem::WrongHost) => f.write_str(
                "TLS handshake failed: the server's certificate is for another host name (is the host \
                 in the endpoint URL right?)",
            ),
            Transport::Tls(TlsProblem::ExpiredCertificate) => f.write_str(
                "TLS handshake failed: the server's certificate has expired (or the system clock is wrong)",
            ),
            Transport::Tls(TlsProblem::Other) => {
                f.write_str("TLS handshake failed (is the endpoint an HTTPS endpoint?)")
            }
            Transport::ConnectTimeout(Some(d)) => write!(
                f,
                "timed out after {} connecting (is the host reachable from here, or is a firewall \
                 dropping the connection?)",
                seconds(*d)
            ),
            Transport::ConnectTimeout(None) => f.write_str(
                "timed out connecting (is the host reachable from here, or is a firewall dropping the \
                 connection?)",
            ),
            Transport::NoResponse(Some(d)) => write!(
                f,
                "timed out after {} waiting for a response (the server accepted the connection but \
                 did not answer: is the endpoint URL an AWS API?)",
                seconds(*d)
            ),
            Transport::NoResponse(None) => f.write_str(
                "timed out waiting for a response (the server accepted the connection but did not \
                 answer: is the endpoint URL an AWS API?)",
            ),
            Transport::Reset => f.write_str(
                "connection reset by the server (is the endpoint URL right, or is a proxy or firewall \
                 in the way?)",
            ),
            Transport::Closed => f.write_str(
                "the server closed the connection without answering (is the endpoint URL right, and \
                 the scheme http or https as the server expects?)",
            ),
            Transport::Other(what) => write!(f, "{what}"),
        }
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "operation error {}: {}", self.service, self.operation)?;
        if let Some(transport) = &self.transport {
            f.write_str(", could not call ")?;
            f.write_str(self.endpoint.as_deref().unwrap_or("the endpoint"))?;
            match self.attempts {
                Some(1) => f.write_str(" (1 attempt)")?,
                Some(n) => write!(f, " ({n} attempts)")?,
                None => {}
            }
            return write!(f, ": {transport}");
        }
        if let Some(status) = self.status {
            write!(f, ", https response error StatusCode: {status}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, ", RequestID: {id}")?;
        }
        match (&self.code, &self.message) {
            (Some(code), Some(msg)) => write!(f, ", {code}: {msg}")?,
            (Some(code), None) => write!(f, ", {code}")?,
            _ => write!(f, ", {}", self.context)?,
        }
        if let Some(hint) = self.code.as_deref().and_then(credentials_hint) {
            let sep = if self.message.as_deref().is_some_and(|m| m.ends_with('.')) {
                " "
            } else {
                ". "
            };
            write!(f, "{sep}{hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AwsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_show_scheme_host_and_port() {
        assert_eq!(
            endpoint_of("https://workspaces.us-east-9.amazonaws.com/"),
            "https://workspaces.us-east-9.amazonaws.com:443"
        );
        assert_eq!(
            endpoint_of("http://127.0.0.1:5999/"),
            "http://127.0.0.1:5999"
        );
        assert_eq!(endpoint_of("http://[::1]/x?y"), "http://[::1]:80");
        assert_eq!(endpoint_of("https://[::1]:8443"), "https://[::1]:8443");
        assert_eq!(
            host_of("https://no-such-host.invalid:443"),
            "no-such-host.invalid"
        );
        assert_eq!(host_of("http://[::1]:80"), "::1");
    }

    #[test]
    fn durations_read_as_seconds() {
        assert_eq!(seconds(Duration::from_secs(60)), "60 s");
        assert_eq!(seconds(Duration::from_millis(3100)), "3.1 s");
        assert_eq!(seconds(Duration::from_millis(250)), "250 ms");
    }

    use aws_sdk_workspaces::operation::describe_workspace_images::DescribeWorkspaceImagesError;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use std::io;

    /// The message for a dispatch failure whose chain is `source`.
    fn dispatched(source: BoxError, ctx: &CallContext) -> AwsError {
        let err: SdkError<DescribeWorkspaceImagesError, aws_smithy_runtime_api::http::Response> =
            SdkError::dispatch_failure(ConnectorError::io(source));
        AwsError::from_sdk("DescribeWorkspaceImages", err, ctx)
    }

    fn ctx() -> CallContext {
        CallContext {
            calls: Calls {
                attempts: 3,
                endpoint: Some("https://example.test:443".into()),
            },
            region: Some("eu-west-1".into()),
            connect_timeout: Some(Duration::from_secs(10)),
            attempt_timeout: Some(Duration::from_secs(60)),
        }
    }

    /// A wrapper whose Display is a Debug-style dump, as hyper's are.
    #[derive(Debug)]
    struct Dump(io::Error);
    impl fmt::Display for Dump {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "client error (Connect): {:?}", self.0)
        }
    }
    impl StdError for Dump {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn io_failures_are_named_through_wrappers() {
        for (kind, said) in [
            (io::ErrorKind::ConnectionRefused, "connection refused ("),
            (
                io::ErrorKind::ConnectionReset,
                "connection reset by the server (",
            ),
            (
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection without answering (",
            ),
            (io::ErrorKind::TimedOut, "timed out after 10 s connecting ("),
        ] {
            let e = dispatched(Box::new(Dump(io::Error::from(kind))), &ctx());
            let text = e.to_string();
            assert!(
                text.starts_with(&format!(
                    "operation error WorkSpaces: DescribeWorkspaceImages, could not call \
                     https://example.test:443 (3 attempts): {said}"
                )),
                "{text}"
            );
            assert!(e.outcome_unknown());
        }
    }

    #[test]
    fn unknown_failures_show_a_readable_message_and_never_a_dump() {
        let inner = io::Error::other("the proxy said no");
        let e = dispatched(Box::new(Dump(inner)), &ctx());
        assert!(e.to_string().ends_with(": the proxy said no"), "{e}");
        let only_dump = dispatched(Box::new(Dump(io::Error::other("Os { code: 1 }"))), &ctx());
        assert!(
            only_dump.to_string().ends_with(": the request failed"),
            "{only_dump}"
        );
    }

    #[test]
    fn attempt_time_outs_name_the_limit() {
        let err: SdkError<DescribeWorkspaceImagesError, aws_smithy_runtime_api::http::Response> =
            SdkError::timeout_error(
                "operation attempt timeout (single attempt) occurred after 60s",
            );
        let mut c = ctx();
        c.calls.attempts = 1;
        let e = AwsError::from_sdk("DescribeWorkspaceImages", err, &c);
        assert_eq!(
            e.to_string(),
            "operation error WorkSpaces: DescribeWorkspaceImages, could not call https://example.test:443 \
             (1 attempt): timed out after 60 s waiting for a response (the server accepted the connection \
             but did not answer: is the endpoint URL an AWS API?)"
        );
    }

    #[test]
    fn credential_codes_get_a_hint_and_others_do_not() {
        let mut e = AwsError::protocol("GetCallerIdentity", String::new());
        e.service = "STS";
        e.status = Some(403);
        e.request_id = Some("r1".into());
        e.code = Some("ExpiredToken".into());
        e.message = Some("The security token included in the request is expired".into());
        assert_eq!(
            e.to_string(),
            "operation error STS: GetCallerIdentity, https response error StatusCode: 403, RequestID: r1, \
             ExpiredToken: The security token included in the request is expired. The credentials have \
             expired: get new ones (for an SSO profile run `aws sso login`, for temporary keys get a new \
             session token)."
        );
        assert!(e.is_credentials_error());
        e.code = Some("AccessDeniedException".into());
        assert!(!e.to_string().contains("credentials"));
        assert!(!e.is_credentials_error());
    }
}
