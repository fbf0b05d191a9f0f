//! Malformed configurations through real Terraform (on PATH), as a table:
//! each must fail `terraform plan` with a diagnostic that names the
//! attribute, and must not make a single AWS call (the fake endpoint counts
//! every request, STS included).

use crate::common;

use crate::common::fake_workspaces::{FakeWorkspaces, ACCOUNT};
use crate::common::{Workdir, SOURCE};
use std::time::Instant;

const IMAGE: &str = "wsi-0123456789";

struct Case {
    name: &'static str,
    /// Everything after the required_providers block.
    body: String,
    /// Each must appear in Terraform's output (whitespace collapsed).
    expect: Vec<&'static str>,
    /// Terraform itself refuses it, after configuring the provider (which
    /// checks its credentials with STS): no WorkSpaces call may be made.
    terraform_check: bool,
}

fn provider(fake: &FakeWorkspaces, extra: &str) -> String {
    format!(
        "provider \"workspaces\" {{\n  region = \"us-east-1\"\n{extra}\n  endpoints {{\n    workspaces = \"{0}\"\n    sts        = \"{0}\"\n  }}\n}}\n",
        fake.url
    )
}

fn permission(image: &str, account: &str) -> String {
    format!(
        "resource \"workspaces_image_permission\" \"p\" {{\n  image_id          = {image}\n  shared_account_id = {account}\n}}\n"
    )
}

fn sharing(image: &str, accounts: &str) -> String {
    format!(
        "resource \"workspaces_image_sharing\" \"s\" {{\n  image_id           = {image}\n  shared_account_ids = {accounts}\n}}\n"
    )
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

fn cases(fake: &FakeWorkspaces) -> Vec<Case> {
    let p = provider(fake, "");
    let img = quoted(IMAGE);
    let good = quoted("123456789012");
    let bad_account = "Invalid AWS account ID";
    let mut cases = Vec::new();
    let mut account_case = |name, value: String, expect: Vec<&'static str>| {
        let mut e = vec![bad_account, "shared_account_id ="];
        e.extend(expect.iter().copied());
        cases.push(Case {
            name,
            body: format!("{p}{}", permission(&img, &value)),
            expect: e,
            terraform_check: false,
        });
        let mut e = vec![bad_account, "shared_account_ids ="];
        e.extend(expect);
        cases.push(Case {
            name,
            body: format!("{p}{}", sharing(&img, &list(&[good.clone(), value]))),
            expect: e,
            terraform_check: false,
        });
    };
    account_case(
        "eleven digits",
        quoted("12345678901"),
        vec!["leading zeros"],
    );
    account_case("thirteen digits", quoted("1234567890123"), vec![]);
    account_case("empty string", quoted(""), vec!["empty"]);
    account_case(
        "leading whitespace",
        quoted(" 123456789012"),
        vec!["spaces"],
    );
    account_case(
        "trailing newline",
        quoted("123456789012\\n"),
        vec!["spaces"],
    );
    account_case(
        "full-width digits",
        quoted("１２３４５６７８９０１２"),
        vec!["U+FF11"],
    );
    account_case(
        "Arabic-Indic digits",
        quoted("١٢٣٤٥٦٧٨٩٠١٢"),
        vec!["U+0661"],
    );
    account_case("letter O for zero", quoted("12345678901O"), vec![]);
    account_case("dashes", quoted("1234-5678-9012"), vec!["without dashes"]);
    account_case(
        "a number that lost its leading zero",
        "012345678901".to_string(),
        vec!["\"012345678901\""],
    );
    account_case("a bool where a string goes", "true".to_string(), vec![]);

    for (name, image) in [
        ("empty image ID", quoted("")),
        ("image ID prefix only", quoted("wsi-")),
        ("upper-case image ID", quoted("WSI-0123456789")),
        ("an AMI ID", quoted("ami-0123456789")),
        ("image ID with a space", quoted(" wsi-0123456789")),
        (
            "image ID with a full-width digit",
            quoted("wsi-012345678９"),
        ),
    ] {
        cases.push(Case {
            name,
            body: format!("{p}{}", permission(&image, &good)),
            expect: vec!["Invalid WorkSpaces image ID", "image_id ="],
            terraform_check: false,
        });
        cases.push(Case {
            name,
            body: format!("{p}{}", sharing(&image, &list(std::slice::from_ref(&good)))),
            expect: vec!["Invalid WorkSpaces image ID", "image_id ="],
            terraform_check: false,
        });
    }

    // Duplicates that differ only in leading zeros: one of each pair is
    // not 12 digits, so neither silently collapses into the other.
    cases.push(Case {
        name: "duplicates differing in leading zeros (string and number)",
        body: format!("{p}{}", sharing(&img, "[\"012345678901\", 12345678901]")),
        expect: vec![bad_account, "\"12345678901\"", "leading zeros"],
        terraform_check: false,
    });
    cases.push(Case {
        name: "duplicates differing in leading zeros (13 digits)",
        body: format!(
            "{p}{}",
            sharing(&img, "[\"123456789012\", \"0123456789012\"]")
        ),
        expect: vec![bad_account, "\"0123456789012\""],
        terraform_check: false,
    });

    // Wrong types: Terraform's own conversion refuses them.
    cases.push(Case {
        name: "a list where a string goes",
        body: format!("{p}{}", permission(&img, "[\"123456789012\"]")),
        expect: vec!["Incorrect attribute value type", "shared_account_id ="],
        terraform_check: false,
    });
    cases.push(Case {
        name: "a string where a set goes",
        body: format!("{p}{}", sharing(&img, "\"123456789012\"")),
        expect: vec!["Incorrect attribute value type", "shared_account_ids ="],
        terraform_check: false,
    });
    cases.push(Case {
        name: "a map where a set goes",
        body: format!("{p}{}", sharing(&img, "{ a = \"123456789012\" }")),
        expect: vec!["Incorrect attribute value type", "shared_account_ids ="],
        terraform_check: false,
    });

    // Timeouts that are not durations.
    cases.push(Case {
        name: "a timeout that is not a duration",
        body: format!(
            "{p}resource \"workspaces_image_sharing\" \"s\" {{\n  image_id           = {img}\n  shared_account_ids = [{good}]\n  timeouts {{\n    create = \"5 minutes\"\n  }}\n}}\n"
        ),
        expect: vec!["create ="],
        terraform_check: false,
    });

    // An unknown where Terraform needs a known value before planning.
    cases.push(Case {
        name: "count from a value known only after apply",
        body: format!(
            "{p}resource \"terraform_data\" \"later\" {{\n  input = 2\n}}\nresource \"workspaces_image_permission\" \"p\" {{\n  count             = terraform_data.later.output\n  image_id          = {img}\n  shared_account_id = {good}\n}}\n"
        ),
        expect: vec!["Invalid count argument", "count ="],
        terraform_check: true,
    });

    cases.push(Case {
        name: "an import ID known only after apply",
        body: format!(
            "{p}resource \"terraform_data\" \"later\" {{\n  input = \"{IMAGE}\"\n}}\nimport {{\n  to = workspaces_image_sharing.s\n  id = terraform_data.later.output\n}}\n{}",
            sharing(&img, &list(std::slice::from_ref(&good)))
        ),
        expect: vec!["id = terraform_data.later.output"],
        terraform_check: true,
    });

    // The provider block's own guards and settings.
    for (name, extra, attr) in [
        (
            "a bad account in allowed_shared_account_ids",
            "  allowed_shared_account_ids = [\"12345678901\"]",
            "allowed_shared_account_ids =",
        ),
        (
            "a bad account in forbidden_shared_account_ids",
            "  forbidden_shared_account_ids = [\"not-an-account\"]",
            "forbidden_shared_account_ids =",
        ),
        (
            "sharing_concurrency of zero",
            "  sharing_concurrency = 0",
            "sharing_concurrency =",
        ),
        (
            "negative max_retries",
            "  max_retries = -1",
            "max_retries =",
        ),
        (
            "an unknown retry_mode",
            "  retry_mode = \"fast\"",
            "retry_mode =",
        ),
    ] {
        cases.push(Case {
            name,
            body: format!("{}{}", provider(fake, extra), permission(&img, &good)),
            expect: vec![attr],
            terraform_check: false,
        });
    }
    cases
}

