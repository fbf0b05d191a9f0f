//! The go-plugin handshake: the environment Terraform starts us with, the
//! protocol version we agree on, and the one line we answer on stdout.

use std::net::SocketAddr;

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// go-plugin's own protocol version, the first field of the handshake line.
pub const CORE_PROTOCOL_VERSION: u32 = 1;

/// Terraform plugin protocol versions we serve, most preferred first.
pub const SUPPORTED_VERSIONS: [u32; 2] = [6, 5];

/// Limits the versions we offer, e.g. `5` to serve only tfplugin5 to a
/// Terraform that would otherwise pick 6. Terraform has no setting of its
/// own for this; tests use it to run the same configuration over both.
pub const PROTOCOL_OVERRIDE_ENV: &str = "TF_WORKSPACES_PROTOCOL_VERSION";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    pub protocol_version: u32,
    pub port_range: Option<(u16, u16)>,
    /// PEM of the client certificate when Terraform wants mutual TLS.
    pub client_cert_pem: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandshakeError {
    #[error(
        "This binary is a plugin. These are not meant to be executed directly.\n\
         Please execute the program that consumes these plugins, which will\n\
         load any plugins automatically"
    )]
    NotAPlugin,
    #[error("no protocol version in common: Terraform offers {offered:?}, this provider serves {served:?}")]
    NoCommonVersion { offered: String, served: Vec<u32> },
    #[error("invalid {name}: {value:?}")]
    BadSetting { name: &'static str, value: String },
}

/// Reads the handshake from the environment (`env` looks variables up).
pub fn negotiate(env: impl Fn(&str) -> Option<String>) -> Result<Handshake, HandshakeError> {
    if env(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(HandshakeError::NotAPlugin);
    }
    let served: Vec<u32> = match env(PROTOCOL_OVERRIDE_ENV).filter(|v| !v.is_empty()) {
        None => SUPPORTED_VERSIONS.to_vec(),
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) if SUPPORTED_VERSIONS.contains(&n) => vec![n],
            _ => {
                return Err(HandshakeError::BadSetting {
                    name: PROTOCOL_OVERRIDE_ENV,
                    value: v,
                })
            }
        },
    };
    let protocol_version = match env("PLUGIN_PROTOCOL_VERSIONS").filter(|v| !v.trim().is_empty()) {
        // A client that says nothing gets our preferred version.
        None => served[0],
        Some(offered) => {
            let theirs: Vec<u32> = offered
                .split(',')
                .filter_map(|v| v.trim().parse().ok())
                .collect();
            served
                .iter()
                .copied()
                .find(|v| theirs.contains(v))
                .ok_or(HandshakeError::NoCommonVersion { offered, served })?
        }
    };
    let port = |name: &'static str| -> Result<Option<u16>, HandshakeError> {
        match env(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| HandshakeError::BadSetting { name, value: v }),
        }
    };
    let port_range = match (port("PLUGIN_MIN_PORT")?, port("PLUGIN_MAX_PORT")?) {
        // 0/0 means "any port", as in go-plugin.
        (Some(0), Some(0)) | (None, None) => None,
        (min, max) => {
            let (min, max) = (min.unwrap_or(1), max.unwrap_or(u16::MAX));
            if min > max {
                return Err(HandshakeError::BadSetting {
                    name: "PLUGIN_MIN_PORT",
                    value: format!("{min} > {max}"),
                });
            }
            Some((min.max(1), max))
        }
    };
    let client_cert_pem = env("PLUGIN_CLIENT_CERT").filter(|v| !v.trim().is_empty());
    Ok(Handshake {
        protocol_version,
        port_range,
        client_cert_pem,
    })
}

/// `CORE|APP|network|address|grpc|cert`, cert being the unpadded standard
/// base64 of the server certificate's DER, empty without TLS.
pub fn handshake_line(
    protocol_version: u32,
    addr: SocketAddr,
    server_cert_der: Option<&[u8]>,
) -> String {
    use base64::Engine;
    let cert = server_cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!("{CORE_PROTOCOL_VERSION}|{protocol_version}|tcp|{addr}|grpc|{cert}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let mut m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        m.insert(MAGIC_COOKIE_KEY.into(), MAGIC_COOKIE_VALUE.into());
        move |k| m.get(k).cloned()
    }

    #[test]
    fn refuses_to_run_without_the_magic_cookie() {
        assert_eq!(negotiate(|_| None), Err(HandshakeError::NotAPlugin));
        let wrong = |k: &str| (k == MAGIC_COOKIE_KEY).then(|| "nope".to_string());
        assert_eq!(negotiate(wrong), Err(HandshakeError::NotAPlugin));
        assert!(HandshakeError::NotAPlugin
            .to_string()
            .starts_with("This binary is a plugin"));
    }

    #[test]
    fn prefers_protocol_6_when_both_are_offered() {
        assert_eq!(
            negotiate(env(&[("PLUGIN_PROTOCOL_VERSIONS", "5,6")]))
                .unwrap()
                .protocol_version,
            6
        );
    }

    #[test]
    fn serves_5_when_that_is_all_terraform_offers() {
        assert_eq!(
            negotiate(env(&[("PLUGIN_PROTOCOL_VERSIONS", "5")]))
                .unwrap()
                .protocol_version,
            5
        );
        assert_eq!(
            negotiate(env(&[("PLUGIN_PROTOCOL_VERSIONS", "4,5")]))
                .unwrap()
                .protocol_version,
            5
        );
    }

    #[test]
    fn override_limits_the_versions_served() {
        let h = negotiate(env(&[
            ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
            (PROTOCOL_OVERRIDE_ENV, "5"),
        ]))
        .unwrap();
        assert_eq!(h.protocol_version, 5);
        assert!(negotiate(env(&[(PROTOCOL_OVERRIDE_ENV, "7")])).is_err());
        let only6 = negotiate(env(&[
            ("PLUGIN_PROTOCOL_VERSIONS", "5"),
            (PROTOCOL_OVERRIDE_ENV, "6"),
        ]));
        assert!(matches!(only6, Err(HandshakeError::NoCommonVersion { .. })));
    }

    #[test]
    fn no_common_version_is_an_error() {
        let err = negotiate(env(&[("PLUGIN_PROTOCOL_VERSIONS", "3,4")])).unwrap_err();
        assert!(matches!(err, HandshakeError::NoCommonVersion { .. }));
    }

    #[test]
    fn reads_the_port_range() {
        let h = negotiate(env(&[
            ("PLUGIN_MIN_PORT", "10000"),
            ("PLUGIN_MAX_PORT", "25000"),
        ]))
        .unwrap();
        assert_eq!(h.port_range, Some((10000, 25000)));
        assert_eq!(negotiate(env(&[])).unwrap().port_range, None);
        assert!(negotiate(env(&[("PLUGIN_MIN_PORT", "x")])).is_err());
        assert!(negotiate(env(&[("PLUGIN_MIN_PORT", "9"), ("PLUGIN_MAX_PORT", "8")])).is_err());
    }

    #[test]
    fn handshake_line_matches_go_plugin_format() {
        let addr: SocketAddr = "127.0.0.1:12345".parse().unwrap();
        assert_eq!(
            handshake_line(6, addr, None),
            "1|6|tcp|127.0.0.1:12345|grpc|"
        );
        // 0xfb 0xff encodes to "+/8=" padded; go-plugin uses no padding
        // and the standard (not URL-safe) alphabet.
        assert_eq!(
            handshake_line(5, addr, Some(&[0xfb, 0xff])),
            "1|5|tcp|127.0.0.1:12345|grpc|+/8"
        );
    }
}
