//! The release artifacts, installed the way users install a provider: no
//! dev_overrides, `terraform init` from a filesystem mirror holding the zip
//! (packed layout) and `terraform providers lock -fs-mirror`; then apply,
//! plan and destroy against moto, with our INFO lines in Terraform's log.
//!
//! Terraform records a `zh:` hash (of the zip itself, what SHA256SUMS
//! lists) only from a registry whose SHA256SUMS carries a GPG signature it
//! verified; from a filesystem mirror, and from a network mirror even when
//! its metadata lists the `zh:` hash, it records only `h1:` (a hash of the
//! zip's contents). So the lock file's `h1:` is checked against one
//! computed here from the release zip, through both kinds of mirror (the
//! network one over HTTPS, with the SHA256SUMS hash in its metadata).
//!
//! `scripts/release.sh --binary` packages the debug build (stripped, to
//! keep the zip small): the release build itself is the demo's job.

use crate::common;

use crate::common::{Moto, Workdir, SOURCE};
use std::path::Path;
use std::process::Command;

const NAME: &str = "terraform-provider-workspaces";
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn release_into(out: &Path) {
    let binary = out.join("build").join(NAME);
    std::fs::create_dir_all(binary.parent().expect("parent")).expect("build dir");
    std::fs::copy(env!("CARGO_BIN_EXE_terraform-provider-workspaces"), &binary).expect("copy");
    let strip = Command::new("strip").arg(&binary).status().expect("strip");
    assert!(strip.success());
    let out_dir = out.join("dist");
    let run = Command::new("bash")
        .arg(common::repo().join("scripts/release.sh"))
        .args([
            "--binary".as_ref(),
            binary.as_os_str(),
            "--out".as_ref(),
            out_dir.as_os_str(),
        ])
        .output()
        .expect("release.sh");
    assert!(
        run.status.success(),
        "release.sh failed:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn the_release_installs_from_a_filesystem_mirror_and_locks_its_hash() {
    let scratch = tempfile::tempdir().expect("scratch");
    release_into(scratch.path());
    let dist = scratch.path().join("dist");
    let zip_name = format!("{NAME}_{VERSION}_linux_amd64.zip");

    // The artifacts, as the Registry reads them.
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dist.join(format!("{NAME}_{VERSION}_manifest.json"))).expect("manifest"),
    )
    .expect("manifest JSON");
    assert_eq!(manifest["version"], 1);
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["6.0", "5.0"])
    );
    let sums = std::fs::read_to_string(dist.join(format!("{NAME}_{VERSION}_SHA256SUMS")))
        .expect("SHA256SUMS");
    let zip_sum = sums
        .lines()
        .find_map(|l| l.strip_suffix(&format!("  {zip_name}")))
        .unwrap_or_else(|| panic!("no entry for {zip_name} in:\n{sums}"))
        .to_string();
    let actual = Command::new("sha256sum")
        .arg(dist.join(&zip_name))
        .output()
        .expect("sha256sum");
    let actual = String::from_utf8_lossy(&actual.stdout);
    assert_eq!(
        actual.split_whitespace().next(),
        Some(zip_sum.as_str()),
        "{sums}"
    );

    // A packed-layout mirror: HOSTNAME/NAMESPACE/TYPE/<the zip>.
    let mirror = scratch.path().join("mirror");
    let packed = mirror.join(SOURCE);
    std::fs::create_dir_all(&packed).expect("mirror dir");
    std::fs::copy(dist.join(&zip_name), packed.join(&zip_name)).expect("copy zip");

    let moto = Moto::start();
    let image = moto.seed_image();
    let mut wd = Workdir::new(&common::terraform_on_path());
    // The user's CLI configuration: a filesystem mirror, nothing else.
    let cli = wd.dir.path().join("release.tfrc");
    std::fs::write(
        &cli,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"terraform.local/*/*\"]\n  }}\n  direct {{\n    exclude = [\"terraform.local/*/*\"]\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .expect("cli config");
    wd.set_env("TF_CLI_CONFIG_FILE", &cli.display().to_string());
    let mut config = common::config(&moto.url, &image, &[("a", "111122223333")]);
    config = config.replacen(
        &format!("source = \"{SOURCE}\""),
        &format!("source = \"{SOURCE}\"\n      version = \"{VERSION}\""),
        1,
    );
    wd.init(&config);
    let installed = wd
        .dir
        .path()
        .join(".terraform/providers")
        .join(SOURCE)
        .join(VERSION)
        .join("linux_amd64")
        .join(format!("{NAME}_v{VERSION}"));
    assert!(
        installed.is_file(),
        "init did not unpack {}",
        installed.display()
    );

    wd.ok(&[
        "providers",
        "lock",
        &format!("-fs-mirror={}", mirror.display()),
        "-platform=linux_amd64",
        SOURCE,
    ]);
    let lock = std::fs::read_to_string(wd.dir.path().join(".terraform.lock.hcl")).expect("lock");
    let h1 = h1_of_zip(&dist.join(&zip_name));
    assert!(
        lock.contains(&format!("\"{h1}\"")),
        "the lock file's h1: hash is not that of the zip ({h1}):\n{lock}"
    );
    assert!(
        lock.contains(&format!("version     = \"{VERSION}\"")),
        "{lock}"
    );

    // The installed provider works, and shows our INFO lines.
    let log = wd.dir.path().join("tf.log");
    wd.set_env("TF_LOG", "INFO");
    wd.set_env("TF_LOG_PATH", &log.display().to_string());
    wd.apply();
    assert_eq!(moto.shared_accounts(&image), vec!["111122223333"]);
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(
        text.lines().any(|l| l.contains("[INFO]")
            && l.contains(&format!("provider.{NAME}_v{VERSION}"))
            && l.contains("granted: the account may copy the image")),
        "no INFO line of ours in the log"
    );
    let (code, out) = wd.plan_exit_code();
    assert_eq!(code, 0, "{out}");
    wd.destroy();
    assert!(moto.shared_accounts(&image).is_empty());
}

