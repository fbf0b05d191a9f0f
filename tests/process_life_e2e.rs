//! The provider process under real Terraform when things go wrong around
//! it: Ctrl-C in the middle of a consistency wait, Terraform killed outright,
//! and a bug (a panic) inside an RPC. Against the fake WorkSpaces endpoint,
//! whose consistency delay holds an apply in its wait for as long as we like.

use crate::common;

use crate::common::fake_workspaces::{FakeWorkspaces, ACCOUNT, UPDATE_PERMISSION};
use crate::common::{Workdir, SOURCE};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const IMAGE: &str = "wsi-0123456789";
const MARKER: &str = "TFWS_PROCESS_LIFE_MARKER";

fn header(fake: &FakeWorkspaces) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    workspaces = {{ source = \"{SOURCE}\" }}\n  }}\n}}\n\nprovider \"workspaces\" {{\n  region = \"us-east-1\"\n  endpoints {{\n    workspaces = \"{0}\"\n    sts        = \"{0}\"\n  }}\n}}\n",
        fake.url
    )
}

fn permission_config(fake: &FakeWorkspaces, account: &str) -> String {
    format!(
        "{}\nresource \"workspaces_image_permission\" \"one\" {{\n  image_id          = \"{IMAGE}\"\n  shared_account_id = \"{account}\"\n}}\n",
        header(fake)
    )
}

fn sharing_config(fake: &FakeWorkspaces, accounts: &[&str]) -> String {
    let list: Vec<String> = accounts.iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        "{}\nresource \"workspaces_image_sharing\" \"team\" {{\n  image_id           = \"{IMAGE}\"\n  shared_account_ids = [{}]\n}}\n",
        header(fake),
        list.join(", ")
    )
}

/// A fake whose changes never show up in DescribeWorkspaceImagePermissions,
/// so every apply waits (up to its 5-minute default timeout) after writing.
fn endless_wait() -> FakeWorkspaces {
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    fake.set_delay(u64::MAX / 2);
    fake
}

/// A work directory whose Terraform, and so its providers, carry a marker
/// in their environment that tells our processes apart from other tests'.
fn marked_workdir() -> (Workdir, String) {
    let mut wd = Workdir::new(&common::terraform_on_path());
    let marker = format!("{}-{}", std::process::id(), wd.dir.path().display());
    wd.set_env(MARKER, &marker);
    (wd, marker)
}

/// PIDs of our provider binary carrying `marker` in their environment.
fn providers_with(marker: &str) -> Vec<u32> {
    let needle = format!("{MARKER}={marker}");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let proc = Path::new("/proc").join(pid.to_string());
            let exe = std::fs::read_link(proc.join("exe")).unwrap_or_default();
            let ours = exe.file_name().is_some_and(|n| {
                n.to_string_lossy()
                    .starts_with("terraform-provider-workspaces")
            });
            ours && std::fs::read(proc.join("environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == needle.as_bytes()))
        })
        .collect()
}

/// Waits up to `limit` for `done`, polling.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let began = Instant::now();
    while began.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    done()
}

