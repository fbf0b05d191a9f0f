//! `terraform-provider-workspaces --debug`: started by hand, it prints the
//! TF_REATTACH_PROVIDERS value, real Terraform runs against it through that
//! variable (twice: it outlives a run), and Ctrl-C ends it.

use crate::common;

use crate::common::{Moto, Workdir};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn terraform_attaches_to_a_provider_started_with_debug() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut provider = Command::new(env!("CARGO_BIN_EXE_terraform-provider-workspaces"))
        .arg("--debug")
        // Terraform passes nothing to a provider it did not start: the
        // provider's own environment is what it has.
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TF_LOG_PROVIDER", "INFO")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the provider in debug mode");
    let mut stdout = BufReader::new(provider.stdout.take().expect("stdout"));
    let mut reattach = None;
    let mut printed = String::new();
    for _ in 0..20 {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("read") == 0 {
            break;
        }
        printed.push_str(&line);
        if let Some(v) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            reattach = v.strip_suffix('\'').map(str::to_string);
            break;
        }
    }
    let reattach = reattach.unwrap_or_else(|| panic!("no reattach line in:\n{printed}"));
    assert!(
        printed.contains("Provider started. To attach Terraform CLI"),
        "{printed}"
    );
    let config: serde_json::Value = serde_json::from_str(&reattach).expect("reattach JSON");
    assert_eq!(
        config[common::SOURCE]["Pid"],
        serde_json::json!(provider.id()),
        "{reattach}"
    );

    let mut wd = Workdir::new(&common::terraform_on_path());
    wd.set_env("TF_REATTACH_PROVIDERS", &reattach);
    wd.init(&common::config(&moto.url, &image, &[("a", "111122223333")]));
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 2, "the plan through the attached provider:\n{text}");
    wd.apply();
    assert_eq!(moto.shared_accounts(&image), vec!["111122223333"]);
    // The same process serves the next run.
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 0, "{text}");
    wd.destroy();
    assert!(moto.shared_accounts(&image).is_empty());
    assert!(
        provider.try_wait().expect("wait").is_none(),
        "the provider must keep serving after Terraform's runs"
    );

    let interrupted = Instant::now();
    let status = Command::new("kill")
        .args(["-s", "INT", &provider.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = loop {
        if let Some(s) = provider.try_wait().expect("wait") {
            break s;
        }
        assert!(
            interrupted.elapsed() < Duration::from_secs(10),
            "Ctrl-C did not stop the provider"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit}");
    let mut log = String::new();
    std::io::Read::read_to_string(&mut provider.stderr.take().expect("stderr"), &mut log)
        .expect("stderr");
    // Text lines for a person, not go-plugin's JSON, and our INFO lines.
    assert!(
        log.contains("granted: the account may copy the image"),
        "{log}"
    );
    assert!(!log.contains("\"@level\""), "{log}");
}

#[test]
fn version_prints_the_version_and_protocols() {
    let out = Command::new(env!("CARGO_BIN_EXE_terraform-provider-workspaces"))
        .arg("--version")
        .output()
        .expect("run --version");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "terraform-provider-workspaces v{}",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
    assert!(
        text.contains("plugin protocol versions: 6.0, 5.0"),
        "{text}"
    );
}
