//! Where the provider finds its Region, endpoint and credentials, checked
//! with real Terraform against moto (WorkSpaces and STS): the standard AWS
//! environment variables, named profiles in shared config files, static
//! keys in the block, an assumed role, the STS credential check and the
//! account guards, and argument errors shown at the attribute.

use crate::common;

use crate::common::loopback_http::{LoopbackAws, Scripted};
use crate::common::{config_with_provider, Moto, Workdir};

const ACCOUNT: &str = "111122223333";
/// The account moto gives any static keys.
const MOTO_ACCOUNT: &str = "123456789012";
/// An account reached only by assuming a role in it.
const ROLE_ACCOUNT: &str = "210987654321";

/// A provider block for moto with `extra` arguments inside it.
fn provider(moto_url: &str, extra: &str) -> String {
    format!(
        "provider \"workspaces\" {{\n  region = \"{}\"\n{extra}\n  endpoints {{\n    workspaces = \"{moto_url}\"\n    sts        = \"{moto_url}\"\n  }}\n}}",
        common::REGION
    )
}

/// Output and error text of a Terraform run, and whether it succeeded.
fn run_text(wd: &Workdir, args: &[&str]) -> (bool, String) {
    let out = wd.run(args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn plan(wd: &Workdir) -> (bool, String) {
    run_text(wd, &["plan", "-no-color", "-input=false"])
}

#[test]
fn region_and_endpoint_come_from_the_aws_environment() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut wd = Workdir::new(&common::terraform_on_path());
    wd.set_env("AWS_REGION", common::REGION);
    wd.set_env("AWS_ENDPOINT_URL_WORKSPACES", &moto.url);
    // The credential check goes to STS: AWS_ENDPOINT_URL_STS sends it to moto.
    wd.set_env("AWS_ENDPOINT_URL_STS", &moto.url);
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
        "provider \"workspaces\" {{\n  profile = \"images\"\n  endpoints {{\n    workspaces = \"{0}\"\n    sts        = \"{0}\"\n  }}\n}}",
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

#[test]
fn static_keys_in_the_block_work_with_no_aws_environment() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut wd = Workdir::new(&common::terraform_1_0_3());
    wd.unset_env("AWS_ACCESS_KEY_ID");
    wd.unset_env("AWS_SECRET_ACCESS_KEY");
    wd.set_env("AWS_CONFIG_FILE", "/nonexistent/config");
    wd.set_env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
    let block = provider(
        &moto.url,
        "  access_key = \"blockkey\"\n  secret_key = \"blocksecret\"\n  token      = \"blocktoken\"",
    );
    wd.init(&config_with_provider(&block, &image, ACCOUNT));
    wd.apply();
    assert_eq!(moto.shared_accounts(&image), vec![ACCOUNT]);
    // Terraform is told the keys are sensitive, so it never shows them.
    let schema: serde_json::Value =
        serde_json::from_str(&wd.ok(&["providers", "schema", "-json"])).expect("schema JSON");
    let attrs = &schema["provider_schemas"][common::SOURCE]["provider"]["block"]["attributes"];
    for key in ["access_key", "secret_key", "token"] {
        assert_eq!(attrs[key]["sensitive"], true, "{key}: {attrs}");
    }
}

#[test]
fn shared_files_listed_in_the_block_supply_the_profile() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut wd = Workdir::new(&common::terraform_on_path());
    let config = wd.dir.path().join("my-config");
    let credentials = wd.dir.path().join("my-credentials");
    std::fs::write(
        &config,
        format!("[profile images]\nregion = {}\n", common::REGION),
    )
    .unwrap();
    std::fs::write(
        &credentials,
        "[images]\naws_access_key_id = filekey\naws_secret_access_key = filesecret\n",
    )
    .unwrap();
    wd.unset_env("AWS_ACCESS_KEY_ID");
    wd.unset_env("AWS_SECRET_ACCESS_KEY");
    // The environment's files hold nothing: only the block's lists can work.
    wd.set_env("AWS_CONFIG_FILE", "/nonexistent/config");
    wd.set_env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
    let block = format!(
        "provider \"workspaces\" {{\n  profile                  = \"images\"\n  shared_config_files      = [\"{config}\"]\n  shared_credentials_files = [\"{credentials}\"]\n  endpoints {{\n    workspaces = \"{url}\"\n    sts        = \"{url}\"\n  }}\n}}",
        config = config.display(),
        credentials = credentials.display(),
        url = moto.url,
    );
    wd.init(&config_with_provider(&block, &image, ACCOUNT));
    wd.apply();
    assert_eq!(moto.shared_accounts(&image), vec![ACCOUNT]);
}

