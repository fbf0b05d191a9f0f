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
//!   calls, at most 3 DescribeWorkspaceImages (one per provider process),
//!   and at most one permissions walk per Terraform wave of ten creates:
//!   (ceil(N/10) + 2) * ceil(N/25) DescribeWorkspaceImagePermissions. Each
//!   create must see its own grant listed (eventual consistency), and
//!   Terraform runs only ten at once, so ten grants per walk is the floor
//!   for per-account resources; before reads were coalesced this was one
//!   walk per grant and more (263 describes at N=100, 5344 at N=500);
//! - the authoritative `workspaces_image_sharing` applies N accounts with N
//!   updates and a few walks: at most 3 * ceil(N/25) + 2 describes in all.
//!
//! Each test prints its figures to stderr (`cargo test --test e2e
//! call_counts:: -- --nocapture`) before asserting, so the numbers show even when the
//! targets are missed. The tests run one at a time so their timings are
//! comparable on a small machine.

use crate::common;

use crate::common::fake_workspaces::{
    FakeWorkspaces, ACCOUNT, DESCRIBE_IMAGES, DESCRIBE_PERMISSIONS, GET_CALLER_IDENTITY,
    UPDATE_PERMISSION,
};
use crate::common::{config, Workdir};
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
    if f.apply_describe_images > 3 {
        missed.push(format!(
            "apply made {} DescribeWorkspaceImages calls; target <= 3",
            f.apply_describe_images
        ));
    }
    let walks_allowed = (n as u64).div_ceil(10) + 2;
    if f.apply_describe_permissions > walks_allowed * pages(n) {
        missed.push(format!(
            "apply made {} DescribeWorkspaceImagePermissions calls; target <= one walk per wave \
             of ten creates = {walks_allowed} * ceil({n}/25) = {}",
            f.apply_describe_permissions,
            walks_allowed * pages(n)
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

/// The authoritative resource with N accounts: apply, then a refresh.
fn measure_sharing(n: usize) {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    let accounts: Vec<String> = (0..n)
        .map(|i| format!("\"{:012}\"", 200_000_000_000u64 + i as u64))
        .collect();
    let hcl = format!(
        "terraform {{\n  required_providers {{\n    workspaces = {{ source = \"{}\" }}\n  }}\n}}\n\n\
         provider \"workspaces\" {{\n  region = \"{}\"\n  endpoints {{\n    workspaces = \"{url}\"\n    sts = \"{url}\"\n  }}\n}}\n\n\
         resource \"workspaces_image_sharing\" \"all\" {{\n  image_id = \"{IMAGE}\"\n  shared_account_ids = [{}]\n}}\n",
        common::SOURCE,
        common::REGION,
        accounts.join(", "),
        url = fake.url,
    );
    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&hcl);
    fake.reset_calls();
    let started = Instant::now();
    wd.apply();
    let apply_time = started.elapsed();
    assert_eq!(fake.shared_accounts(IMAGE).len(), n);
    let (updates, images, perms) = (
        fake.calls(UPDATE_PERMISSION),
        fake.calls(DESCRIBE_IMAGES),
        fake.calls(DESCRIBE_PERMISSIONS),
    );
    fake.reset_calls();
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 0, "{text}");
    let refresh_perms = fake.calls(DESCRIBE_PERMISSIONS);
    eprintln!(
        "\n| workspaces_image_sharing, N | apply: updates | apply: DescribeWorkspaceImages | \
         apply: DescribeWorkspaceImagePermissions | apply time | refresh: DescribeWorkspaceImagePermissions |"
    );
    eprintln!("|---|---|---|---|---|---|");
    eprintln!(
        "| {n} | {updates} | {images} | {perms} | {:.1} s | {refresh_perms} |",
        apply_time.as_secs_f64()
    );
    assert_eq!(updates, n as u64);
    assert!(
        images + perms <= 3 * pages(n) + 2,
        "apply made {images} + {perms} describes; target <= 3*ceil({n}/25)+2"
    );
    assert!(
        refresh_perms <= pages(n) + 1,
        "refresh made {refresh_perms} describes; target <= ceil({n}/25)+1"
    );
}

#[test]
fn sharing_call_counts_for_500_accounts() {
    measure_sharing(500);
}

#[test]
fn sharing_call_counts_for_2000_accounts() {
    measure_sharing(2000);
}