/// `terraform apply` started in a process group of its own, as a shell
/// starts a pipeline, so an interrupt can go to the group as Ctrl-C does.
fn start_apply(wd: &Workdir) -> Child {
    use std::os::unix::process::CommandExt;
    wd.command(&["apply", "-no-color", "-input=false", "-auto-approve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("start terraform apply")
}

fn signal(sig: &str, target: &str) {
    let status = Command::new("kill")
        .args(["-s", sig, "--", target])
        .status()
        .expect("kill");
    assert!(status.success(), "kill -s {sig} {target}");
}

fn output_of(child: Child) -> (i32, String) {
    let out = child.wait_with_output().expect("terraform output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// Starts an apply that makes `writes` grants and then waits; returns once
/// the grants reached the endpoint and the provider is in its wait.
fn apply_until_waiting(wd: &Workdir, fake: &FakeWorkspaces, writes: u64) -> Child {
    let child = start_apply(wd);
    assert!(
        wait_for(Duration::from_secs(60), || fake.calls(UPDATE_PERMISSION)
            >= writes),
        "the apply never made its {writes} grant(s)"
    );
    // Into the wait: its first poll comes within a second.
    std::thread::sleep(Duration::from_millis(1500));
    child
}

fn state_list(wd: &Workdir) -> Vec<String> {
    wd.ok(&["state", "list"])
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn ctrl_c_ends_the_wait_at_once_and_keeps_the_grant_in_state() {
    let fake = endless_wait();
    let (wd, marker) = marked_workdir();
    wd.init(&permission_config(&fake, "111122223333"));
    let child = apply_until_waiting(&wd, &fake, 1);
    let pgid = format!("-{}", child.id());
    let interrupted = Instant::now();
    signal("INT", &pgid);
    let (code, text) = output_of(child);
    let text = common::flat(&text);
    let took = interrupted.elapsed();
    eprintln!("interrupt to exit: {took:?}");
    assert_ne!(
        code, 0,
        "an interrupted apply must not report success:\n{text}"
    );
    assert!(
        took < Duration::from_secs(15),
        "the apply took {took:?} to end after Ctrl-C (its wait had ~5 minutes left):\n{text}"
    );
    assert!(
        text.contains("Terraform stopped the provider"),
        "the diagnostic says why the wait ended:\n{text}"
    );
    // The grant happened: it must be in state (tainted), not lost.
    assert_eq!(fake.shared_accounts(IMAGE), vec!["111122223333"]);
    assert_eq!(
        state_list(&wd),
        vec!["workspaces_image_permission.one"],
        "{text}"
    );
    assert!(
        wait_for(Duration::from_secs(10), || providers_with(&marker)
            .is_empty()),
        "provider processes left running: {:?}",
        providers_with(&marker)
    );
}

#[test]
fn ctrl_c_during_a_sharing_apply_records_exactly_what_aws_holds() {
    let fake = endless_wait();
    let (wd, marker) = marked_workdir();
    let accounts = ["111122223333", "444455556666", "777788889999"];
    wd.init(&sharing_config(&fake, &accounts));
    let child = apply_until_waiting(&wd, &fake, 3);
    let interrupted = Instant::now();
    signal("INT", &format!("-{}", child.id()));
    let (code, text) = output_of(child);
    let took = interrupted.elapsed();
    eprintln!("interrupt to exit: {took:?}");
    assert_ne!(code, 0, "{text}");
    assert!(took < Duration::from_secs(15), "took {took:?}:\n{text}");
    let json = wd.ok(&["show", "-json", "-no-color"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("show -json");
    let mut in_state: Vec<String> = v["values"]["root_module"]["resources"][0]["values"]
        ["shared_account_ids"]
        .as_array()
        .expect("the sharing resource is in state")
        .iter()
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    in_state.sort();
    assert_eq!(in_state, fake.shared_accounts(IMAGE), "{text}");
    assert!(wait_for(Duration::from_secs(10), || providers_with(
        &marker
    )
    .is_empty()));
}

#[test]
fn killing_terraform_mid_apply_leaves_no_provider_process() {
    let fake = endless_wait();
    let (wd, marker) = marked_workdir();
    wd.init(&permission_config(&fake, "111122223333"));
    let mut child = apply_until_waiting(&wd, &fake, 1);
    assert_eq!(
        providers_with(&marker).len(),
        1,
        "the provider runs during the apply"
    );
    // Terraform alone, as the OOM killer or a CI runner's timeout would.
    signal("KILL", &child.id().to_string());
    let _ = child.wait();
    let killed = Instant::now();
    let gone = wait_for(Duration::from_secs(10), || {
        providers_with(&marker).is_empty()
    });
    eprintln!(
        "provider gone {:?} after Terraform was killed",
        killed.elapsed()
    );
    assert!(
        gone,
        "orphaned provider processes: {:?}",
        providers_with(&marker)
    );
}

#[test]
fn a_panic_in_the_provider_is_an_error_diagnostic_and_loses_no_state() {
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    let (mut wd, _) = marked_workdir();
    wd.init(&permission_config(&fake, "111122223333"));

    wd.set_env("TF_WORKSPACES_TEST_PANIC", "PlanResourceChange");
    let (code, text) = wd.plan_exit_code();
    let text = common::flat(&text);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("Provider bug: internal error"), "{text}");
    assert!(
        text.contains("test-only panic in PlanResourceChange"),
        "{text}"
    );
    assert!(
        !text.contains("plugin exited") && !text.contains("connection"),
        "the panic must not take the connection down:\n{text}"
    );

    wd.unset_env("TF_WORKSPACES_TEST_PANIC");
    wd.apply();
    assert_eq!(fake.shared_accounts(IMAGE), vec!["111122223333"]);

    // A panic while refreshing keeps the resource in state.
    wd.set_env("TF_WORKSPACES_TEST_PANIC", "ReadResource");
    let (code, text) = wd.plan_exit_code();
    let text = common::flat(&text);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("test-only panic in ReadResource"), "{text}");
    assert_eq!(state_list(&wd), vec!["workspaces_image_permission.one"]);

    // And while destroying: nothing is revoked, the resource stays.
    wd.set_env("TF_WORKSPACES_TEST_PANIC", "ApplyResourceChange");
    let out = wd.run(&["destroy", "-no-color", "-input=false", "-auto-approve"]);
    let text = common::flat(&String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success());
    assert!(
        text.contains("test-only panic in ApplyResourceChange"),
        "{text}"
    );
    assert_eq!(state_list(&wd), vec!["workspaces_image_permission.one"]);
    assert_eq!(fake.shared_accounts(IMAGE), vec!["111122223333"]);

    wd.unset_env("TF_WORKSPACES_TEST_PANIC");
    wd.destroy();
    assert!(fake.shared_accounts(IMAGE).is_empty());
}
