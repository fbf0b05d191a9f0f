//! AWS failures, carrying what a user needs to act on them: the operation,
//! the AWS error code and message, the HTTP status and the request ID.

use aws_sdk_workspaces::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_workspaces::operation::RequestId;
use aws_smithy_types::error::display::DisplayErrorContext;
use std::fmt;

#[derive(Debug, Clone)]
pub struct AwsError {
    pub operation: &'static str,
    pub code: Option<String>,
    pub message: Option<String>,
    pub request_id: Option<String>,
    pub status: Option<u16>,
    /// The SDK's full explanation, for failures with no AWS error code
    /// (connection refused, time-outs, malformed responses).
    pub context: String,
}

impl AwsError {
    pub fn from_sdk<E, R>(operation: &'static str, err: SdkError<E, R>) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + HasStatus,
        SdkError<E, R>: RequestId,
    {
        AwsError {
            operation,
            code: err.code().map(str::to_string),
            message: err.message().map(str::to_string),
            request_id: err.request_id().map(str::to_string),
            status: err.raw_response().and_then(HasStatus::status_code),
            context: describe(&err),
        }
    }

    /// A response that broke the API's contract in a way the SDK accepted.
    pub fn protocol(operation: &'static str, context: String) -> AwsError {
        AwsError {
            operation,
            code: None,
            message: None,
            request_id: None,
            status: None,
            context,
        }
    }

    /// True when the request may have taken effect despite the error: no
    /// HTTP answer (time-out, dropped connection) or a server-side 5xx. A
    /// 4xx means AWS refused it and nothing changed.
    pub fn outcome_unknown(&self) -> bool {
        self.status.is_none_or(|s| s >= 500)
    }

    pub fn is_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

/// One readable sentence for failures that carry no AWS error code. The
/// SDK's own rendering of a malformed response includes the whole raw body
/// (an HTML page, from some endpoints), which is no use in a diagnostic.
fn describe<E, R>(err: &SdkError<E, R>) -> String
where
    E: std::error::Error + Send + Sync + 'static,
    R: fmt::Debug,
{
    match err {
        SdkError::ResponseError(_) => {
            "the endpoint's response is not a WorkSpaces API response (is the endpoint URL right?)"
                .to_string()
        }
        SdkError::TimeoutError(_) => "the request timed out".to_string(),
        SdkError::DispatchFailure(d) if d.is_io() || d.is_timeout() => {
            format!("could not reach the endpoint: {}", DisplayErrorContext(err))
        }
        SdkError::DispatchFailure(_) => {
            format!("the request was not sent: {}", DisplayErrorContext(err))
        }
        _ => DisplayErrorContext(err).to_string(),
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

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "operation error WorkSpaces: {}", self.operation)?;
        if let Some(status) = self.status {
            write!(f, ", https response error StatusCode: {status}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, ", RequestID: {id}")?;
        }
        match (&self.code, &self.message) {
            (Some(code), Some(msg)) => write!(f, ", {code}: {msg}"),
            (Some(code), None) => write!(f, ", {code}"),
            _ => write!(f, ", {}", self.context),
        }
    }
}

impl std::error::Error for AwsError {}
