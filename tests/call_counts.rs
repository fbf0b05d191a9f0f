//! How many WorkSpaces calls the provider makes for N per-account
//! `workspaces_image_permission` resources on one image, driven by the
//! real Terraform CLI (the one on PATH, default parallelism 10) against the
//! fake WorkSpaces endpoint, which pages permissions at 25 like AWS and
//! counts calls per operation.
//!
//! Targets (from the read-coalescing issue):
//! - a refresh makes at most ceil(N/25) + 1 DescribeWorkspaceImagePermissions
//!   calls (one walk of the list, not one per resource);
//! - applying N new grants makes at most N UpdateWorkspaceImagePermission
//!   calls and at most 2 * ceil(N/25) + 10 describe calls of either kind.
//!
//! Each test prints its figures to stderr (`cargo test --test call_counts
//! -- --nocapture`) before asserting, so the numbers show even when the
//! targets are missed. The tests run one at a time so their timings are
//! comparable on a small machine.

mod common;

use common::fake_workspaces::{
    FakeWorkspaces, ACCOUNT, DESCRIBE_IMAGES, DESCRIBE_PERMISSIONS, GET_CALLER_IDENTITY,
    UPDATE_PERMISSION,
};
use common::{config, Workdir};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const IMAGE: &str = "wsi-0123abcde";

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[derive(Debug)]
struct Figures {
    n: usize,
    apply_describe_images: u64,
    apply_describe_permissions: u64,
    apply_updates: u64,
    apply_workspaces_calls: u64,
    apply_time: Duration,
    /// STS GetCallerIdentity (the provider's credential check at configure).
    apply_sts: u64,
    refresh_describe_permissions: u64,
    refresh_workspaces_calls: u64,
    refresh_time: Duration,
    refresh_sts: u64,
}

impl Figures {
    fn print(&self) {
        eprintln!(
            "\n| N | refresh: DescribeWorkspaceImagePermissions | refresh: all WorkSpaces calls | \
             refresh: GetCallerIdentity | refresh time | apply: UpdateWorkspaceImagePermission | \
             apply: DescribeWorkspaceImages | apply: DescribeWorkspaceImagePermissions | \
             apply: all WorkSpaces calls | apply: GetCallerIdentity | apply time |"
        );
        eprintln!("|---|---|---|---|---|---|---|---|---|---|---|");
        eprintln!(
            "| {} | {} | {} | {} | {:.1} s | {} | {} | {} | {} | {} | {:.1} s |",
            self.n,
            self.refresh_describe_permissions,
            self.refresh_workspaces_calls,
            self.refresh_sts,
            self.refresh_time.as_secs_f64(),
            self.apply_updates,
            self.apply_describe_images,
            self.apply_describe_permissions,
            self.apply_workspaces_calls,
            self.apply_sts,
            self.apply_time.as_secs_f64(),
        );
    }
}

fn pages(n: usize) -> u64 {
    n.div_ceil(25) as u64
}

/// Applies N new grants, then runs one refresh-only plan, counting calls.
fn measure(n: usize) -> Figures {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    let accounts: Vec<String> = (0..n)
        .map(|i| format!("{:012}", 200_000_000_000u64 + i as u64))
        .collect();
    let names: Vec<String> = (0..n).map(|i| format!("p{i:04}")).collect();
    let grants: Vec<(&str, &str)> = names
        .iter()
        .zip(&accounts)
        .map(|(name, account)| (name.as_str(), account.as_str()))
        .collect();
    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&config(&fake.url, IMAGE, &grants));

    fake.reset_calls();
    let started = Instant::now();
    let out = wd.apply();
    let apply_time = started.elapsed();
    assert!(
        out.contains(&format!("{n} added, 0 changed, 0 destroyed")),
        "{out}"
    );
    let mut granted = accounts.clone();
    granted.sort();
    assert_eq!(fake.shared_accounts(IMAGE), granted);
    let apply_describe_images = fake.calls(DESCRIBE_IMAGES);
    let apply_describe_permissions = fake.calls(DESCRIBE_PERMISSIONS);
    let apply_updates = fake.calls(UPDATE_PERMISSION);
    let apply_workspaces_calls = fake.workspaces_calls();
    let apply_sts = fake.calls(GET_CALLER_IDENTITY);

    fake.reset_calls();
    let started = Instant::now();
    let out = wd.run(&[
        "plan",
        "-refresh-only",
        "-no-color",
        "-input=false",
        "-detailed-exitcode",
    ]);
    let refresh_time = started.elapsed();
    assert_eq!(
        out.status.code(),
        Some(0),
        "a refresh right after apply finds nothing changed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let figures = Figures {
        n,
        apply_describe_images,
        apply_describe_permissions,
        apply_updates,
        apply_workspaces_calls,
        apply_time,
        refresh_describe_permissions: fake.calls(DESCRIBE_PERMISSIONS),
        refresh_workspaces_calls: fake.workspaces_calls(),
        refresh_time,
        refresh_sts: fake.calls(GET_CALLER_IDENTITY),
        apply_sts,
    };
    figures.print();
    figures
}

fn check_targets(f: &Figures) {
    let n = f.n;
    let mut missed = Vec::new();
    if f.refresh_describe_permissions > pages(n) + 1 {
        missed.push(format!(
            "refresh made {} DescribeWorkspaceImagePermissions calls; target <= ceil({n}/25)+1 = {}",
            f.refresh_describe_permissions,
            pages(n) + 1
        ));
    }
    if f.apply_updates > n as u64 {
        missed.push(format!(
            "apply made {} UpdateWorkspaceImagePermission calls; target <= {n}",
            f.apply_updates
        ));
    }
    let describes = f.apply_describe_images + f.apply_describe_permissions;
    if describes > 2 * pages(n) + 10 {
        missed.push(format!(
            "apply made {describes} describe calls ({} DescribeWorkspaceImages + {} \
             DescribeWorkspaceImagePermissions); target <= 2*ceil({n}/25)+10 = {}",
            f.apply_describe_images,
            f.apply_describe_permissions,
            2 * pages(n) + 10
        ));
    }
    assert!(
        missed.is_empty(),
        "call-count targets missed for N={n}:\n{}",
        missed.join("\n")
    );
}

#[test]
fn call_counts_for_30_permissions() {
    check_targets(&measure(30));
}

#[test]
fn call_counts_for_100_permissions() {
    check_targets(&measure(100));
}

#[test]
fn call_counts_for_500_permissions() {
    check_targets(&measure(500));
}
