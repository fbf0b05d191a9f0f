//! What moto cannot show, through real Terraform against the fake
//! WorkSpaces endpoint (tests/common/fake_workspaces.rs): the GovCloud BYOL
//! rule, the China (Ningxia) warning, eventual consistency, partial
//! failures, and revokes of permissions already gone. Each result is
//! checked against the endpoint's own state, not only Terraform's output.

use crate::common;

use crate::common::fake_workspaces::{
    FakeWorkspaces, RevokeNeverGranted, ACCOUNT, UPDATE_PERMISSION,
};
use crate::common::{Workdir, SOURCE};

const IMAGE: &str = "wsi-0123456789";
const A: &str = "111122223333";
const B: &str = "444455556666";

fn header(region: &str, endpoint: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    workspaces = {{ source = \"{SOURCE}\" }}\n  }}\n}}\n\nprovider \"workspaces\" {{\n  region = \"{region}\"\n  endpoints {{\n    workspaces = \"{endpoint}\"\n    sts        = \"{endpoint}\"\n  }}\n}}\n"
    )
}

fn sharing(region: &str, fake: &FakeWorkspaces, accounts: &[String]) -> String {
    let list: Vec<String> = accounts.iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        "{}\nresource \"workspaces_image_sharing\" \"team\" {{\n  image_id           = \"{IMAGE}\"\n  shared_account_ids = [{}]\n  timeouts {{\n    create = \"30s\"\n    update = \"30s\"\n  }}\n}}\n",
        header(region, &fake.url),
        list.join(", ")
    )
}

fn permission(region: &str, fake: &FakeWorkspaces, account: &str) -> String {
    format!(
        "{}\nresource \"workspaces_image_permission\" \"one\" {{\n  image_id          = \"{IMAGE}\"\n  shared_account_id = \"{account}\"\n}}\n",
        header(region, &fake.url)
    )
}

