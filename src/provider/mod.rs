//! The provider itself, independent of protocol version: its configuration
//! schema, how it configures AWS, and the core that serves every resource.

mod capture;
pub mod config;

mod server;
mod upgrade;

pub use capture::CAPTURE_ENV;
pub use server::*;

/// The provider's type name, as in `provider "workspaces" {}`.
pub const PROVIDER_NAME: &str = "workspaces";
