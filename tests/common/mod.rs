//! Harness for tests that run the real Terraform CLI against our provider
//! binary and a real moto server. Nothing here stands in for Terraform,
//! the provider or the WorkSpaces API: each test starts its own moto,
//! seeds a real image in it, and checks results through the WorkSpaces API.
#![allow(dead_code)]

pub mod fake_workspaces;
pub mod fault_proxy;
pub mod loopback_http;
pub mod transport_faults;

use aws_sdk_workspaces::config::{BehaviorVersion, Credentials, Region};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const SOURCE: &str = "terraform.local/platform/workspaces";
pub const REGION: &str = "us-east-1";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct Tools {
    pub moto_server: PathBuf,
    pub python: PathBuf,
    pub terraform_1_0_3: PathBuf,
    /// Custom builds from PyPI's cloudrail wheels: stdout lines begin `o:`.
    pub terraform_0_15: PathBuf,
    pub terraform_0_12: PathBuf,
}

const TOOL_KEYS: [&str; 5] = [
    "TFWS_MOTO_SERVER",
    "TFWS_PYTHON",
    "TFWS_TERRAFORM_1_0_3",
    "TFWS_TERRAFORM_0_15",
    "TFWS_TERRAFORM_0_12",
];

impl Tools {
    fn from_lookup(get: impl Fn(&str) -> PathBuf) -> Tools {
        Tools {
            moto_server: get(TOOL_KEYS[0]),
            python: get(TOOL_KEYS[1]),
            terraform_1_0_3: get(TOOL_KEYS[2]),
            terraform_0_15: get(TOOL_KEYS[3]),
            terraform_0_12: get(TOOL_KEYS[4]),
        }
    }

    /// The paths tests/run.sh exported after installing and checking the
    /// tools (tests/support/env.sh), if it did and they are all there.
    fn from_env() -> Option<Tools> {
        let path = |key: &str| std::env::var_os(key).map(PathBuf::from);
        let all_there = TOOL_KEYS
            .iter()
            .all(|key| path(key).is_some_and(|p| p.is_file()));
        all_there.then(|| Tools::from_lookup(|key| path(key).expect("checked above")))
    }
}

/// Moto and the Terraform builds: the paths tests/run.sh exported, or else
/// installed (or found, cached under target/tools) by the project's own
/// script, once per test binary.
pub fn tools() -> &'static Tools {
    static TOOLS: OnceLock<Tools> = OnceLock::new();
    TOOLS.get_or_init(|| {
        if let Some(tools) = Tools::from_env() {
            return tools;
        }
        let out = Command::new("bash")
            .arg(repo().join("tests/tools.sh"))
            .stderr(Stdio::inherit())
            .output()
            .expect("running tests/tools.sh");
        assert!(
            out.status.success(),
            "tests/tools.sh failed; see its output above"
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let get = |key: &str| -> PathBuf {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{key}=")))
                .map(PathBuf::from)
                .unwrap_or_else(|| panic!("tests/tools.sh printed no {key}"))
        };
        Tools::from_lookup(get)
    })
}

/// A Terraform CLI binary and the version it reports.
#[derive(Clone, Debug)]
pub struct Terraform {
    pub path: PathBuf,
    pub version: String,
}

fn version_of(path: &Path) -> String {
    let out = Command::new(path)
        .arg("version")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("terraform version");
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or_default().trim();
    // The cloudrail builds prefix every stdout line with `o:`.
    first.strip_prefix("o:").unwrap_or(first).to_string()
}

pub fn terraform_1_0_3() -> Terraform {
    let path = tools().terraform_1_0_3.clone();
    let version = version_of(&path);
    assert_eq!(version, "Terraform v1.0.3");
    Terraform { path, version }
}

/// Terraform 0.15.0-rc2 (cloudrail's build): protocol 5 only.
pub fn terraform_0_15() -> Terraform {
    let path = tools().terraform_0_15.clone();
    let version = version_of(&path);
    assert_eq!(version, "Terraform v0.15.0-rc2");
    Terraform { path, version }
}

/// Terraform 0.12.29 (cloudrail's build): protocol 5, no source addresses.
pub fn terraform_0_12() -> Terraform {
    let path = tools().terraform_0_12.clone();
    let version = version_of(&path);
    assert_eq!(version, "Terraform v0.12.29");
    Terraform { path, version }
}