fn header() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    workspaces = {{ source = \"{SOURCE}\" }}\n  }}\n}}\n\n"
    )
}

/// Plans `body` and returns (exit code, output with whitespace collapsed).
fn plan(wd: &Workdir, body: &str) -> (i32, String) {
    wd.write_config(&format!("{}{body}", header()));
    let out = wd.run(&["plan", "-no-color", "-input=false"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), common::flat(&text))
}

#[test]
fn malformed_configurations_fail_the_plan_with_no_aws_call() {
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&format!(
        "{}{}{}",
        header(),
        provider(&fake, ""),
        permission(&quoted(IMAGE), &quoted("123456789012"))
    ));
    let cases = cases(&fake);
    let mut failures = Vec::new();
    for case in &cases {
        fake.reset_calls();
        let (code, text) = plan(&wd, &case.body);
        let calls = if case.terraform_check {
            fake.workspaces_calls()
        } else {
            fake.total_calls()
        };
        let missing: Vec<_> = case
            .expect
            .iter()
            .filter(|e| !text.contains(&common::flat(e)))
            .collect();
        if code != 1 || calls != 0 || !missing.is_empty() {
            failures.push(format!(
                "{}: exit {code}, {calls} AWS call(s), missing {missing:?}\n{text}\n",
                case.name
            ));
        }
    }
    eprintln!(
        "bad inputs tried: {} configurations, {} failed as expected",
        cases.len(),
        cases.len() - failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn accounts(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("\"{:012}\"", 200_000_000_000usize + i))
        .collect()
}