#[test]
fn release_refuses_a_version_other_than_cargos() {
    let out = Command::new("bash")
        .arg(common::repo().join("scripts/release.sh"))
        .args([
            "9.9.9",
            "--binary",
            env!("CARGO_BIN_EXE_terraform-provider-workspaces"),
        ])
        .output()
        .expect("release.sh");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("differs from Cargo.toml"));
    let out = Command::new("bash")
        .arg(common::repo().join("scripts/release.sh"))
        .arg("v1")
        .output()
        .expect("release.sh");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a semantic version"));
}

/// Terraform's `h1:` hash of a provider zip: SHA-256 over the sorted lines
/// `<hex sha256 of file>  <name>\n` of the files inside, base64 (Go's
/// dirhash Hash1).
fn h1_of_zip(zip: &Path) -> String {
    let listing = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, zipfile, hashlib\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             for n in sorted(z.namelist()):\n\
             \x20   print(hashlib.sha256(z.read(n)).hexdigest() + '  ' + n)\n",
        )
        .arg(zip)
        .output()
        .expect("python3");
    assert!(listing.status.success());
    let summary = Command::new("python3")
        .arg("-c")
        .arg("import sys, hashlib, base64; print(base64.b64encode(hashlib.sha256(sys.stdin.buffer.read()).digest()).decode())")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().expect("stdin").write_all(&listing.stdout)?;
            c.wait_with_output()
        })
        .expect("python3");
    format!("h1:{}", String::from_utf8_lossy(&summary.stdout).trim())
}