/// The `terraform` on PATH. Machines of this kind ship one (1.11.4); its
/// absence is a failure, not a reason to skip.
pub fn terraform_on_path() -> Terraform {
    let path = std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("terraform"))
                .find(|f| f.is_file())
        })
        .expect("no `terraform` on PATH; machines of this kind ship Terraform 1.11.4");
    let version = version_of(&path);
    Terraform { path, version }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A moto server of our own on 127.0.0.1, killed on drop.
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Moto {
    pub fn start() -> Moto {
        let port = free_port();
        let child = Command::new(&tools().moto_server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting moto_server");
        let url = format!("http://127.0.0.1:{port}");
        let moto = Moto { child, url };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto did not start listening on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        moto
    }

    /// Creates a real image in moto (directory, workspace, image).
    pub fn seed_image(&self) -> String {
        let out = Command::new(&tools().python)
            .arg(repo().join("tests/support/seed_image.py"))
            .args([&self.url, REGION])
            .output()
            .expect("seed_image.py");
        assert!(
            out.status.success(),
            "seeding failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn client(&self) -> aws_sdk_workspaces::Client {
        let conf = aws_sdk_workspaces::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
            .endpoint_url(&self.url)
            .build();
        aws_sdk_workspaces::Client::from_conf(conf)
    }

    /// The accounts WorkSpaces says may copy the image, sorted.
    pub fn shared_accounts(&self, image_id: &str) -> Vec<String> {
        let client = self.client();
        let mut accounts: Vec<String> = block_on(async move {
            client
                .describe_workspace_image_permissions()
                .image_id(image_id)
                .send()
                .await
        })
        .expect("DescribeWorkspaceImagePermissions")
        .image_permissions()
        .iter()
        .filter_map(|p| p.shared_account_id().map(str::to_string))
        .collect();
        accounts.sort();
        accounts
    }

    /// Revokes a permission behind Terraform's back.
    pub fn revoke(&self, image_id: &str, account: &str) {
        let client = self.client();
        block_on(async move {
            client
                .update_workspace_image_permission()
                .image_id(image_id)
                .shared_account_id(account)
                .allow_copy_image(false)
                .send()
                .await
        })
        .expect("UpdateWorkspaceImagePermission");
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Terraform wraps diagnostics at the terminal's width (78 columns when
/// not a terminal): one space for every run of white space, so a phrase
/// can be looked for whole.
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// A filesystem mirror holding our freshly built provider, shared by all
/// tests in one test binary.
fn mirror() -> &'static PathBuf {
    static MIRROR: OnceLock<PathBuf> = OnceLock::new();
    MIRROR.get_or_init(|| {
        let root = repo()
            .join("target/e2e-mirror")
            .join(std::process::id().to_string());
        let dir = root
            .join(SOURCE)
            .join("0.1.0")
            .join(format!("{}_{}", os(), arch()));
        std::fs::create_dir_all(&dir).expect("mirror dir");
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-workspaces"));
        let link = dir.join("terraform-provider-workspaces_v0.1.0");
        // A stale link of an earlier run whose process had the same PID.
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&bin, &link).expect("link provider");
        root
    })
}

fn os() -> &'static str {
    std::env::consts::OS
}

fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// A Terraform working directory with its own CLI configuration.
pub struct Workdir {
    pub dir: tempfile::TempDir,
    pub terraform: Terraform,
    pub env: Vec<(String, String)>,
}

impl Workdir {
    pub fn new(terraform: &Terraform) -> Workdir {
        let dir = tempfile::tempdir().expect("tempdir");
        let cli = dir.path().join("cli.tfrc");
        std::fs::write(
            &cli,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"terraform.local/*/*\"]\n  }}\n  direct {{\n    exclude = [\"terraform.local/*/*\"]\n  }}\n}}\n",
                mirror().display()
            ),
        )
        .expect("cli config");
        let env = vec![
            ("TF_CLI_CONFIG_FILE".to_string(), cli.display().to_string()),
            ("CHECKPOINT_DISABLE".to_string(), "1".to_string()),
            ("TF_IN_AUTOMATION".to_string(), "1".to_string()),
            ("AWS_ACCESS_KEY_ID".to_string(), "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY".to_string(), "testing".to_string()),
            ("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string()),
        ];
        Workdir {
            dir,
            terraform: terraform.clone(),
            env,
        }
    }

    pub fn unset_env(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
    }

    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
    }

    pub fn write_config(&self, hcl: &str) {
        std::fs::write(self.dir.path().join("main.tf"), hcl).expect("main.tf");
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("running terraform")
    }

    /// Terraform with `args` in this directory and environment, not started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.terraform.path);
        cmd.args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        // Only what this work directory sets reaches Terraform: nothing of
        // the developer's or CI's own AWS or Terraform environment.
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") || k.starts_with("TF_") {
                cmd.env_remove(k);
            }
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs and insists on success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{} {:?} failed ({}):\n{}\n{}",
            self.terraform.version,
            args,
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Writes the configuration and runs `terraform init`.
    pub fn init(&self, hcl: &str) {
        self.write_config(hcl);
        self.ok(&["init", "-no-color", "-input=false"]);
    }

    pub fn apply(&self) -> String {
        self.ok(&["apply", "-no-color", "-input=false", "-auto-approve"])
    }

    pub fn destroy(&self) -> String {
        self.ok(&["destroy", "-no-color", "-input=false", "-auto-approve"])
    }

    /// `terraform plan -detailed-exitcode`: 0 no changes, 2 changes.
    pub fn plan_exit_code(&self) -> (i32, String) {
        let out = self.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }
}

/// The required_providers block, the given provider block, and one
/// permission resource per (name, account).
fn render(provider_block: &str, image_id: &str, grants: &[(&str, &str)]) -> String {
    let mut hcl = format!(
        "terraform {{\n  required_providers {{\n    workspaces = {{ source = \"{SOURCE}\" }}\n  }}\n}}\n\n{provider_block}\n"
    );
    for (name, account) in grants {
        hcl.push_str(&format!(
            "\nresource \"workspaces_image_permission\" \"{name}\" {{\n  image_id          = \"{image_id}\"\n  shared_account_id = \"{account}\"\n}}\n"
        ));
    }
    hcl
}

/// A configuration whose provider block is given verbatim, sharing the
/// image with one account as `workspaces_image_permission.a`.
pub fn config_with_provider(provider_block: &str, image_id: &str, account: &str) -> String {
    render(provider_block, image_id, &[("a", account)])
}

/// Provider block for moto, plus one permission resource per (name, account).
/// STS goes to the same endpoint: the provider checks its credentials with
/// GetCallerIdentity when configured, and moto serves STS too.
pub fn config(endpoint: &str, image_id: &str, grants: &[(&str, &str)]) -> String {
    let provider = format!(
        "provider \"workspaces\" {{\n  region = \"{REGION}\"\n  endpoints {{\n    workspaces = \"{endpoint}\"\n    sts        = \"{endpoint}\"\n  }}\n}}"
    );
    render(&provider, image_id, grants)
}