#[test]
fn ten_thousand_accounts_with_bad_ones_are_refused_quickly_and_readably() {
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&format!(
        "{}{}{}",
        header(),
        provider(&fake, ""),
        sharing(&quoted(IMAGE), "[]")
    ));
    let p = provider(&fake, "");

    // One bad account among 10,000: one diagnostic, which names it.
    let list_of = |items: &[String]| list(items);
    let mut list = accounts(9_999);
    list.push(quoted("12345678901"));
    fake.reset_calls();
    let began = Instant::now();
    let (code, text) = plan(
        &wd,
        &format!("{p}{}", sharing(&quoted(IMAGE), &list_of(&list))),
    );
    let took = began.elapsed();
    eprintln!("10,000 accounts, one bad: plan refused in {took:?}");
    assert_eq!(code, 1, "{text}");
    assert_eq!(fake.total_calls(), 0);
    assert_eq!(
        text.matches("Invalid AWS account ID in shared_account_ids")
            .count(),
        1,
        "{text}"
    );
    assert!(
        text.contains("\"12345678901\" is not an AWS account ID"),
        "{text}"
    );

    // 10,000 bad accounts: ten diagnostics and a count, not 10,000.
    let list: Vec<String> = (0..10_000).map(|i| format!("\"{:011}\"", i)).collect();
    fake.reset_calls();
    let began = Instant::now();
    let (code, text) = plan(
        &wd,
        &format!("{p}{}", sharing(&quoted(IMAGE), &list_of(&list))),
    );
    let took = began.elapsed();
    eprintln!(
        "10,000 bad accounts: plan refused in {took:?}, output {} bytes",
        text.len()
    );
    assert_eq!(code, 1);
    assert_eq!(fake.total_calls(), 0);
    assert_eq!(
        text.matches("Invalid AWS account ID in shared_account_ids")
            .count(),
        10,
        "{text}"
    );
    assert!(text.contains("9990 more of the 10000 elements"), "{text}");
}

/// Rewrites the one resource instance's `attributes` (and schema version)
/// in the local state file, as a hand edit or another provider would.
fn edit_state(wd: &Workdir, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = wd.dir.path().join("terraform.tfstate");
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("state file")).expect("state JSON");
    edit(&mut state["resources"][0]["instances"][0]);
    std::fs::write(&path, serde_json::to_vec_pretty(&state).expect("JSON")).expect("write state");
}

#[test]
fn old_or_damaged_state_is_upgraded_or_refused_clearly() {
    let fake = FakeWorkspaces::start();
    fake.add_image(IMAGE, ACCOUNT, "DEFAULT");
    let wd = Workdir::new(&common::terraform_on_path());
    let config = format!(
        "{}{}{}",
        header(),
        provider(&fake, ""),
        permission(&quoted(IMAGE), &quoted("111122223333"))
    );
    wd.init(&config);
    wd.apply();
    let saved = std::fs::read(wd.dir.path().join("terraform.tfstate")).expect("state");

    // Readable: an attribute we no longer have, no id, the account as a
    // number. The upgrade reads it and the refresh finds nothing to change.
    edit_state(&wd, |i| {
        let a = &mut i["attributes"];
        a["legacy_region"] = "us-east-1".into();
        a.as_object_mut().expect("attributes").remove("id");
        a["shared_account_id"] = serde_json::json!(111122223333u64);
    });
    let (code, text) = wd.plan_exit_code();
    assert_eq!(
        code, 0,
        "an upgradable state plans with no changes:\n{text}"
    );

    // Damaged beyond reading: clear errors, and the state file stays.
    for (what, edit) in [
        (
            "a list where the account ID goes",
            Box::new(|i: &mut serde_json::Value| {
                i["attributes"]["shared_account_id"] = serde_json::json!(["111122223333"]);
            }) as Box<dyn Fn(&mut serde_json::Value)>,
        ),
        (
            "no image ID",
            Box::new(|i: &mut serde_json::Value| {
                i["attributes"]["image_id"] = serde_json::Value::Null;
            }),
        ),
    ] {
        std::fs::write(wd.dir.path().join("terraform.tfstate"), &saved).expect("restore");
        edit_state(&wd, |i| edit(i));
        let (code, text) = wd.plan_exit_code();
        let text = common::flat(&text);
        assert_eq!(code, 1, "{what}: {text}");
        assert!(
            text.contains("Stored state cannot be read"),
            "{what}: {text}"
        );
        assert!(text.contains("terraform import"), "{what}: {text}");
    }

    // Written by a newer provider.
    std::fs::write(wd.dir.path().join("terraform.tfstate"), &saved).expect("restore");
    edit_state(&wd, |i| i["schema_version"] = serde_json::json!(7));
    let (code, text) = wd.plan_exit_code();
    let text = common::flat(&text);
    assert_eq!(code, 1, "{text}");
    // Terraform itself stops here (our own check backs it up for clients
    // that do not); either way the message says to upgrade.
    assert!(text.contains("newer provider"), "{text}");

    std::fs::write(wd.dir.path().join("terraform.tfstate"), &saved).expect("restore");
    wd.destroy();
    assert!(fake.shared_accounts(IMAGE).is_empty());
}
