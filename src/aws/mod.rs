//! Everything that talks to AWS: building the SDK client from the provider
//! configuration, the WorkSpaces calls we make, and their errors.

mod client;
mod coalesce;
mod error;
mod stop;
mod workspaces;

pub use client::{
    connect, AccountCheck, AssumeRole, ClientSettings, ConnectError, CredentialsError,
    RetrySettings, StaticCredentials, ATTEMPT_TIMEOUT, ATTEMPT_TIMEOUT_ENV, CONNECT_TIMEOUT,
    DEFAULT_MAX_RETRIES,
};
pub use error::{AwsError, TlsProblem, Transport};
pub use stop::{Stop, Stopped};
pub use workspaces::{Change, ImageInfo, SettleError, Sharing, Workspaces};