/// Seeds an image as `account`: seed_image.py with moto's per-request
/// account header added to every call it makes.
fn seed_image_as(moto: &Moto, account: &str) -> String {
    let script = format!(
        "import boto3, runpy, sys\n\
         def as_account(request, **kwargs):\n    request.headers['x-moto-account-id'] = '{account}'\n\
         boto3.setup_default_session()\n\
         boto3.DEFAULT_SESSION.events.register('before-send', as_account)\n\
         sys.argv = ['seed_image.py', sys.argv[1], sys.argv[2]]\n\
         runpy.run_path({path:?}, run_name='__main__')\n",
        path = common::repo().join("tests/support/seed_image.py").display().to_string(),
    );
    let out = std::process::Command::new(&common::tools().python)
        .args(["-c", &script, &moto.url, common::REGION])
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "seeding as {account} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The accounts that may copy `image` as `role_arn`'s account sees them.
fn shared_accounts_as_role(moto: &Moto, role_arn: &str, image: &str) -> Vec<String> {
    common::block_on(async {
        let base = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_types::region::Region::new(common::REGION))
            .credentials_provider(aws_credential_types::Credentials::new(
                "testing", "testing", None, None, "tests",
            ))
            .endpoint_url(&moto.url)
            .load()
            .await;
        let role = aws_config::sts::AssumeRoleProvider::builder(role_arn)
            .session_name("tests")
            .configure(&base)
            .build()
            .await;
        let conf = aws_sdk_workspaces::config::Builder::from(&base)
            .credentials_provider(role)
            .build();
        let out = aws_sdk_workspaces::Client::from_conf(conf)
            .describe_workspace_image_permissions()
            .image_id(image)
            .send()
            .await
            .expect("DescribeWorkspaceImagePermissions as the role");
        let mut accounts: Vec<String> = out
            .image_permissions()
            .iter()
            .filter_map(|p| p.shared_account_id().map(str::to_string))
            .collect();
        accounts.sort();
        accounts
    })
}

#[test]
fn assume_role_acts_as_the_roles_account() {
    let moto = Moto::start();
    // The image exists only in the role's account.
    let image = seed_image_as(&moto, ROLE_ACCOUNT);
    let role_arn = format!("arn:aws:iam::{ROLE_ACCOUNT}:role/x");
    let wd = Workdir::new(&common::terraform_on_path());
    // Without the role, the provider is moto's default account, which has
    // no such image: this is what the role changes.
    wd.init(&config_with_provider(
        &provider(&moto.url, ""),
        &image,
        ACCOUNT,
    ));
    let (ok, text) = run_text(
        &wd,
        &["apply", "-no-color", "-input=false", "-auto-approve"],
    );
    assert!(!ok && text.contains("image not found"), "{text}");

    let with_role = provider(
        &moto.url,
        &format!(
            "  allowed_account_ids = [\"{ROLE_ACCOUNT}\"]\n  assume_role {{\n    role_arn     = \"{role_arn}\"\n    session_name = \"terraform\"\n    external_id  = \"ext-1\"\n    duration     = \"1h\"\n  }}"
        ),
    );
    wd.write_config(&config_with_provider(&with_role, &image, ACCOUNT));
    wd.apply();
    assert_eq!(
        shared_accounts_as_role(&moto, &role_arn, &image),
        vec![ACCOUNT]
    );
    wd.destroy();
    assert!(shared_accounts_as_role(&moto, &role_arn, &image).is_empty());
}

