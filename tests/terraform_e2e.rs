//! The real Terraform CLI installs, plans, applies, imports and destroys
//! `workspaces_image_permission` against a real moto WorkSpaces endpoint,
//! on Terraform 1.0.3 and the Terraform on PATH, over both protocol 5 and 6.

use crate::common;

use crate::common::{config, Moto, Terraform, Workdir};

const A: &str = "111122223333";
const B: &str = "444455556666";
const C: &str = "777788889999";

fn sorted(mut v: Vec<&str>) -> Vec<String> {
    v.sort();
    v.into_iter().map(str::to_string).collect()
}

/// The whole life of two permissions; `protocol` forces the plugin protocol
/// version the provider offers.
fn lifecycle(terraform: Terraform, protocol: &str) {
    eprintln!(
        "running the lifecycle on {} over protocol {protocol}",
        terraform.version
    );
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut wd = Workdir::new(&terraform);
    wd.set_env("TF_WORKSPACES_PROTOCOL_VERSION", protocol);
    let log = wd.dir.path().join("terraform.log");
    // go-plugin forwards plain stderr lines at DEBUG.
    wd.set_env("TF_LOG_PROVIDER", "DEBUG");
    wd.set_env("TF_LOG_PATH", &log.display().to_string());
    wd.init(&config(&moto.url, &image, &[("a", A), ("b", B)]));

    // Apply shares the image with both accounts.
    let out = wd.apply();
    assert!(out.contains("2 added"), "{out}");
    assert_eq!(moto.shared_accounts(&image), sorted(vec![A, B]));
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        log_text.contains("tls=true"),
        "Terraform's AutoMTLS should be in use"
    );
    assert!(
        log_text.contains(&format!("protocol_version={protocol}")),
        "provider did not serve protocol {protocol}; log:\n{}",
        log_text
            .lines()
            .filter(|l| l.contains("serving"))
            .collect::<Vec<_>>()
            .join("\n")
    );

    // A second plan sees nothing to do.
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 0, "expected no changes:\n{text}");

    // A permission revoked outside Terraform is drift, and apply re-grants it.
    moto.revoke(&image, B);
    assert_eq!(moto.shared_accounts(&image), sorted(vec![A]));
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 2, "expected drift to be planned:\n{text}");
    assert!(
        text.contains("workspaces_image_permission.b will be created"),
        "{text}"
    );
    wd.apply();
    assert_eq!(moto.shared_accounts(&image), sorted(vec![A, B]));

    // Changing the account replaces: the old account loses access, the new gains it.
    wd.write_config(&config(&moto.url, &image, &[("a", A), ("b", C)]));
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("must be replaced") && text.contains("forces replacement"),
        "{text}"
    );
    let out = wd.apply();
    assert!(out.contains("1 added, 0 changed, 1 destroyed"), "{out}");
    assert_eq!(moto.shared_accounts(&image), sorted(vec![A, C]));

    // Import brings an existing permission under management.
    wd.ok(&["state", "rm", "-no-color", "workspaces_image_permission.a"]);
    let id = format!("{image}/{A}");
    let out = wd.ok(&[
        "import",
        "-no-color",
        "-input=false",
        "workspaces_image_permission.a",
        &id,
    ]);
    assert!(out.contains("Import successful"), "{out}");
    let shown = wd.ok(&[
        "state",
        "show",
        "-no-color",
        "workspaces_image_permission.a",
    ]);
    assert!(
        shown.contains(&format!("\"{id}\"")) && shown.contains(&format!("\"{A}\"")),
        "{shown}"
    );
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 0, "import should leave nothing to change:\n{text}");

    // Destroy revokes everything.
    let out = wd.destroy();
    assert!(out.contains("2 destroyed"), "{out}");
    assert!(moto.shared_accounts(&image).is_empty());
}

#[test]
fn lifecycle_on_terraform_1_0_3_over_protocol_6() {
    lifecycle(common::terraform_1_0_3(), "6");
}

#[test]
fn lifecycle_on_terraform_1_0_3_over_protocol_5() {
    lifecycle(common::terraform_1_0_3(), "5");
}

#[test]
fn lifecycle_on_path_terraform_over_protocol_6() {
    lifecycle(common::terraform_on_path(), "6");
}

#[test]
fn lifecycle_on_path_terraform_over_protocol_5() {
    lifecycle(common::terraform_on_path(), "5");
}

/// Importing an account the image is not shared with fails the way
/// Terraform reports a missing object, and nothing enters state.
#[test]
fn importing_a_permission_that_does_not_exist_fails() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&config(&moto.url, &image, &[("a", A)]));
    let out = wd.run(&[
        "import",
        "-no-color",
        "-input=false",
        "workspaces_image_permission.a",
        &format!("{image}/{A}"),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("Cannot import non-existent remote object"),
        "{err}"
    );
}

