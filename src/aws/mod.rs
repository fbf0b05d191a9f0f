//! Everything that talks to AWS: building the SDK client from the provider
//! configuration, the WorkSpaces calls we make, and their errors.

mod client;
mod error;
mod workspaces;

pub use client::{connect, ClientSettings, ConnectError};
pub use error::AwsError;
pub use workspaces::{ImageInfo, Workspaces};
