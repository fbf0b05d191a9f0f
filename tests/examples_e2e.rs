//! Every example under `examples/` runs as documented, with the Terraform on
//! PATH, against a moto WorkSpaces endpoint of its own. Each example's
//! files are copied, unchanged, into a work directory; the examples take
//! the endpoint, the image ID and the accounts as variables (given here as
//! `TF_VAR_*`, as `examples/demo.sh` does for `examples/main.tf`), so
//! nothing but their inputs differs from a run against AWS.
//!
//! - `image-permission/`, `image-sharing/`, `data-source/`: apply, a plan
//!   with no changes, destroy; what moto holds is checked after each step.
//! - `import/`: a permission granted outside Terraform is imported with the
//!   `terraform` commands of the README's `sh` block, run in order; the
//!   last is `plan -detailed-exitcode`, which must exit 0.
//! - `import-block/`: the same for an `import` block: `terraform plan
//!   -generate-config-out=generated.tf` writes the resource, `apply` imports
//!   it with no other change, and the next plan exits 0.
//!
//! `every_example_directory_is_run_here` fails when a directory is added to
//! `examples/` without a test here.

use crate::common;

use crate::common::{Moto, Workdir};
use serde_json::Value as Json;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const A: &str = "111122223333";
const B: &str = "444455556666";
const C: &str = "777788889999";

/// The example directories this file runs.
const RUN_HERE: [&str; 5] = [
    "data-source",
    "image-permission",
    "image-sharing",
    "import",
    "import-block",
];

fn sorted(accounts: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = accounts.iter().map(|a| a.to_string()).collect();
    v.sort();
    v
}

/// A work directory holding a copy of `examples/<name>`'s files, with the
/// endpoint and image given as variables, initialised.
fn example(name: &str, moto: &Moto, image: &str) -> Workdir {
    let mut wd = Workdir::new(&common::terraform_on_path());
    let src = common::repo().join("examples").join(name);
    for entry in std::fs::read_dir(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display())) {
        let path = entry.expect("dir entry").path();
        if path.is_file() {
            std::fs::copy(&path, wd.dir.path().join(path.file_name().expect("name")))
                .expect("copy example file");
        }
    }
    wd.set_env("TF_VAR_image_id", image);
    // data-source/ names its endpoint variables after the services; the
    // others take one for both.
    if name == "data-source" {
        wd.set_env("TF_VAR_workspaces_endpoint", &moto.url);
    } else {
        wd.set_env("TF_VAR_endpoint", &moto.url);
    }
    wd
}

fn init(wd: &Workdir) {
    wd.ok(&["init", "-no-color", "-input=false"]);
}

fn plan_is_clean(wd: &Workdir, after: &str) {
    let (code, text) = wd.plan_exit_code();
    assert_eq!(
        code, 0,
        "plan after {after} should show no changes:\n{text}"
    );
}

/// Grants `account` a permission on `image` behind Terraform's back.
fn grant_outside_terraform(moto: &Moto, image: &str, account: &str) {
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
    .expect("UpdateWorkspaceImagePermission");
}

fn output(wd: &Workdir, name: &str) -> Json {
    serde_json::from_str(&wd.ok(&["output", "-json", name])).expect("output -json")
}

fn timed(name: &str, began: Instant) {
    eprintln!(
        "examples/{name}: ran in {:.1} s",
        began.elapsed().as_secs_f64()
    );
}

