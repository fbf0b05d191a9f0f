//! The command line. Terraform runs the plugin with no arguments; a person
//! may run it with `--version`, or `--debug` to serve without Terraform
//! starting it (attach with TF_REATTACH_PROVIDERS, as HashiCorp's SDKs do).

use super::handshake::SUPPORTED_VERSIONS;

/// Where Terraform finds the provider when no registry is involved; the
/// README's `required_providers` uses it.
pub const DEFAULT_ADDRESS: &str = "terraform.local/platform/workspaces";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Started by Terraform (go-plugin handshake).
    Serve,
    /// `--debug`: serve until Ctrl-C, print the reattach line.
    Debug {
        address: String,
        protocol: u32,
    },
    Version,
    Help,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}\n\n{USAGE}")]
pub struct UsageError(String);

pub const USAGE: &str = "\
usage: terraform-provider-workspaces [--version | --debug [--address=ADDR] [--protocol=6|5]]

  (no arguments)    run as a plugin; Terraform starts it that way
  --version         print the version and the plugin protocol versions served
  --debug           serve without Terraform starting the provider, print the
                    TF_REATTACH_PROVIDERS value to export, serve until Ctrl-C
  --address=ADDR    the provider source address Terraform's configuration
                    uses, for --debug (default terraform.local/platform/workspaces)
  --protocol=6|5    the plugin protocol version for --debug (default 6)";

pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, UsageError> {
    let mut debug = false;
    let mut version = false;
    let mut help = false;
    let mut address = None;
    let mut protocol = None;
    for arg in args {
        let (name, value) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        match (name.as_str(), value) {
            ("--debug", None) => debug = true,
            ("--version" | "-v" | "version", None) => version = true,
            ("--help" | "-h" | "help", None) => help = true,
            ("--address", Some(a)) if !a.is_empty() => address = Some(a),
            ("--protocol", Some(p)) => match p.parse::<u32>() {
                Ok(n) if SUPPORTED_VERSIONS.contains(&n) => protocol = Some(n),
                _ => return Err(UsageError(format!("--protocol must be 6 or 5, not {p:?}"))),
            },
            _ => return Err(UsageError(format!("unknown argument {arg:?}"))),
        }
    }
    if (address.is_some() || protocol.is_some()) && !debug {
        return Err(UsageError(
            "--address and --protocol go with --debug".into(),
        ));
    }
    Ok(if help {
        Command::Help
    } else if version {
        Command::Version
    } else if debug {
        Command::Debug {
            address: address.unwrap_or_else(|| DEFAULT_ADDRESS.to_string()),
            protocol: protocol.unwrap_or(SUPPORTED_VERSIONS[0]),
        }
    } else {
        Command::Serve
    })
}

/// What `--version` prints.
pub fn version_text() -> String {
    let protocols: Vec<String> = SUPPORTED_VERSIONS
        .iter()
        .map(|v| format!("{v}.0"))
        .collect();
    format!(
        "terraform-provider-workspaces v{}\nplugin protocol versions: {}",
        env!("CARGO_PKG_VERSION"),
        protocols.join(", ")
    )
}

/// The line to export so Terraform attaches to a `--debug` provider, in
/// go-plugin's ReattachConfig JSON.
pub fn reattach_line(address: &str, protocol: u32, pid: u32, addr: std::net::SocketAddr) -> String {
    let config = serde_json::json!({
        address: {
            "Protocol": "grpc",
            "ProtocolVersion": protocol,
            "Pid": pid,
            "Test": true,
            "Addr": {"Network": "tcp", "String": addr.to_string()},
        }
    });
    format!("TF_REATTACH_PROVIDERS='{config}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<Command, UsageError> {
        parse(a.iter().map(|s| s.to_string()))
    }

    #[test]
    fn no_arguments_is_a_plugin_run() {
        assert_eq!(args(&[]), Ok(Command::Serve));
    }

    #[test]
    fn debug_takes_an_address_and_a_protocol() {
        assert_eq!(
            args(&["--debug"]),
            Ok(Command::Debug {
                address: DEFAULT_ADDRESS.into(),
                protocol: 6
            })
        );
        assert_eq!(
            args(&[
                "--debug",
                "--address=registry.terraform.io/acme/workspaces",
                "--protocol=5"
            ]),
            Ok(Command::Debug {
                address: "registry.terraform.io/acme/workspaces".into(),
                protocol: 5
            })
        );
    }

    #[test]
    fn bad_arguments_say_what_is_wrong_and_show_usage() {
        for (a, says) in [
            (&["--debgu"][..], "unknown argument \"--debgu\""),
            (
                &["--debug", "--protocol=4"][..],
                "--protocol must be 6 or 5",
            ),
            (&["--address=x"][..], "go with --debug"),
        ] {
            let e = args(a).expect_err("refused").to_string();
            assert!(e.contains(says), "{e}");
            assert!(e.contains("usage:"), "{e}");
        }
    }

    #[test]
    fn the_reattach_line_is_go_plugins_json() {
        let line = reattach_line(DEFAULT_ADDRESS, 6, 42, "127.0.0.1:1234".parse().unwrap());
        let json = line
            .strip_prefix("TF_REATTACH_PROVIDERS='")
            .and_then(|l| l.strip_suffix('\''))
            .expect("quoted");
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        let p = &v[DEFAULT_ADDRESS];
        assert_eq!(p["Protocol"], "grpc");
        assert_eq!(p["ProtocolVersion"], 6);
        assert_eq!(p["Pid"], 42);
        assert_eq!(p["Addr"]["Network"], "tcp");
        assert_eq!(p["Addr"]["String"], "127.0.0.1:1234");
    }

    #[test]
    fn version_names_the_protocols() {
        assert!(version_text().contains("plugin protocol versions: 6.0, 5.0"));
    }
}
