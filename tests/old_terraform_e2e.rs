//! The oldest Terraform we can run: 0.15.0-rc2 and 0.12.29, custom builds
//! from PyPI's cloudrail wheels (stdout lines begin `o:`, debug logs always
//! on stderr), against moto. 0.12 speaks plugin protocol 5 only; 0.15.0-rc2
//! offers 6 as well (tfplugin6 first shipped in 0.15), so it runs on both.
//!
//! 0.15 runs the whole lifecycle. 0.12 has no source addresses and no
//! dev_overrides: the provider is installed with `init -plugin-dir` under
//! the name `terraform-provider-workspaces_v<version>`. In this 0.12 build
//! `refresh` and `destroy` read an empty state even with the state file
//! intact (the README's matrix records it), so only init, plan (with its
//! refresh) and apply are tested there, and the grants are checked in moto.

use crate::common;

use crate::common::{Moto, Workdir};

const A: &str = "111122223333";
const B: &str = "444455556666";
const C: &str = "777788889999";

/// stdout without the builds' `o:` prefixes.
fn plain(text: &[u8]) -> String {
    String::from_utf8_lossy(text)
        .lines()
        .map(|l| l.strip_prefix("o:").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// An image shared with `account` outside Terraform, for the data source
/// to read (no `depends_on`: these versions would defer the read to apply
/// and never plan clean).
fn shared_out_of_band(moto: &Moto, account: &str) -> String {
    let image = moto.seed_image();
    common::block_on(
        moto.client()
            .update_workspace_image_permission()
            .image_id(&image)
            .shared_account_id(account)
            .allow_copy_image(true)
            .send(),
    )
    .expect("grant out of band");
    image
}

fn body(
    moto: &Moto,
    permission_image: &str,
    sharing_image: &str,
    accounts: &[&str],
    data_image: &str,
) -> String {
    let list: Vec<String> = accounts.iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        "provider \"workspaces\" {{\n  region = \"{}\"\n  endpoints {{\n    workspaces = \"{1}\"\n    sts        = \"{1}\"\n  }}\n}}\n\n\
         resource \"workspaces_image_permission\" \"one\" {{\n  image_id          = \"{permission_image}\"\n  shared_account_id = \"{A}\"\n}}\n\n\
         resource \"workspaces_image_sharing\" \"team\" {{\n  image_id           = \"{sharing_image}\"\n  shared_account_ids = [{2}]\n}}\n\n\
         data \"workspaces_image_permissions\" \"team\" {{\n  image_id = \"{data_image}\"\n}}\n\n\
         output \"team\" {{\n  value = data.workspaces_image_permissions.team.shared_account_ids\n}}\n",
        common::REGION,
        moto.url,
        list.join(", ")
    )
}

#[test]
fn terraform_0_15_runs_the_whole_lifecycle_over_protocol_6() {
    lifecycle_on_0_15("6");
}

#[test]
fn terraform_0_15_runs_the_whole_lifecycle_over_protocol_5() {
    lifecycle_on_0_15("5");
}

/// 0.15.0-rc2 offers protocols 5 and 6 (tfplugin6 first shipped in 0.15);
/// TF_WORKSPACES_PROTOCOL_VERSION makes the provider take `protocol`.
fn lifecycle_on_0_15(protocol: &str) {
    let moto = Moto::start();
    let (img1, img2) = (moto.seed_image(), moto.seed_image());
    let img3 = shared_out_of_band(&moto, C);
    let mut wd = Workdir::new(&common::terraform_0_15());
    wd.set_env("TF_WORKSPACES_PROTOCOL_VERSION", protocol);
    let header = format!(
        "terraform {{\n  required_providers {{\n    workspaces = {{ source = \"{}\" }}\n  }}\n}}\n\n",
        common::SOURCE
    );
    wd.init(&format!(
        "{header}{}",
        body(&moto, &img1, &img2, &[B, C], &img3)
    ));

    let log = wd.dir.path().join("tf.log");
    wd.set_env("TF_LOG", "INFO");
    wd.set_env("TF_LOG_PATH", &log.display().to_string());
    let out = wd.run(&["apply", "-no-color", "-input=false", "-auto-approve"]);
    let (stdout, stderr) = (plain(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("Resources: 2 added"), "{stdout}");
    let log_text = std::fs::read_to_string(&log).expect("log");
    let serving: Vec<&str> = log_text
        .lines()
        .filter(|l| l.contains("serving the Terraform plugin protocol"))
        .collect();
    assert!(
        !serving.is_empty()
            && serving
                .iter()
                .all(|l| l.contains(&format!("protocol_version={protocol} "))),
        "our start-up line, at INFO, over protocol {protocol}:\n{}",
        log_text
            .lines()
            .filter(|l| l.contains("workspaces"))
            .take(20)
            .collect::<Vec<_>>()
            .join("\n")
    );
    wd.unset_env("TF_LOG");
    wd.unset_env("TF_LOG_PATH");
    assert_eq!(moto.shared_accounts(&img1), vec![A]);
    assert_eq!(moto.shared_accounts(&img2), vec![B, C]);
    let output = plain(&wd.run(&["output", "-json", "team"]).stdout);
    let team: Vec<String> = serde_json::from_str(output.trim()).expect("output JSON");
    assert_eq!(team, vec![C]);

    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 0, "{text}");

    // Drift: a grant revoked outside Terraform is planned back and restored.
    moto.revoke(&img1, A);
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 2, "{text}");
    wd.apply();
    assert_eq!(moto.shared_accounts(&img1), vec![A]);

    // An in-place change of the authoritative list.
    wd.write_config(&format!(
        "{header}{}",
        body(&moto, &img1, &img2, &[C], &img3)
    ));
    wd.apply();
    assert_eq!(moto.shared_accounts(&img2), vec![C]);

    // Import what Terraform forgot.
    wd.ok(&["state", "rm", "workspaces_image_permission.one"]);
    wd.ok(&[
        "import",
        "-no-color",
        "-input=false",
        "workspaces_image_permission.one",
        &format!("{img1}/{A}"),
    ]);
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 0, "{text}");

    wd.destroy();
    assert!(moto.shared_accounts(&img1).is_empty());
    assert!(moto.shared_accounts(&img2).is_empty());
}

