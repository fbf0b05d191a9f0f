//! Compiles the protocol definitions in proto/ with the protoc binary that
//! ships inside the protoc-bin-vendored crate, so no system protoc is needed;
//! and has the release binary linked with the code it runs placed together.

use std::error::Error;
use std::path::Path;

/// The functions the binary runs from exec to the handshake line, then
/// those Terraform's commands run, written by scripts/startup-symbols.sh.
const STARTUP_SYMBOLS: &str = "scripts/startup-symbols.txt";

fn main() -> Result<(), Box<dyn Error>> {
    order_startup_code();
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

/// Places those functions side by side at the front of the code, start-up
/// first, so the kernel maps a few hundred kilobytes of code at start-up
/// and a few megabytes in a run instead of pages scattered over all of it
/// (each fault maps its neighbours too).
/// Only for release builds linked by LLD, which has been rustc's linker for
/// x86_64 Linux since 1.90; the names match only a release build of the
/// same dependencies, and missing ones are skipped without a warning.
fn order_startup_code() {
    println!("cargo:rerun-if-changed={STARTUP_SYMBOLS}");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let file = Path::new(&var("CARGO_MANIFEST_DIR")).join(STARTUP_SYMBOLS);
    // Cheapest checks first: only a release build asks the compiler its version.
    let applies = var("PROFILE") == "release"
        && file.exists()
        && var("TARGET") == "x86_64-unknown-linux-gnu"
        && std::env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_none()
        && !var("CARGO_ENCODED_RUSTFLAGS").contains("link")
        && rustc_minor() >= Some(90);
    if !applies {
        return;
    }
    let Some(file) = file.to_str() else { return };
    for arg in [
        format!("-Wl,--symbol-ordering-file={file}"),
        "-Wl,--no-warn-symbol-ordering".to_string(),
    ] {
        println!("cargo:rustc-link-arg-bin=terraform-provider-workspaces={arg}");
    }
}

/// The minor version of the compiler building us (1.x).
fn rustc_minor() -> Option<u32> {
    let rustc = std::env::var_os("RUSTC")?;
    let out = std::process::Command::new(rustc).arg("-V").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    text.split_whitespace()
        .nth(1)?
        .split('.')
        .nth(1)?
        .parse()
        .ok()
}
