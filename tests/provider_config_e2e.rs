//! Where the provider finds its Region, endpoint and credentials, checked
//! with real Terraform: the standard AWS environment variables, named
//! profiles in shared config files, and a clear error when no Region is
//! set anywhere.

mod common;

use common::{config_with_provider, Moto, Workdir};

const ACCOUNT: &str = "111122223333";

#[test]
fn region_and_endpoint_come_from_the_aws_environment() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut wd = Workdir::new(&common::terraform_on_path());
    wd.set_env("AWS_REGION", common::REGION);
    wd.set_env("AWS_ENDPOINT_URL_WORKSPACES", &moto.url);
    wd.init(&config_with_provider(
        r#"provider "workspaces" {}"#,
        &image,
        ACCOUNT,
    ));
    wd.apply();
    assert_eq!(moto.shared_accounts(&image), vec![ACCOUNT]);
}

#[test]
fn a_named_profile_supplies_region_and_credentials() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut wd = Workdir::new(&common::terraform_1_0_3());
    let config = wd.dir.path().join("aws-config");
    let credentials = wd.dir.path().join("aws-credentials");
    std::fs::write(
        &config,
        format!("[profile images]\nregion = {}\n", common::REGION),
    )
    .unwrap();
    std::fs::write(
        &credentials,
        "[images]\naws_access_key_id = profilekey\naws_secret_access_key = profilesecret\n",
    )
    .unwrap();
    wd.unset_env("AWS_ACCESS_KEY_ID");
    wd.unset_env("AWS_SECRET_ACCESS_KEY");
    wd.set_env("AWS_CONFIG_FILE", &config.display().to_string());
    wd.set_env(
        "AWS_SHARED_CREDENTIALS_FILE",
        &credentials.display().to_string(),
    );
    let provider = format!(
        "provider \"workspaces\" {{\n  profile = \"images\"\n  endpoints {{\n    workspaces = \"{}\"\n  }}\n}}",
        moto.url
    );
    wd.init(&config_with_provider(&provider, &image, ACCOUNT));
    wd.apply();
    assert_eq!(moto.shared_accounts(&image), vec![ACCOUNT]);
}

#[test]
fn no_region_anywhere_is_a_clear_error() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut wd = Workdir::new(&common::terraform_on_path());
    // An empty config file, so no profile on this machine can supply one.
    let empty = wd.dir.path().join("empty-aws-config");
    std::fs::write(&empty, "").unwrap();
    wd.set_env("AWS_CONFIG_FILE", &empty.display().to_string());
    let provider = format!(
        "provider \"workspaces\" {{\n  endpoints {{\n    workspaces = \"{}\"\n  }}\n}}",
        moto.url
    );
    wd.init(&config_with_provider(&provider, &image, ACCOUNT));
    let out = wd.run(&["apply", "-no-color", "-input=false", "-auto-approve"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("no AWS Region is configured"), "{err}");
    assert!(moto.shared_accounts(&image).is_empty());
}

#[test]
fn invalid_provider_arguments_are_rejected_at_validate() {
    let wd = Workdir::new(&common::terraform_on_path());
    let provider = "provider \"workspaces\" {\n  region = \"Frankfurt\"\n  endpoints {\n    workspaces = \"localhost:5000\"\n  }\n}";
    wd.init(&config_with_provider(provider, "wsi-123456789", ACCOUNT));
    let out = wd.run(&["validate", "-no-color"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("Invalid AWS Region") && err.contains("region = \"Frankfurt\""),
        "{err}"
    );
    assert!(
        err.contains("Invalid endpoint URL") && err.contains("workspaces = \"localhost:5000\""),
        "{err}"
    );
}

#[test]
fn missing_credentials_fail_provider_configuration_clearly() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut wd = Workdir::new(&common::terraform_on_path());
    wd.unset_env("AWS_ACCESS_KEY_ID");
    wd.unset_env("AWS_SECRET_ACCESS_KEY");
    wd.set_env("AWS_CONFIG_FILE", "/nonexistent/config");
    wd.set_env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
    let provider = format!(
        "provider \"workspaces\" {{\n  region = \"{}\"\n  endpoints {{\n    workspaces = \"{}\"\n  }}\n}}",
        common::REGION,
        moto.url
    );
    wd.init(&config_with_provider(&provider, &image, ACCOUNT));
    let out = wd.run(&["plan", "-no-color", "-input=false"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("No valid credential sources found"), "{err}");
}