#[test]
fn account_guards_check_the_credentials_account() {
    let moto = Moto::start();
    // Plan checks the image exists, so a passing plan needs a real one.
    let image = moto.seed_image();
    let wd = Workdir::new(&common::terraform_on_path());
    // (extra provider arguments, whether plan succeeds)
    let cases = [
        (
            format!("  allowed_account_ids = [\"{MOTO_ACCOUNT}\"]"),
            true,
        ),
        (
            "  allowed_account_ids = [\"999999999999\"]".to_string(),
            false,
        ),
        (
            "  forbidden_account_ids = [\"999999999999\"]".to_string(),
            true,
        ),
        (
            format!("  forbidden_account_ids = [\"{MOTO_ACCOUNT}\"]"),
            false,
        ),
        // skip_credentials_validation cannot switch the account check off.
        (
            "  skip_credentials_validation = true\n  allowed_account_ids = [\"999999999999\"]"
                .to_string(),
            false,
        ),
    ];
    let mut initialized = false;
    for (extra, passes) in cases {
        let hcl = config_with_provider(&provider(&moto.url, &extra), &image, ACCOUNT);
        if initialized {
            wd.write_config(&hcl);
        } else {
            wd.init(&hcl);
            initialized = true;
        }
        let (ok, text) = plan(&wd);
        assert_eq!(ok, passes, "{extra}:\n{text}");
        if !passes {
            assert!(
                text.contains(&format!("AWS account ID not allowed: {MOTO_ACCOUNT}")),
                "{extra}:\n{text}"
            );
        }
    }
}

#[test]
fn credentials_sts_rejects_fail_configuration_unless_skipped() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let rejecting = LoopbackAws::start(vec![Scripted {
        status: 403,
        body: "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
               <Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message>\
               </Error><RequestId>r-sts</RequestId></ErrorResponse>"
            .to_string(),
        request_id: "r-sts",
    }]);
    let wd = Workdir::new(&common::terraform_1_0_3());
    let block = |extra: &str| {
        format!(
            "provider \"workspaces\" {{\n  region = \"{}\"\n{extra}\n  endpoints {{\n    workspaces = \"{}\"\n    sts        = \"{}\"\n  }}\n}}",
            common::REGION,
            moto.url,
            rejecting.url
        )
    };
    wd.init(&config_with_provider(&block(""), &image, ACCOUNT));
    let (ok, text) = plan(&wd);
    assert!(!ok, "{text}");
    assert!(
        text.contains("validating provider credentials") && text.contains("InvalidClientTokenId"),
        "{text}"
    );
    assert_eq!(rejecting.targets().len(), 1, "one GetCallerIdentity");

    wd.write_config(&config_with_provider(
        &block("  skip_credentials_validation = true"),
        &image,
        ACCOUNT,
    ));
    let (ok, text) = plan(&wd);
    assert!(ok, "{text}");
    assert_eq!(rejecting.targets().len(), 1, "no STS call when skipped");
}

#[test]
fn bad_arguments_fail_plan_at_their_attribute() {
    for terraform in [common::terraform_1_0_3(), common::terraform_on_path()] {
        let wd = Workdir::new(&terraform);
        let block = "provider \"workspaces\" {\n  region      = \"us-east-1\"\n  retry_mode  = \"sometimes\"\n  max_retries = -1\n  allowed_shared_account_ids = [\"111122223333\", \"1234-5678\"]\n  access_key  = \"AKIDONLY\"\n  assume_role {\n    role_arn = \"arn:aws:iam::210987654321:role/x\"\n    duration = \"5m\"\n  }\n}";
        wd.init(&config_with_provider(block, "wsi-123456789", ACCOUNT));
        let (ok, text) = plan(&wd);
        let v = &terraform.version;
        assert!(!ok, "{v}: {text}");
        // Terraform quotes the offending line of each attribute it is told.
        for (summary, line) in [
            ("Invalid retry mode", "retry_mode  = \"sometimes\""),
            ("Invalid max_retries", "max_retries = -1"),
            (
                "Invalid AWS account ID",
                "allowed_shared_account_ids = [\"111122223333\", \"1234-5678\"]",
            ),
            (
                "Incomplete static credentials",
                "access_key  = \"AKIDONLY\"",
            ),
            ("Invalid duration", "duration = \"5m\""),
        ] {
            let at = text
                .find(summary)
                .unwrap_or_else(|| panic!("{v}: no {summary:?} in:\n{text}"));
            let next = text[at + 1..]
                .find("Error: ")
                .map_or(text.len(), |n| at + 1 + n);
            assert!(
                text[at..next].contains(line),
                "{v}: {summary:?} does not show {line:?}:\n{text}"
            );
        }
        assert!(
            text.contains("\"1234-5678\" is not an AWS account ID"),
            "{v}: {text}"
        );
    }
}