#[test]
fn every_example_directory_is_run_here() {
    let mut dirs: Vec<String> = std::fs::read_dir(common::repo().join("examples"))
        .expect("examples/")
        .filter_map(|e| {
            let p = e.ok()?.path();
            p.is_dir()
                .then(|| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .flatten()
        })
        .collect();
    dirs.sort();
    assert_eq!(
        dirs, RUN_HERE,
        "examples/ and the examples this test runs differ; add a test for the new example"
    );
}

#[test]
fn image_permission_example_applies_plans_clean_and_destroys() {
    let began = Instant::now();
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut wd = example("image-permission", &moto, &image);
    wd.set_env("TF_VAR_shared_account_ids", &format!("[\"{A}\",\"{B}\"]"));
    init(&wd);
    wd.apply();
    assert_eq!(moto.shared_accounts(&image), sorted(&[A, B]));
    assert_eq!(
        output(&wd, "permission_ids"),
        serde_json::json!([format!("{image}/{A}"), format!("{image}/{B}")])
    );
    plan_is_clean(&wd, "apply");
    // Swap one account: one revoke, one grant.
    wd.set_env("TF_VAR_shared_account_ids", &format!("[\"{A}\",\"{C}\"]"));
    let out = wd.apply();
    assert!(out.contains("1 added, 0 changed, 1 destroyed"), "{out}");
    assert_eq!(moto.shared_accounts(&image), sorted(&[A, C]));
    plan_is_clean(&wd, "the second apply");
    wd.destroy();
    assert!(moto.shared_accounts(&image).is_empty());
    timed("image-permission", began);
}

#[test]
fn image_sharing_example_applies_plans_clean_and_destroys() {
    let began = Instant::now();
    let moto = Moto::start();
    let image = moto.seed_image();
    // The resource is authoritative: a grant it does not list goes.
    grant_outside_terraform(&moto, &image, C);
    let mut wd = example("image-sharing", &moto, &image);
    wd.set_env("TF_VAR_shared_account_ids", &format!("[\"{A}\",\"{B}\"]"));
    init(&wd);
    wd.apply();
    assert_eq!(moto.shared_accounts(&image), sorted(&[A, B]));
    assert_eq!(output(&wd, "shared_with"), serde_json::json!([A, B]));
    plan_is_clean(&wd, "apply");
    wd.destroy();
    assert!(moto.shared_accounts(&image).is_empty());
    timed("image-sharing", began);
}

#[test]
fn data_source_example_applies_plans_clean_and_destroys() {
    let began = Instant::now();
    let moto = Moto::start();
    let image = moto.seed_image();
    grant_outside_terraform(&moto, &image, B);
    grant_outside_terraform(&moto, &image, A);
    let wd = example("data-source", &moto, &image);
    init(&wd);
    wd.apply();
    assert_eq!(output(&wd, "shared_with"), serde_json::json!([A, B]));
    assert_eq!(output(&wd, "image")["state"], Json::from("AVAILABLE"));
    plan_is_clean(&wd, "apply");
    wd.destroy();
    // Reading changes nothing.
    assert_eq!(moto.shared_accounts(&image), sorted(&[A, B]));
    timed("data-source", began);
}

/// The `terraform` command lines of the first `sh` code block of
/// `readme`, trailing comments removed; the names its `export` lines set.
fn readme_steps(readme: &Path) -> (Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(readme).expect("README.md");
    let block = text
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .unwrap_or_else(|| panic!("{} has no ```sh block", readme.display()));
    let (mut commands, mut exported) = (Vec::new(), Vec::new());
    for line in block.lines() {
        let line = line.split(" #").next().unwrap_or_default().trim();
        if let Some(assignment) = line.strip_prefix("export ") {
            let name = assignment.split('=').next().unwrap_or_default();
            exported.push(name.to_string());
        } else if line.starts_with("terraform ") {
            commands.push(line.to_string());
        } else {
            assert!(line.is_empty(), "unexpected line in the sh block: {line:?}");
        }
    }
    (commands, exported)
}

/// Runs the README's steps in `wd` (exported variables come from `wd`'s
/// environment, set by the test to moto's values). `apply` and `destroy`
/// get `-auto-approve`, as there is no one to answer. Every step must
/// succeed (exit 0); returns each step's output.
fn run_readme(name: &str, wd: &Workdir) -> Vec<(String, String)> {
    let (commands, exported) =
        readme_steps(&common::repo().join("examples").join(name).join("README.md"));
    for var in &exported {
        assert!(
            wd.env.iter().any(|(k, _)| k == var),
            "README exports {var}, which the test does not set"
        );
    }
    assert!(!commands.is_empty(), "no terraform commands in the README");
    let terraform_dir = wd
        .terraform
        .path
        .parent()
        .expect("terraform's directory")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(terraform_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let mut outputs = Vec::new();
    for command in commands {
        // Options go right after the subcommand: Terraform stops reading
        // options at the first argument (`import ADDR ID`).
        let (sub, rest) = command["terraform ".len()..]
            .split_once(' ')
            .unwrap_or((&command["terraform ".len()..], ""));
        let mut options = "-no-color".to_string();
        if matches!(sub, "apply" | "destroy") && !command.contains("-auto-approve") {
            options.push_str(" -input=false -auto-approve");
        }
        let line = format!("terraform {sub} {options} {rest}");
        let mut cmd = Command::new("bash");
        cmd.args(["-c", &line])
            .current_dir(wd.dir.path())
            .stdin(std::process::Stdio::null());
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") || k.starts_with("TF_") {
                cmd.env_remove(k);
            }
        }
        cmd.envs(wd.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("PATH", &path);
        let out = cmd.output().expect("bash");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "examples/{name}/README.md step `{line}` failed ({}):\n{text}",
            out.status
        );
        outputs.push((command, text));
    }
    outputs
}