#[test]
fn terraform_0_12_installs_from_a_plugin_dir_plans_and_applies() {
    let moto = Moto::start();
    let (img1, img2) = (moto.seed_image(), moto.seed_image());
    let img3 = shared_out_of_band(&moto, C);
    let mut wd = Workdir::new(&common::terraform_0_12());
    // No provider_installation blocks: 0.12 predates them.
    let cli = wd.dir.path().join("empty.tfrc");
    std::fs::write(&cli, "").expect("cli config");
    wd.set_env("TF_CLI_CONFIG_FILE", &cli.display().to_string());
    let plugins = wd.dir.path().join("plugins");
    std::fs::create_dir_all(&plugins).expect("plugin dir");
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_terraform-provider-workspaces"),
        plugins.join(format!(
            "terraform-provider-workspaces_v{}",
            env!("CARGO_PKG_VERSION")
        )),
    )
    .expect("link the provider");
    wd.write_config(&body(&moto, &img1, &img2, &[B, C], &img3));
    let plugin_dir = format!("-plugin-dir={}", plugins.display());
    wd.ok(&["init", "-no-color", "-input=false", &plugin_dir]);

    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 2, "{text}");
    let out = wd.run(&["apply", "-no-color", "-input=false", "-auto-approve"]);
    let (stdout, stderr) = (plain(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("Resources: 2 added"), "{stdout}");
    assert!(stderr.contains("using plugin: version=5"), "{stderr}");
    assert_eq!(moto.shared_accounts(&img1), vec![A]);
    assert_eq!(moto.shared_accounts(&img2), vec![B, C]);

    // Plan refreshes in memory, which this build does right: no changes,
    // then the drift once a grant is revoked outside Terraform.
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 0, "{text}");
    moto.revoke(&img1, A);
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 2, "{text}");
    assert!(
        plain(text.as_bytes()).contains("workspaces_image_permission.one will be created"),
        "{text}"
    );
}