/// A malformed import ID is refused with a diagnostic naming the format.
#[test]
fn importing_a_malformed_id_explains_the_format() {
    let moto = Moto::start();
    let wd = Workdir::new(&common::terraform_1_0_3());
    wd.init(&config(&moto.url, "wsi-123456789", &[("a", A)]));
    let out = wd.run(&[
        "import",
        "-no-color",
        "-input=false",
        "workspaces_image_permission.a",
        "wsi-123456789",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("Invalid import ID") && err.contains("<image_id>/<shared_account_id>"),
        "{err}"
    );
}

/// Bad IDs are caught at validate time, pointing at the attribute, before
/// any AWS call.
#[test]
fn invalid_ids_fail_validation_with_the_attribute_named() {
    for terraform in [common::terraform_1_0_3(), common::terraform_on_path()] {
        let moto = Moto::start();
        let image = moto.seed_image();
        let wd = Workdir::new(&terraform);
        wd.init(&config(&moto.url, &image, &[("a", "1234-5678-9012")]));
        let out = wd.run(&["plan", "-no-color", "-input=false"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{}", terraform.version);
        assert!(
            err.contains("Invalid AWS account ID"),
            "{}: {err}",
            terraform.version
        );
        // Terraform quotes the configuration line the attribute path leads to.
        assert!(
            err.contains("shared_account_id = \"1234-5678-9012\""),
            "{}: {err}",
            terraform.version
        );
        assert!(moto.shared_accounts(&image).is_empty());
    }
}

/// Every value real Terraform sent during a full lifecycle (configs, prior,
/// proposed and planned states, stored state JSON) decodes with our codec
/// and survives re-encoding: to the same bytes where Terraform's encoding
/// is canonical, and to the same value always.
#[test]
fn values_terraform_sends_round_trip_through_the_codec() {
    use tfws::value::{decode_json, decode_msgpack, encode_json, encode_msgpack, Type};
    for terraform in [common::terraform_1_0_3(), common::terraform_on_path()] {
        let moto = Moto::start();
        let image = moto.seed_image();
        let mut wd = Workdir::new(&terraform);
        let capture = wd.dir.path().join("capture");
        std::fs::create_dir(&capture).unwrap();
        wd.set_env(tfws::provider::CAPTURE_ENV, &capture.display().to_string());
        wd.init(&config(&moto.url, &image, &[("a", A)]));
        wd.apply();
        // A fresh plan upgrades stored state, which arrives as JSON.
        wd.ok(&["plan", "-no-color", "-input=false"]);
        wd.destroy();

        let mut checked = std::collections::BTreeMap::<String, usize>::new();
        for entry in std::fs::read_dir(&capture).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".type.json") {
                continue;
            }
            let stem = name.rsplit_once('.').unwrap().0;
            let ty = Type::from_json_bytes(
                &std::fs::read(capture.join(format!("{stem}.type.json"))).unwrap(),
            )
            .unwrap();
            let bytes = std::fs::read(&path).unwrap();
            if name.ends_with(".json") {
                let v = decode_json(&bytes, &ty).unwrap_or_else(|e| panic!("{name}: {e}"));
                let again = encode_json(&v, &ty).unwrap();
                assert_eq!(decode_json(&again, &ty).unwrap(), v, "{name}");
            } else {
                let v = decode_msgpack(&bytes, &ty).unwrap_or_else(|e| panic!("{name}: {e}"));
                let again = encode_msgpack(&v, &ty).unwrap();
                assert_eq!(decode_msgpack(&again, &ty).unwrap(), v, "{name}");
                if v.is_wholly_known() {
                    assert_eq!(again, bytes, "{name}: Terraform's bytes differ from ours");
                }
            }
            let what = stem.splitn(3, '-').nth(2).unwrap_or_default().to_string();
            *checked.entry(what).or_default() += 1;
        }
        eprintln!("{}: checked {checked:?}", terraform.version);
        for what in [
            "provider_configuration",
            "resource_configuration",
            "proposed_new_state",
            "planned_state",
            "prior_state",
            "current_state",
            "stored_state",
        ] {
            assert!(
                checked.contains_key(what),
                "{}: no {what} captured: {checked:?}",
                terraform.version
            );
        }
    }
}

/// With TF_DISABLE_PLUGIN_TLS Terraform offers no client certificate and
/// expects plaintext gRPC; the provider must follow.
#[test]
fn works_when_terraform_disables_plugin_tls() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut wd = Workdir::new(&common::terraform_on_path());
    wd.set_env("TF_DISABLE_PLUGIN_TLS", "1");
    let log = wd.dir.path().join("terraform.log");
    wd.set_env("TF_LOG_PROVIDER", "DEBUG");
    wd.set_env("TF_LOG_PATH", &log.display().to_string());
    wd.init(&config(&moto.url, &image, &[("a", A)]));
    wd.apply();
    assert_eq!(moto.shared_accounts(&image), sorted(vec![A]));
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        log_text.contains("tls=false") && !log_text.contains("tls=true"),
        "expected plaintext"
    );
    wd.destroy();
    assert!(moto.shared_accounts(&image).is_empty());
}

/// A well-formed ID of an image that does not exist fails at apply with a
/// plain "not found" pointing at image_id; moto alone would answer the
/// grant with an HTML 500.
#[test]
fn sharing_an_image_that_does_not_exist_says_so() {
    let moto = Moto::start();
    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&config(&moto.url, "wsi-000000000", &[("a", A)]));
    let out = wd.run(&["apply", "-no-color", "-input=false", "-auto-approve"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("WorkSpaces image not found"), "{err}");
    assert!(
        err.contains("image_id          = \"wsi-000000000\""),
        "{err}"
    );
    let state = wd.run(&["state", "list"]);
    assert!(
        String::from_utf8_lossy(&state.stdout).trim().is_empty(),
        "nothing may enter state"
    );
}
