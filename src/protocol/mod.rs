//! Thin adapters from the two wire protocols (tfplugin5, tfplugin6) onto the
//! one internal model in [`crate::provider`].
//!
//! The generated message types of the two versions are distinct Rust types
//! with mostly identical shapes, so the conversions and the RPCs they share
//! are written once, as macros expanded in each version's module; each
//! version's file adds only the RPCs that differ.

#[macro_use]
mod shared;
mod panics;
pub mod v5;
pub mod v6;

use crate::provider::WorkspacesProvider;
#[cfg(debug_assertions)]
pub use panics::TEST_PANIC_ENV;
pub use panics::{guarded, guarded_sync};
use std::pin::Pin;
use std::sync::Arc;

/// Largest gRPC message we accept or send; Terraform asks for up to 64 MiB
/// on schema calls, and HashiCorp's SDKs allow 256 MiB.
pub const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// Serves the provider core over one protocol version.
#[derive(Clone)]
pub struct Adapter {
    core: Arc<WorkspacesProvider>,
}

impl Adapter {
    pub fn new(core: Arc<WorkspacesProvider>) -> Adapter {
        Adapter { core }
    }
}

/// Server-streaming responses of RPCs this provider does not offer.
pub type BoxStream<T> = Pin<Box<dyn tokio_stream::Stream<Item = Result<T, tonic::Status>> + Send>>;

pub(crate) const NOT_SUPPORTED_DETAIL: &str =
    "The workspaces provider offers managed resources and data sources only; it has no functions, \
     ephemeral resources, list resources, actions or state stores.";
