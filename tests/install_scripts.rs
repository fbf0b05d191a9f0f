//! The README's two commands depend on tests/tools.sh and the scripts that
//! source it. These tests pin down that the installer's checks do not
//! depend on pipe timing, and that a failed install stops the demo and the
//! test command at once with the installer's own message.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

fn bash(script: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg(script).args(args).current_dir(common::repo());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("running bash")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn installer_verification_of_terraform_1_0_3_passes_60_times_in_a_row() {
    // Installs (or finds) the tools first, as the test command does.
    common::tools();
    let script = common::repo().join("tests/tools.sh");
    let runs = 60;
    let mut failures = Vec::new();
    for i in 0..runs {
        let out = bash(&script, &["--verify-terraform"], &[]);
        if !out.status.success() {
            failures.push(format!("run {i}: {} {}", out.status, text(&out.stderr)));
        }
    }
    eprintln!(
        "installer verification: {} of {runs} runs passed",
        runs - failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A tools folder that cannot be created: its parent is a regular file.
/// (Permissions would not do: tests may run as root.)
fn unwritable_tools_dir(scratch: &Path) -> String {
    let blocker = scratch.join("not-a-folder");
    std::fs::write(&blocker, "").expect("blocker file");
    blocker.join("tools").display().to_string()
}

fn assert_stops_at_install(script: &str, never_printed: &str) {
    let scratch = tempfile::tempdir().expect("tempdir");
    let tools = unwritable_tools_dir(scratch.path());
    let out = bash(
        &common::repo().join(script),
        &[],
        &[("TFWS_TOOLS_DIR", &tools), ("CI", "true")],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        !out.status.success(),
        "{script} succeeded with an unwritable tools folder:\n{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("tools: cannot create the tools folder {tools}")),
        "{script} did not pass on the installer's message:\n{stderr}"
    );
    assert!(
        stderr.contains("installing the tools failed"),
        "{script} did not say it stopped at the install:\n{stderr}"
    );
    assert!(
        !stdout.contains(never_printed) && !stderr.contains("unbound variable"),
        "{script} went on after the failed install:\n{stdout}\n{stderr}"
    );
}

#[test]
fn failed_install_stops_the_demo_before_it_builds() {
    assert_stops_at_install("examples/demo.sh", "Building terraform-provider-workspaces");
}

#[test]
fn failed_install_stops_the_test_command_before_cargo() {
    assert_stops_at_install("tests/run.sh", "== cargo fmt");
}

#[test]
fn no_script_ends_a_pipeline_in_head_or_grep_q() {
    // Under pipefail such a pipeline fails whenever its writer is still
    // writing when the reader exits (SIGPIPE): the defect behind issue 6.
    let out = Command::new("git")
        .args(["ls-files", "*.sh", ".ci/run"])
        .current_dir(common::repo())
        .output()
        .expect("git ls-files");
    let files = text(&out.stdout);
    assert!(!files.trim().is_empty(), "git listed no scripts");
    let mut racy = Vec::new();
    for file in files.lines() {
        let body = std::fs::read_to_string(common::repo().join(file)).expect("script");
        for (n, line) in body.lines().enumerate() {
            let code = line.split(" #").next().unwrap_or("");
            if code.trim_start().starts_with('#') {
                continue;
            }
            for segment in code.split('|').skip(1) {
                let words: Vec<&str> = segment.split_whitespace().collect();
                let quiet_grep = words.first() == Some(&"grep")
                    && words.iter().any(|w| {
                        *w == "--quiet"
                            || (w.starts_with('-') && !w.starts_with("--") && w.contains('q'))
                    });
                if words.first() == Some(&"head") || quiet_grep {
                    racy.push(format!("{file}:{}: {line}", n + 1));
                }
            }
        }
    }
    assert!(
        racy.is_empty(),
        "pipelines ending early:\n{}",
        racy.join("\n")
    );
}
