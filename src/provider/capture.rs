//! Opt-in recording of the values Terraform sends, for debugging the codec
//! and for tests that check it against real Terraform output. When
//! `TF_WORKSPACES_CAPTURE_DIR` names a directory, every value the provider
//! decodes is written there as `<pid>-<n>-<what>.msgpack` (or `.json`)
//! with its type in `.type.json`. Off unless set; never on in normal use.

use super::DynamicValue;
use crate::value::Type;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

pub const CAPTURE_ENV: &str = "TF_WORKSPACES_CAPTURE_DIR";

fn dir() -> Option<&'static PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        std::env::var_os(CAPTURE_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
    .as_ref()
}

pub fn record(dv: &DynamicValue, ty: &Type, what: &str) {
    let Some(dir) = dir() else { return };
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let stem = format!("{}-{n:04}-{}", std::process::id(), what.replace(' ', "_"));
    let (ext, bytes) = if dv.msgpack.is_empty() {
        ("json", &dv.json)
    } else {
        ("msgpack", &dv.msgpack)
    };
    let write = std::fs::write(dir.join(format!("{stem}.{ext}")), bytes)
        .and_then(|_| std::fs::write(dir.join(format!("{stem}.type.json")), ty.to_json_bytes()));
    if let Err(e) = write {
        tracing::warn!(error = %e, "could not record a captured value");
    }
}