#[test]
fn import_example_adopts_a_permission_granted_outside_terraform() {
    let began = Instant::now();
    let moto = Moto::start();
    let image = moto.seed_image();
    grant_outside_terraform(&moto, &image, A);
    let mut wd = example("import", &moto, &image);
    wd.set_env("TF_VAR_shared_account_id", A);
    let steps = run_readme("import", &wd);
    let import = steps
        .iter()
        .find(|(c, _)| c.starts_with("terraform import "))
        .expect("an import step");
    assert!(import.1.contains("Import successful"), "{}", import.1);
    assert!(
        steps
            .last()
            .is_some_and(|(c, _)| c.contains("plan -detailed-exitcode")),
        "the README ends with the clean plan"
    );
    let state = wd.ok(&["state", "list"]);
    assert_eq!(state.trim(), "workspaces_image_permission.share");
    assert_eq!(moto.shared_accounts(&image), sorted(&[A]));
    // Imported means managed: destroy revokes it.
    wd.destroy();
    assert!(moto.shared_accounts(&image).is_empty());
    timed("import", began);
}

#[test]
fn import_block_example_generates_config_that_imports_with_no_other_change() {
    let began = Instant::now();
    let moto = Moto::start();
    let image = moto.seed_image();
    grant_outside_terraform(&moto, &image, A);
    grant_outside_terraform(&moto, &image, B);
    let wd = example("import-block", &moto, &image);
    assert!(!wd.dir.path().join("generated.tf").exists());
    let steps = run_readme("import-block", &wd);
    let step = |prefix: &str| -> &str {
        &steps
            .iter()
            .find(|(c, _)| c.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` step in the README"))
            .1
    };
    let plan = step("terraform plan -generate-config-out=generated.tf");
    assert!(
        plan.contains("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
    let generated =
        std::fs::read_to_string(wd.dir.path().join("generated.tf")).expect("generated.tf written");
    assert!(
        generated.contains("resource \"workspaces_image_sharing\" \"golden\"")
            && generated.contains(&format!("image_id           = \"{image}\""))
            && generated.contains(&format!("shared_account_ids = [\"{A}\", \"{B}\"]")),
        "{generated}"
    );
    let apply = step("terraform apply");
    assert!(
        apply.contains("Resources: 1 imported, 0 added, 0 changed, 0 destroyed."),
        "{apply}"
    );
    assert!(
        steps
            .last()
            .is_some_and(|(c, _)| c.contains("plan -detailed-exitcode")),
        "the README ends with the clean plan"
    );
    assert_eq!(moto.shared_accounts(&image), sorted(&[A, B]));
    wd.destroy();
    assert!(moto.shared_accounts(&image).is_empty());
    timed("import-block", began);
}
