//! The `workspaces_image_permissions` data source through the real
//! Terraform CLI against a real moto WorkSpaces endpoint, on Terraform 1.0.3
//! and the Terraform on PATH, over both protocol 5 and 6; and its AWS error
//! reporting through the real SDK against a loopback server of our own.

use crate::common;

use crate::common::loopback_http::{LoopbackAws, Scripted};
use crate::common::{config, Moto, Terraform, Workdir};
use serde_json::Value as Json;
use tfws::datasources::image_permissions::ImagePermissions;
use tfws::datasources::DataSource;
use tfws::resources::Context;
use tfws::value::Value;

const A: &str = "111122223333";
const B: &str = "444455556666";
const C: &str = "777788889999";
/// The account moto runs as, and so the owner of every image it creates.
const MOTO_ACCOUNT: &str = "123456789012";

/// The data source reading `image_id`, waiting for the given resources,
/// and the whole of it as output `image`.
fn data_source(image_id: &str, depends_on: &[&str]) -> String {
    format!(
        "\ndata \"workspaces_image_permissions\" \"x\" {{\n  image_id   = \"{image_id}\"\n  depends_on = [{}]\n}}\n\noutput \"image\" {{\n  value = data.workspaces_image_permissions.x\n}}\n",
        depends_on.join(", ")
    )
}

