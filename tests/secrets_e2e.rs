//! Secrets stay secret: a full Terraform lifecycle at TF_LOG=TRACE with
//! static keys, a session token and an assumed role (whose temporary
//! credentials the fake STS hands out), including failures, whose error
//! paths are where credentials most often leak. Neither the log nor the
//! output may hold a secret, and the provider writes no file of its own.

use crate::common;

use crate::common::fake_workspaces::{
    FakeWorkspaces, ACCOUNT, ASSUMED_SECRET_ACCESS_KEY, ASSUMED_SESSION_TOKEN, UPDATE_PERMISSION,
};
use crate::common::{Workdir, SOURCE};
use std::path::{Path, PathBuf};

const IMAGE: &str = "wsi-0123456789";
const STATIC_SECRET: &str = "staticSECRETkeyNeverInLogs+abc/0123456789xyz";
const STATIC_TOKEN: &str = "staticSESSIONtokenNeverInLogs+abc/0123456789xyz";

fn config(fake: &FakeWorkspaces, accounts: &[&str]) -> String {
    let list: Vec<String> = accounts.iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        "terraform {{\n  required_providers {{\n    workspaces = {{ source = \"{SOURCE}\" }}\n  }}\n}}\n\n\
         provider \"workspaces\" {{\n  region     = \"us-east-1\"\n  access_key = \"AKIAFAKESTATICKEY001\"\n  secret_key = \"{STATIC_SECRET}\"\n  token      = \"{STATIC_TOKEN}\"\n  assume_role {{\n    role_arn     = \"arn:aws:iam::{ACCOUNT}:role/deployer\"\n    session_name = \"terraform\"\n  }}\n  endpoints {{\n    workspaces = \"{0}\"\n    sts        = \"{0}\"\n  }}\n}}\n\n\
         resource \"workspaces_image_sharing\" \"team\" {{\n  image_id           = \"{IMAGE}\"\n  shared_account_ids = [{1}]\n}}\n",
        fake.url,
        list.join(", ")
    )
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn no_secret_reaches_a_trace_log_and_no_file_is_written() {
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    let scratch = tempfile::tempdir().expect("scratch");
    let home = scratch.path().join("home");
    let tmp = scratch.path().join("tmp");
    std::fs::create_dir_all(&home).expect("home");
    std::fs::create_dir_all(&tmp).expect("tmp");
    let log = scratch.path().join("terraform.log");

    let mut wd = Workdir::new(&common::terraform_on_path());
    wd.init(&config(&fake, &["111122223333"]));
    wd.set_env("TF_LOG", "TRACE");
    wd.set_env("TF_LOG_PATH", &log.display().to_string());
    wd.set_env("HOME", &home.display().to_string());
    wd.set_env("TMPDIR", &tmp.display().to_string());

    let mut output = String::new();
    let mut run = |wd: &Workdir, args: &[&str]| -> bool {
        let out = wd.run(args);
        output.push_str(&String::from_utf8_lossy(&out.stdout));
        output.push_str(&String::from_utf8_lossy(&out.stderr));
        out.status.success()
    };
    let apply = ["apply", "-no-color", "-input=false", "-auto-approve"];
    assert!(run(&wd, &apply), "{output}");
    // Failures: AWS refusing a grant, and STS refusing the role.
    wd.write_config(&config(&fake, &["111122223333", "444455556666"]));
    fake.fail_next(UPDATE_PERMISSION, 1, 403, "AccessDeniedException");
    assert!(
        !run(&wd, &apply),
        "the injected AccessDenied must fail the apply"
    );
    fake.fail_next("AssumeRole", 1, 403, "AccessDenied");
    assert!(!run(&wd, &["plan", "-no-color", "-input=false"]));
    assert!(run(&wd, &apply), "{output}");
    assert!(run(
        &wd,
        &["plan", "-no-color", "-input=false", "-refresh-only"]
    ));
    assert!(run(
        &wd,
        &["destroy", "-no-color", "-input=false", "-auto-approve"]
    ));
    assert!(fake.shared_accounts(IMAGE).is_empty());
    assert!(fake.calls("AssumeRole") >= 4, "the assumed role was used");

    let log_text = std::fs::read_to_string(&log).expect("TF_LOG_PATH file");
    // The log really holds the provider's TRACE and DEBUG lines, so a
    // secret written there would be found.
    let ours = log_text
        .lines()
        .filter(|l| l.contains("terraform-provider-workspaces"))
        .count();
    assert!(ours > 50, "only {ours} provider lines in the TRACE log");
    assert!(log_text.contains("AssumeRole"), "the STS calls are logged");
    assert!(
        log_text.contains("AccessDeniedException"),
        "the failures are logged"
    );
    for secret in [
        STATIC_SECRET,
        STATIC_TOKEN,
        ASSUMED_SECRET_ACCESS_KEY,
        ASSUMED_SESSION_TOKEN,
    ] {
        let leaks: Vec<&str> = log_text.lines().filter(|l| l.contains(secret)).collect();
        assert!(
            leaks.is_empty(),
            "a secret is in the TRACE log:\n{}",
            leaks.join("\n")
        );
        assert!(
            !output.contains(secret),
            "a secret is in Terraform's output"
        );
    }
    // The signer's TRACE lines name the token header: the paths where a
    // token would leak are logged, and show it redacted.
    assert!(
        log_text.contains("x-amz-security-token:** redacted"),
        "the TRACE log lacks the signer's canonical request"
    );
    eprintln!(
        "TRACE log: {} lines, {ours} from the provider; no secret found",
        log_text.lines().count()
    );

    // Nothing of ours on disk: HOME and TMPDIR stay empty, and the work
    // directory holds only what Terraform writes.
    let written: Vec<PathBuf> = files_under(&home)
        .into_iter()
        .chain(files_under(&tmp))
        .collect();
    assert!(written.is_empty(), "files written: {written:?}");
    let in_workdir: Vec<String> = files_under(wd.dir.path())
        .iter()
        .filter_map(|p| p.strip_prefix(wd.dir.path()).ok())
        .map(|p| p.display().to_string())
        .filter(|p| !p.starts_with(".terraform/"))
        .collect();
    for f in &in_workdir {
        assert!(
            [
                "main.tf",
                "cli.tfrc",
                ".terraform.lock.hcl",
                "terraform.tfstate",
                "terraform.tfstate.backup"
            ]
            .contains(&f.as_str()),
            "unexpected file in the work directory: {f}"
        );
    }
}
