pub mod proto {
    pub mod tfplugin5 { tonic::include_proto!("tfplugin5"); }
    pub mod tfplugin6 { tonic::include_proto!("tfplugin6"); }
    pub mod plugin { tonic::include_proto!("plugin"); }
}
pub mod value;
