//! `workspaces_image_sharing`, the authoritative resource, through the real
//! Terraform CLI against moto: many accounts at once, in-place changes,
//! drift both ways, import, the account guards, validation, and the
//! image owner refused. Results are checked through the WorkSpaces API.

use crate::common;

use crate::common::{Moto, Workdir, REGION, SOURCE};

const A: &str = "111122223333";
const B: &str = "444455556666";
const C: &str = "777788889999";
/// moto's default account: the owner of every image seeded here.
const OWNER: &str = "123456789012";

fn provider_block(endpoint: &str, extra: &str) -> String {
    format!(
        "provider \"workspaces\" {{\n  region = \"{REGION}\"\n{extra}\n  endpoints {{\n    workspaces = \"{endpoint}\"\n    sts        = \"{endpoint}\"\n  }}\n}}\n"
    )
}

/// One `workspaces_image_sharing.team` with the given accounts, under the
/// given provider block.
fn sharing_config(provider: &str, image: &str, accounts: &[&str]) -> String {
    let list: Vec<String> = accounts.iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        "terraform {{\n  required_providers {{\n    workspaces = {{ source = \"{SOURCE}\" }}\n  }}\n}}\n\n{provider}\nresource \"workspaces_image_sharing\" \"team\" {{\n  image_id           = \"{image}\"\n  shared_account_ids = [{}]\n}}\n",
        list.join(", ")
    )
}

fn config(moto: &Moto, image: &str, accounts: &[&str]) -> String {
    sharing_config(&provider_block(&moto.url, ""), image, accounts)
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn account(i: usize) -> String {
    format!("{:012}", 200_000_000_000usize + i)
}

fn grant_out_of_band(moto: &Moto, image: &str, account: &str) {
    let client = moto.client();
    common::block_on(async move {
        client
            .update_workspace_image_permission()
            .image_id(image)
            .shared_account_id(account)
            .allow_copy_image(true)
            .send()
            .await
    })
    .expect("grant outside Terraform");
}

#[test]
fn shares_with_many_accounts_and_changes_them_in_place() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let wd = Workdir::new(&common::terraform_on_path());
    let many: Vec<String> = (0..60).map(account).collect();
    let many_refs: Vec<&str> = many.iter().map(String::as_str).collect();
    wd.init(&config(&moto, &image, &many_refs));
    let out = wd.apply();
    assert!(out.contains("1 added"), "{out}");
    assert_eq!(moto.shared_accounts(&image), sorted(&many_refs));
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 0, "a second plan must find nothing to do:\n{text}");

    // Drop ten, add two: an in-place update naming exactly those accounts.
    let mut next: Vec<&str> = many_refs[10..].to_vec();
    next.extend([A, B]);
    wd.write_config(&config(&moto, &image, &next));
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("will be updated in-place"), "{text}");
    assert!(!text.contains("must be replaced"), "{text}");
    for added in [A, B] {
        assert!(
            text.contains(&format!("+ \"{added}\"")),
            "{added} not shown as added:\n{text}"
        );
    }
    for removed in &many_refs[..10] {
        assert!(
            text.contains(&format!("- \"{removed}\"")),
            "{removed} not shown as removed:\n{text}"
        );
    }
    let out = wd.apply();
    assert!(out.contains("0 added, 1 changed, 0 destroyed"), "{out}");
    assert_eq!(moto.shared_accounts(&image), sorted(&next));

    // An empty list unshares the image, and destroy revokes what it lists.
    wd.write_config(&config(&moto, &image, &[]));
    wd.apply();
    assert!(moto.shared_accounts(&image).is_empty());
    wd.write_config(&config(&moto, &image, &[A, C]));
    wd.apply();
    assert_eq!(moto.shared_accounts(&image), sorted(&[A, C]));
    wd.destroy();
    assert!(moto.shared_accounts(&image).is_empty());
}

#[test]
fn drift_both_ways_is_reported_and_undone() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let wd = Workdir::new(&common::terraform_1_0_3());
    wd.init(&config(&moto, &image, &[A, B]));
    wd.apply();

    // Outside Terraform: B loses access, C gains it.
    moto.revoke(&image, B);
    grant_out_of_band(&moto, &image, C);
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("changed outside of Terraform")
            || text.contains("Objects have changed outside"),
        "refresh should report the drift:\n{text}"
    );
    assert!(text.contains(&format!("+ \"{B}\"")), "{text}");
    assert!(text.contains(&format!("- \"{C}\"")), "{text}");

    wd.apply();
    assert_eq!(moto.shared_accounts(&image), sorted(&[A, B]));
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 0, "{text}");
}