/// A static HTTPS server on 127.0.0.1 for `root`, with a self-signed
/// certificate for localhost whose PEM it returns.
fn https_server(root: std::path::PathBuf) -> (u16, String) {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use std::io::{Read, Write};
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("certificate");
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
    .expect("server config");
    let config = std::sync::Arc::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let (config, root) = (config.clone(), root.clone());
            std::thread::spawn(move || {
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request);
                let path = text.split_whitespace().nth(1).unwrap_or("/");
                let file = root.join(path.trim_start_matches('/'));
                let (status, body) = match std::fs::read(&file) {
                    Ok(b) if !path.contains("..") => ("200 OK", b),
                    _ => ("404 Not Found", b"not found".to_vec()),
                };
                let kind = if path.ends_with(".json") {
                    "application/json"
                } else if path.ends_with(".zip") {
                    "application/zip"
                } else {
                    "text/plain"
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(head.as_bytes());
                let _ = tls.write_all(&body);
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    (port, cert.pem())
}

#[test]
fn a_network_mirror_of_the_release_installs_it_over_https() {
    let scratch = tempfile::tempdir().expect("scratch");
    release_into(scratch.path());
    let dist = scratch.path().join("dist");
    let zip_name = format!("{NAME}_{VERSION}_linux_amd64.zip");
    let sums = std::fs::read_to_string(dist.join(format!("{NAME}_{VERSION}_SHA256SUMS")))
        .expect("SHA256SUMS");
    let zip_sum = sums
        .lines()
        .find_map(|l| l.strip_suffix(&format!("  {zip_name}")))
        .expect("zip entry")
        .to_string();

    // Terraform's network mirror protocol: an index of versions, and per
    // version the archives with the hashes the mirror vouches for (what a
    // mirror tool copies from the release's SHA256SUMS). Terraform refuses
    // a download that matches none of them, so installing proves the
    // SHA256SUMS entry is the zh: hash Terraform computes.
    let site = scratch.path().join("site");
    let provider_dir = site.join(SOURCE);
    std::fs::create_dir_all(&provider_dir).expect("site");
    std::fs::copy(dist.join(&zip_name), provider_dir.join(&zip_name)).expect("zip");
    std::fs::write(
        provider_dir.join("index.json"),
        format!("{{\"versions\": {{\"{VERSION}\": {{}}}}}}"),
    )
    .expect("index.json");
    std::fs::write(
        provider_dir.join(format!("{VERSION}.json")),
        serde_json::json!({
            "archives": {"linux_amd64": {"url": zip_name, "hashes": [format!("zh:{zip_sum}")]}}
        })
        .to_string(),
    )
    .expect("version json");
    let (port, ca_pem) = https_server(site);
    let ca = scratch.path().join("ca.pem");
    std::fs::write(&ca, ca_pem).expect("ca");

    let mut wd = Workdir::new(&common::terraform_on_path());
    let cli = wd.dir.path().join("net.tfrc");
    std::fs::write(
        &cli,
        format!(
            "provider_installation {{\n  network_mirror {{\n    url     = \"https://localhost:{port}/\"\n    include = [\"terraform.local/*/*\"]\n  }}\n  direct {{\n    exclude = [\"terraform.local/*/*\"]\n  }}\n}}\n"
        ),
    )
    .expect("cli config");
    wd.set_env("TF_CLI_CONFIG_FILE", &cli.display().to_string());
    // Go reads extra trusted roots from here.
    wd.set_env("SSL_CERT_FILE", &ca.display().to_string());
    wd.write_config(&format!(
        "terraform {{\n  required_providers {{\n    workspaces = {{\n      source  = \"{SOURCE}\"\n      version = \"{VERSION}\"\n    }}\n  }}\n}}\n"
    ));
    wd.ok(&["init", "-no-color", "-input=false"]);
    wd.ok(&[
        "providers",
        "lock",
        &format!("-net-mirror=https://localhost:{port}/"),
        "-platform=linux_amd64",
        SOURCE,
    ]);
    let lock = std::fs::read_to_string(wd.dir.path().join(".terraform.lock.hcl")).expect("lock");
    let h1 = h1_of_zip(&dist.join(&zip_name));
    assert!(
        lock.contains(&format!("\"{h1}\"")),
        "expected {h1} in:\n{lock}"
    );
}