/// The `image` output, as `terraform output -json` prints it.
fn image_output(wd: &Workdir) -> Json {
    let text = wd.ok(&["output", "-json", "image"]);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn accounts(out: &Json) -> Vec<String> {
    let mut ids: Vec<String> = out["shared_account_ids"]
        .as_array()
        .unwrap_or_else(|| panic!("shared_account_ids is not a list: {out}"))
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// The image's name as moto reports it (the seed script picks a random one).
fn image_name(moto: &Moto, image_id: &str) -> String {
    let client = moto.client();
    let out = common::block_on(async move {
        client
            .describe_workspace_images()
            .image_ids(image_id)
            .send()
            .await
    })
    .expect("DescribeWorkspaceImages");
    out.images()[0].name().expect("name").to_string()
}

/// Shares the image behind Terraform's back.
fn grant_outside_terraform(moto: &Moto, image_id: &str, account: &str) {
    let client = moto.client();
    common::block_on(async move {
        client
            .update_workspace_image_permission()
            .image_id(image_id)
            .shared_account_id(account)
            .allow_copy_image(true)
            .send()
            .await
    })
    .expect("UpdateWorkspaceImagePermission");
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Shares an image with two accounts through resources and reads it back
/// with the data source; then finds a third account granted outside
/// Terraform. `protocol` forces the plugin protocol version.
fn reads_who_may_copy_the_image(terraform: Terraform, protocol: &str) {
    eprintln!(
        "reading the data source on {} over protocol {protocol}",
        terraform.version
    );
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut wd = Workdir::new(&terraform);
    wd.set_env("TF_WORKSPACES_PROTOCOL_VERSION", protocol);
    let log = wd.dir.path().join("terraform.log");
    wd.set_env("TF_LOG_PROVIDER", "DEBUG");
    wd.set_env("TF_LOG_PATH", &log.display().to_string());
    let hcl = config(&moto.url, &image, &[("a", A), ("b", B)])
        + &data_source(
            &image,
            &[
                "workspaces_image_permission.a",
                "workspaces_image_permission.b",
            ],
        );
    wd.init(&hcl);

    // depends_on defers the read to apply, after both grants.
    wd.apply();
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        log_text.contains(&format!("protocol_version={protocol}")),
        "provider did not serve protocol {protocol}"
    );
    let out = image_output(&wd);
    assert_eq!(accounts(&out), sorted(&[A, B]), "{out}");
    assert_eq!(out["id"], Json::from(image.as_str()), "{out}");
    assert_eq!(out["image_id"], Json::from(image.as_str()), "{out}");
    assert_eq!(out["name"], Json::from(image_name(&moto, &image)), "{out}");
    assert_eq!(out["description"], Json::from("golden image"), "{out}");
    assert_eq!(out["owner_account_id"], Json::from(MOTO_ACCOUNT), "{out}");
    assert_eq!(out["state"], Json::from("AVAILABLE"), "{out}");
    assert_eq!(out["required_tenancy"], Json::from("DEFAULT"), "{out}");

    // Nothing pending: the data source is read at plan time, and it is
    // stable, so there is nothing to change.
    let (code, text) = wd.plan_exit_code();
    assert_eq!(code, 0, "expected no changes:\n{text}");

    // A permission granted outside Terraform shows up on the next read.
    grant_outside_terraform(&moto, &image, C);
    wd.apply();
    assert_eq!(accounts(&image_output(&wd)), sorted(&[A, B, C]));

    wd.destroy();
    assert_eq!(moto.shared_accounts(&image), sorted(&[C]));
}

#[test]
fn data_source_on_terraform_1_0_3_over_protocol_6() {
    reads_who_may_copy_the_image(common::terraform_1_0_3(), "6");
}

#[test]
fn data_source_on_terraform_1_0_3_over_protocol_5() {
    reads_who_may_copy_the_image(common::terraform_1_0_3(), "5");
}

#[test]
fn data_source_on_path_terraform_over_protocol_6() {
    reads_who_may_copy_the_image(common::terraform_on_path(), "6");
}

#[test]
fn data_source_on_path_terraform_over_protocol_5() {
    reads_who_may_copy_the_image(common::terraform_on_path(), "5");
}

/// An image shared with no one reads as an empty set, not null.
#[test]
fn an_image_shared_with_no_one_has_no_accounts() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let wd = Workdir::new(&common::terraform_on_path());
    wd.init(&(config(&moto.url, &image, &[]) + &data_source(&image, &[])));
    wd.apply();
    let out = image_output(&wd);
    assert_eq!(out["shared_account_ids"], serde_json::json!([]), "{out}");
}

/// A well-formed ID of an image that does not exist fails the plan, naming
/// the image and pointing at `image_id`.
#[test]
fn an_image_that_does_not_exist_fails_naming_it() {
    for (terraform, protocol) in [
        (common::terraform_1_0_3(), "5"),
        (common::terraform_on_path(), "6"),
    ] {
        let moto = Moto::start();
        let mut wd = Workdir::new(&terraform);
        wd.set_env("TF_WORKSPACES_PROTOCOL_VERSION", protocol);
        wd.init(&(config(&moto.url, "wsi-000000000", &[]) + &data_source("wsi-000000000", &[])));
        let out = wd.run(&["plan", "-no-color", "-input=false"]);
        let err = stderr_of(&out);
        let v = &terraform.version;
        assert!(!out.status.success(), "{v}");
        assert!(err.contains("WorkSpaces image not found"), "{v}: {err}");
        assert!(
            err.contains("There is no image wsi-000000000"),
            "{v}: {err}"
        );
        // Terraform quotes the configuration line the attribute path leads to.
        assert!(err.contains("image_id   = \"wsi-000000000\""), "{v}: {err}");
    }
}

/// A malformed image ID fails at validation, before the provider is even
/// configured, with the attribute named; `plan` fails the same way.
#[test]
fn a_malformed_image_id_fails_validation_with_the_attribute_named() {
    for (terraform, protocol) in [
        (common::terraform_1_0_3(), "6"),
        (common::terraform_on_path(), "5"),
    ] {
        let moto = Moto::start();
        let mut wd = Workdir::new(&terraform);
        wd.set_env("TF_WORKSPACES_PROTOCOL_VERSION", protocol);
        wd.init(&(config(&moto.url, "wsi-BAD", &[]) + &data_source("wsi-BAD", &[])));
        for command in ["validate", "plan"] {
            let out = wd.run(&[command, "-no-color"]);
            let err = stderr_of(&out);
            let v = &terraform.version;
            assert!(!out.status.success(), "{v} {command}");
            assert!(
                err.contains("Invalid WorkSpaces image ID"),
                "{v} {command}: {err}"
            );
            assert!(
                err.contains("image_id   = \"wsi-BAD\""),
                "{v} {command}: {err}"
            );
        }
    }
}

/// examples/data-source runs as documented, against moto.
#[test]
fn the_data_source_example_runs() {
    let moto = Moto::start();
    let image = moto.seed_image();
    grant_outside_terraform(&moto, &image, B);
    grant_outside_terraform(&moto, &image, A);
    let wd = Workdir::new(&common::terraform_on_path());
    let example = std::fs::read_to_string(common::repo().join("examples/data-source/main.tf"))
        .expect("examples/data-source/main.tf");
    wd.init(&example);
    wd.ok(&[
        "apply",
        "-no-color",
        "-input=false",
        "-auto-approve",
        &format!("-var=image_id={image}"),
        &format!("-var=workspaces_endpoint={}", moto.url),
    ]);
    let shared: Json =
        serde_json::from_str(&wd.ok(&["output", "-json", "shared_with"])).expect("shared_with");
    assert_eq!(shared, serde_json::json!([A, B]));
    let out: Json = serde_json::from_str(&wd.ok(&["output", "-json", "image"])).expect("image");
    assert_eq!(out["owner_account_id"], Json::from(MOTO_ACCOUNT), "{out}");
    assert_eq!(out["state"], Json::from("AVAILABLE"), "{out}");
}

/// A WorkSpaces client calling the loopback server.
fn loopback_context(server: &LoopbackAws) -> Context {
    use aws_sdk_workspaces::config::{BehaviorVersion, Credentials, Region};
    let conf = aws_sdk_workspaces::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(common::REGION))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .endpoint_url(&server.url)
        .build();
    Context::new(tfws::aws::Workspaces::new(
        aws_sdk_workspaces::Client::from_conf(conf),
    ))
}

