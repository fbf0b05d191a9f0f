//! terraform-provider-workspaces: a Terraform provider, speaking the plugin
//! protocol over gRPC, that shares Amazon WorkSpaces images across accounts.

pub mod aws;
pub mod datasources;
pub mod diag;
pub mod duration;
pub mod logging;
pub mod plugin;
pub mod protocol;
pub mod provider;
pub mod resources;
pub mod schema;
pub mod value;

/// Code generated from proto/ by build.rs.
pub mod proto {
    #![allow(clippy::all, clippy::pedantic)]
    pub mod tfplugin5 {
        tonic::include_proto!("tfplugin5");
    }
    pub mod tfplugin6 {
        tonic::include_proto!("tfplugin6");
    }
    pub mod plugin {
        tonic::include_proto!("plugin");
    }
}