#[test]
fn an_existing_sharing_list_is_imported_by_image_id() {
    let moto = Moto::start();
    let image = moto.seed_image();
    grant_out_of_band(&moto, &image, A);
    grant_out_of_band(&moto, &image, C);
    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&config(&moto, &image, &[A, C]));
    let out = wd.ok(&[
        "import",
        "-no-color",
        "-input=false",
        "workspaces_image_sharing.team",
        &image,
    ]);
    assert!(out.contains("Import successful"), "{out}");
    let state = wd.ok(&[
        "state",
        "show",
        "-no-color",
        "workspaces_image_sharing.team",
    ]);
    for acct in [A, C] {
        assert!(
            state.contains(acct),
            "{acct} missing from imported state:\n{state}"
        );
    }
    let (code, text) = wd.plan_exit_code();
    assert_eq!(
        code, 0,
        "the imported list matches the configuration:\n{text}"
    );

    let bad = wd.run(&[
        "import",
        "-no-color",
        "-input=false",
        "workspaces_image_sharing.team",
        "ami-1",
    ]);
    assert!(!bad.status.success());
}

#[test]
fn bad_account_ids_fail_plan_naming_the_element_and_the_attribute() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&config(&moto, &image, &[A, "1234-5678-9012"]));
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("Invalid AWS account ID in shared_account_ids"),
        "{text}"
    );
    assert!(
        text.contains("\"1234-5678-9012\" is not an AWS account ID"),
        "{text}"
    );
    // Terraform quotes the configuration line of the attribute it points at.
    assert!(text.contains("shared_account_ids = ["), "{text}");
    assert!(moto.shared_accounts(&image).is_empty());
}

#[test]
fn the_images_own_account_is_refused_before_any_write() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&config(&moto, &image, &[A, OWNER]));
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(&format!("belongs to account {OWNER}")),
        "{text}"
    );
    assert!(moto.shared_accounts(&image).is_empty());
}

#[test]
fn account_guards_refuse_at_plan_naming_the_account() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let wd = Workdir::new(&common::terraform_on_path());

    let allow_a = provider_block(
        &moto.url,
        &format!("  allowed_shared_account_ids = [\"{A}\"]"),
    );
    wd.init(&sharing_config(&allow_a, &image, &[A, B]));
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(&format!("Sharing with account {B} is not allowed")),
        "{text}"
    );
    assert!(text.contains("allowed_shared_account_ids"), "{text}");
    assert!(
        !text.contains(&format!("Sharing with account {A} is not allowed")),
        "{text}"
    );

    let forbid_b = provider_block(
        &moto.url,
        &format!("  forbidden_shared_account_ids = [\"{B}\"]"),
    );
    wd.write_config(&sharing_config(&forbid_b, &image, &[A, B]));
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(&format!("Sharing with account {B} is not allowed")),
        "{text}"
    );
    assert!(text.contains("forbidden_shared_account_ids"), "{text}");

    // Within the guards, the apply goes through.
    wd.write_config(&sharing_config(&allow_a, &image, &[A]));
    wd.apply();
    assert_eq!(moto.shared_accounts(&image), sorted(&[A]));
    assert!(moto.shared_accounts(&image).iter().all(|a| a != B));
}

#[test]
fn account_guards_also_hold_for_the_per_account_resource() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let wd = Workdir::new(&common::terraform_1_0_3());
    let provider = provider_block(
        &moto.url,
        &format!("  forbidden_shared_account_ids = [\"{B}\"]"),
    );
    let hcl = format!(
        "terraform {{\n  required_providers {{\n    workspaces = {{ source = \"{SOURCE}\" }}\n  }}\n}}\n\n{provider}\nresource \"workspaces_image_permission\" \"b\" {{\n  image_id          = \"{image}\"\n  shared_account_id = \"{B}\"\n}}\n"
    );
    wd.init(&hcl);
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(&format!("Sharing with account {B} is not allowed")),
        "{text}"
    );
    assert!(moto.shared_accounts(&image).is_empty());
}

#[test]
fn the_image_sharing_example_applies_and_unshares_before_the_image_goes() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut wd = Workdir::new(&common::terraform_on_path());
    let example = std::fs::read_to_string(common::repo().join("examples/image-sharing/main.tf"))
        .expect("examples/image-sharing/main.tf");
    wd.set_env("TF_VAR_endpoint", &moto.url);
    wd.set_env("TF_VAR_image_id", &image);
    wd.set_env("TF_VAR_shared_account_ids", &format!("[\"{A}\",\"{B}\"]"));
    wd.init(&example);
    let out = wd.apply();
    assert!(
        out.contains(A) && out.contains(B),
        "outputs list the accounts:\n{out}"
    );
    assert_eq!(moto.shared_accounts(&image), sorted(&[A, B]));
    let out = wd.destroy();
    // Terraform destroys the sharing first, then the image it depends on.
    let sharing_gone = out
        .find("workspaces_image_sharing.golden: Destruction complete")
        .expect("sharing destroyed");
    let image_gone = out
        .find("terraform_data.golden_image: Destruction complete")
        .expect("image destroyed");
    assert!(sharing_gone < image_gone, "{out}");
    assert!(moto.shared_accounts(&image).is_empty());
}