fn read_config(image_id: &str) -> Value {
    let schema = ImagePermissions.schema();
    Value::object(schema.block.attributes.iter().map(|a| {
        let v = if a.name == "image_id" {
            Value::string(image_id)
        } else {
            Value::Null
        };
        (a.name, v)
    }))
}

/// AWS refusing a call is reported with what the data source was doing
/// and the AWS error's operation, code, message and request ID.
#[tokio::test]
async fn aws_errors_name_the_read_and_the_aws_error() {
    let image = "wsi-123456789";
    let server = LoopbackAws::start(vec![
        Scripted::ok(
            &serde_json::json!({"Images": [{"ImageId": image, "Name": "golden", "State": "AVAILABLE"}]})
                .to_string(),
        ),
        Scripted::error(
            400,
            "AccessDeniedException",
            "User is not authorized to perform workspaces:DescribeWorkspaceImagePermissions",
            "ds-request-id",
        ),
    ]);
    let diags = ImagePermissions
        .read(&loopback_context(&server), &read_config(image))
        .await
        .expect_err("access denied");
    let d = diags.iter().next().expect("a diagnostic");
    assert_eq!(
        d.summary,
        format!("reading WorkSpaces Image Permissions ({image})")
    );
    for part in [
        "DescribeWorkspaceImagePermissions",
        "StatusCode: 400",
        "RequestID: ds-request-id",
        "AccessDeniedException: User is not authorized",
    ] {
        assert!(
            d.detail.contains(part),
            "{part:?} missing from {:?}",
            d.detail
        );
    }
    assert_eq!(
        server.targets(),
        vec![
            "DescribeWorkspaceImages",
            "DescribeWorkspaceImagePermissions"
        ]
    );
}

/// Every page of permissions is read, not only the first.
#[tokio::test]
async fn every_page_of_permissions_is_read() {
    let image = "wsi-123456789";
    let page = |accounts: &[&str], next: Option<&str>| {
        let perms: Vec<_> = accounts
            .iter()
            .map(|a| serde_json::json!({"SharedAccountId": a}))
            .collect();
        let mut body = serde_json::json!({"ImageId": image, "ImagePermissions": perms});
        if let Some(t) = next {
            body["NextToken"] = t.into();
        }
        Scripted::ok(&body.to_string())
    };
    let server = LoopbackAws::start(vec![
        Scripted::ok(
            &serde_json::json!({"Images": [{"ImageId": image, "OwnerAccountId": MOTO_ACCOUNT}]})
                .to_string(),
        ),
        page(&[A], Some("page-2")),
        page(&[B, C], None),
    ]);
    let state = ImagePermissions
        .read(&loopback_context(&server), &read_config(image))
        .await
        .expect("read");
    assert_eq!(
        state.attr("shared_account_ids"),
        Some(&Value::Set(vec![
            Value::string(A),
            Value::string(B),
            Value::string(C)
        ]))
    );
    assert_eq!(state.attr("name"), Some(&Value::Null));
    assert_eq!(
        state.attr("owner_account_id"),
        Some(&Value::string(MOTO_ACCOUNT))
    );
}

/// A missing image is found out before permissions are asked for: some
/// endpoints answer that question for a missing image with an empty list.
#[tokio::test]
async fn a_missing_image_is_an_error_on_image_id() {
    let server = LoopbackAws::start(vec![Scripted::ok(r#"{"Images": []}"#)]);
    let diags = ImagePermissions
        .read(&loopback_context(&server), &read_config("wsi-000000000"))
        .await
        .expect_err("not found");
    let d = diags.iter().next().expect("a diagnostic");
    assert_eq!(d.summary, "WorkSpaces image not found");
    assert!(d.detail.contains("wsi-000000000"), "{}", d.detail);
    assert_eq!(
        d.attribute.as_ref().map(|p| p.to_string()).as_deref(),
        Some("image_id")
    );
    assert_eq!(server.targets(), vec!["DescribeWorkspaceImages"]);
}
