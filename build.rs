//! Compiles the protocol definitions in proto/ with the protoc binary that
//! ships inside the protoc-bin-vendored crate, so no system protoc is needed.

use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::var_os("PROTOC").is_none() {
        let protoc = protoc_bin_vendored::protoc_bin_path()?;
        // Build scripts run single-threaded before the crate compiles, so
        // setting our own process environment here races with nothing.
        unsafe { std::env::set_var("PROTOC", protoc) };
    }
    let include = protoc_bin_vendored::include_path()?;
    let include = include.to_str().ok_or("protoc include path is not UTF-8")?;
    let includes = ["proto", include];
    let protos = [
        "proto/tfplugin5.proto",
        "proto/tfplugin6.proto",
        "proto/go_plugin.proto",
    ];
    for proto in &protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .build_transport(false)
        .compile_protos(&protos, &includes)?;
    Ok(())
}