fn accounts(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{:012}", 300_000_000_000usize + i))
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The accounts Terraform's state records for the sharing resource.
fn state_accounts(wd: &Workdir) -> Vec<String> {
    let json = wd.ok(&["show", "-json", "-no-color"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("terraform show -json");
    let mut out: Vec<String> = v["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == "workspaces_image_sharing")
        .flat_map(|r| {
            r["values"]["shared_account_ids"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    out.sort();
    out
}

#[test]
fn byol_images_are_refused_in_govcloud_before_any_write() {
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEDICATED");
    let wd = Workdir::new(&common::terraform_on_path());
    for config in [
        sharing("us-gov-west-1", &fake, &strings(&[A])),
        permission("us-gov-west-1", &fake, A),
    ] {
        wd.init(&config);
        let (code, text) = wd.plan_exit_code();
        assert_eq!(code, 1, "{text}");
        assert!(
            text.contains("BYOL images cannot be shared in AWS GovCloud (US)"),
            "{text}"
        );
        assert!(text.contains("us-gov-west-1"), "{text}");
    }
    assert_eq!(fake.calls(UPDATE_PERMISSION), 0);

    // The same image in a commercial Region shares normally.
    wd.init(&sharing("us-east-1", &fake, &strings(&[A])));
    wd.apply();
    assert_eq!(fake.shared_accounts(IMAGE), strings(&[A]));
}

#[test]
fn ningxia_sharing_warns_that_copies_stay_in_region() {
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&sharing("cn-northwest-1", &fake, &strings(&[A])));
    let out = wd.run(&["apply", "-no-color", "-input=false", "-auto-approve"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("Warning: Shared image can be copied only within China (Ningxia)"),
        "{text}"
    );
    assert_eq!(fake.shared_accounts(IMAGE), strings(&[A]));
}

#[test]
fn apply_waits_for_eventually_consistent_grants_and_revokes() {
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    // Each change shows up only after three more describe calls.
    fake.set_delay(3);
    let wd = Workdir::new(&common::terraform_on_path());
    let all = accounts(30);
    wd.init(&sharing("us-east-1", &fake, &all));
    wd.apply();
    assert_eq!(fake.shared_accounts(IMAGE), all);
    assert_eq!(state_accounts(&wd), all, "state must list what AWS holds");

    let fewer = all[..20].to_vec();
    wd.write_config(&sharing("us-east-1", &fake, &fewer));
    wd.apply();
    assert_eq!(fake.shared_accounts(IMAGE), fewer);
    assert_eq!(state_accounts(&wd), fewer);
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 0, "{text}");
}

#[test]
fn a_partial_failure_records_exactly_what_aws_holds_and_a_rerun_converges() {
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    let wd = Workdir::new(&common::terraform_on_path());
    let all = accounts(40);
    wd.init(&sharing("us-east-1", &fake, &all));
    // Seven grants are refused (a 4xx: nothing happened for them).
    fake.fail_next(UPDATE_PERMISSION, 7, 400, "InvalidParameterValuesException");
    let out = wd.run(&["apply", "-no-color", "-input=false", "-auto-approve"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "a partial failure must fail the apply:\n{text}"
    );
    assert!(text.contains("7 of 40 permission changes failed"), "{text}");
    let held = fake.shared_accounts(IMAGE);
    assert_eq!(held.len(), 33, "{held:?}");
    assert_eq!(
        state_accounts(&wd),
        held,
        "state must record exactly the grants AWS holds"
    );

    wd.apply();
    assert_eq!(fake.shared_accounts(IMAGE), all);
    assert_eq!(state_accounts(&wd), all);
}

#[test]
fn revoking_what_is_already_gone_succeeds() {
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    // AWS may refuse to revoke what is not granted: the provider must not ask.
    fake.set_revoke_never_granted(RevokeNeverGranted::Error {
        status: 400,
        code: "InvalidParameterValuesException".into(),
    });
    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&sharing("us-east-1", &fake, &strings(&[A, B])));
    wd.apply();
    fake.revoke_out_of_band(IMAGE, B);
    wd.destroy();
    assert!(fake.shared_accounts(IMAGE).is_empty());

    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&permission("us-east-1", &fake, A));
    wd.apply();
    fake.revoke_out_of_band(IMAGE, A);
    // -refresh=false: the revoke is attempted on a permission already gone.
    wd.ok(&[
        "destroy",
        "-no-color",
        "-input=false",
        "-auto-approve",
        "-refresh=false",
    ]);
    assert!(fake.shared_accounts(IMAGE).is_empty());
}

#[test]
fn a_grant_that_already_exists_succeeds() {
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    fake.grant_out_of_band(IMAGE, A);
    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&permission("us-east-1", &fake, A));
    wd.apply();
    assert_eq!(fake.shared_accounts(IMAGE), strings(&[A]));
}

#[test]
fn sharing_concurrency_bounds_the_writes_in_flight_and_is_reached() {
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    // Slow answers, so writes the provider starts together overlap here.
    fake.set_update_latency(std::time::Duration::from_millis(40));
    let wanted = accounts(24);
    let config = sharing("us-east-1", &fake, &wanted).replace(
        "  region = \"us-east-1\"\n",
        "  region = \"us-east-1\"\n  sharing_concurrency = 3\n",
    );
    assert!(config.contains("sharing_concurrency = 3"), "{config}");
    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&config);
    fake.reset_calls();
    wd.apply();
    let mut shared = fake.shared_accounts(IMAGE);
    shared.sort();
    assert_eq!(shared, wanted);
    assert_eq!(fake.calls(UPDATE_PERMISSION), 24);
    assert_eq!(fake.max_updates_in_flight(), 3);

    // Revokes (destroy) keep the same bound.
    fake.reset_calls();
    wd.ok(&["destroy", "-auto-approve", "-no-color", "-input=false"]);
    assert!(fake.shared_accounts(IMAGE).is_empty());
    assert_eq!(fake.max_updates_in_flight(), 3);
}
