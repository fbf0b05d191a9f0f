//! The provider's log inside Terraform's, against moto: each line at its
//! own level (go-plugin reads our hclog JSON), grants and revokes at INFO,
//! drift at WARN, every AWS call at DEBUG with what it was about, and the
//! level set by TF_LOG_PROVIDER over TF_LOG.

use crate::common;

use crate::common::{Moto, Workdir};

const ACCOUNT: &str = "111122223333";
/// How go-plugin names our lines in Terraform's log.
const OURS: &str = "provider.terraform-provider-workspaces_v0.1.0:";

/// Our lines in the log file, with the level Terraform gave each.
fn our_lines(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains(OURS)).collect()
}

fn at<'a>(lines: &[&'a str], level: &str) -> Vec<&'a str> {
    let tag = format!("[{level}]");
    lines.iter().copied().filter(|l| l.contains(&tag)).collect()
}

/// Runs `args` with the log at `path` and returns the log.
fn logged(wd: &Workdir, args: &[&str], path: &std::path::Path) -> String {
    let _ = std::fs::remove_file(path);
    wd.ok(args);
    std::fs::read_to_string(path).expect("log file")
}

#[test]
fn our_lines_keep_their_levels_inside_terraforms_log() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut wd = Workdir::new(&common::terraform_on_path());
    wd.init(&common::config(&moto.url, &image, &[("a", ACCOUNT)]));
    let log = wd.dir.path().join("tf.log");
    wd.set_env("TF_LOG_PATH", &log.display().to_string());
    let apply = ["apply", "-no-color", "-input=false", "-auto-approve"];

    // TF_LOG=INFO: the grant shows, at INFO, with its fields; no DEBUG
    // line of ours comes through.
    wd.set_env("TF_LOG", "INFO");
    let text = logged(&wd, &apply, &log);
    let lines = our_lines(&text);
    let granted = at(&lines, "INFO")
        .into_iter()
        .find(|l| l.contains("granted: the account may copy the image"))
        .unwrap_or_else(|| panic!("no INFO grant line among:\n{}", lines.join("\n")));
    assert!(granted.contains(&format!("account={ACCOUNT}")), "{granted}");
    assert!(granted.contains(&format!("image_id={image}")), "{granted}");
    assert!(granted.contains("@module=workspaces"), "{granted}");
    assert!(at(&lines, "DEBUG").is_empty(), "{}", lines.join("\n"));
    assert!(at(&lines, "TRACE").is_empty());

    // Drift is a warning.
    moto.revoke(&image, ACCOUNT);
    let text = logged(&wd, &["plan", "-no-color", "-input=false"], &log);
    let lines = our_lines(&text);
    assert!(
        at(&lines, "WARN")
            .iter()
            .any(|l| l.contains("no longer holds the permission")),
        "{}",
        lines.join("\n")
    );

    // TF_LOG_PROVIDER=DEBUG beats TF_LOG=WARN: every AWS call at DEBUG,
    // with operation, image, account, attempt, status and request ID.
    wd.set_env("TF_LOG", "WARN");
    wd.set_env("TF_LOG_PROVIDER", "DEBUG");
    let text = logged(&wd, &apply, &log);
    let lines = our_lines(&text);
    let calls: Vec<&str> = at(&lines, "DEBUG")
        .into_iter()
        .filter(|l| l.contains(": AWS call:"))
        .collect();
    let grant = calls
        .iter()
        .find(|l| l.contains("operation=UpdateWorkspaceImagePermission"))
        .unwrap_or_else(|| panic!("no grant call logged:\n{}", lines.join("\n")));
    for field in [
        format!("image_id={image}"),
        format!("account={ACCOUNT}"),
        "attempt=1".to_string(),
        "status=200".to_string(),
        "request_id=".to_string(),
    ] {
        assert!(grant.contains(&field), "{field} missing: {grant}");
    }
    assert!(calls
        .iter()
        .any(|l| l.contains("operation=DescribeWorkspaceImagePermissions")));
    assert!(calls
        .iter()
        .any(|l| l.contains("operation=GetCallerIdentity")));
    // Nothing of ours is a raw text line (which go-plugin would log at
    // DEBUG with no fields): every line has its @module.
    assert!(
        lines.iter().all(|l| l.contains("@module=")),
        "{}",
        lines
            .iter()
            .filter(|l| !l.contains("@module="))
            .copied()
            .collect::<Vec<_>>()
            .join("\n")
    );

    wd.unset_env("TF_LOG");
    wd.unset_env("TF_LOG_PROVIDER");
    wd.destroy();
}
