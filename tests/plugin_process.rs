//! The plugin binary as go-plugin sees it: the handshake, AutoMTLS with a
//! client certificate like Terraform's (ECDSA P-521, SHA-512, self-signed
//! CA), refusal of any other client, every RPC of both protocol versions
//! answered without a transport error, and graceful shutdown.

use base64::Engine;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tfws::proto::{plugin, tfplugin5 as v5, tfplugin6 as v6};
use tfws::value::Value;
use tonic::transport::{Channel, Endpoint};

const DATA_SOURCE: &str = "workspaces_image_permissions";

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// A client identity shaped like the one Terraform generates per run.
struct ClientIdentity {
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

fn terraform_like_client_identity() -> ClientIdentity {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let cert = params.self_signed(&key).expect("self-signed");
    ClientIdentity {
        cert_pem: cert.pem(),
        cert_der: cert.der().clone(),
        key_der: key.serialize_der(),
    }
}

struct Plugin {
    child: Child,
    version: u32,
    addr: SocketAddr,
    server_cert: Option<Vec<u8>>,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(env: &[(&str, &str)]) -> Plugin {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_terraform-provider-workspaces"));
    cmd.env_clear()
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn plugin");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("handshake line");
    let parts: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(parts.len(), 6, "handshake line {line:?}");
    assert_eq!(parts[0], "1");
    assert_eq!(parts[2], "tcp");
    assert_eq!(parts[4], "grpc");
    let server_cert = (!parts[5].is_empty()).then(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(parts[5])
            .expect("unpadded standard base64")
    });
    Plugin {
        child,
        version: parts[1].parse().expect("version"),
        addr: parts[3].parse().expect("addr"),
        server_cert,
    }
}

/// Trusts exactly the certificate from the handshake line, as Terraform does.
#[derive(Debug)]
struct PinnedServer(Vec<u8>);

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        name: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        assert_eq!(name.to_str(), "localhost");
        if end_entity.as_ref() == self.0.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "unexpected server certificate".into(),
            ))
        }
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(m, c, d, &algs)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(m, c, d, &algs)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::aws_lc_rs::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

async fn channel(plugin: &Plugin, identity: Option<&ClientIdentity>) -> Channel {
    let addr = plugin.addr;
    let endpoint =
        Endpoint::from_static("http://localhost").connect_timeout(Duration::from_secs(5));
    let Some(server_cert) = plugin.server_cert.clone() else {
        return endpoint
            .connect_with_connector(tower::service_fn(move |_| async move {
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(
                    tokio::net::TcpStream::connect(addr).await?,
                ))
            }))
            .await
            .expect("plaintext connect");
    };
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .dangerous()
    .with_custom_certificate_verifier(Arc::new(PinnedServer(server_cert)));
    let mut config = match identity {
        Some(id) => builder
            .with_client_auth_cert(
                vec![id.cert_der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_der.clone())),
            )
            .expect("client cert"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    endpoint
        .connect_with_connector(tower::service_fn(move |_| {
            let connector = connector.clone();
            async move {
                let tcp = tokio::net::TcpStream::connect(addr).await?;
                let tls = connector
                    .connect(ServerName::try_from("localhost").expect("name"), tcp)
                    .await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tls))
            }
        }))
        .await
        .expect("TLS connect")
}

#[test]
fn refuses_to_run_when_not_started_by_terraform() {
    let out = Command::new(env!("CARGO_BIN_EXE_terraform-provider-workspaces"))
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no handshake line may be printed");
    assert!(String::from_utf8_lossy(&out.stderr).contains("This binary is a plugin"));
}

#[test]
fn listens_on_loopback_within_the_port_range() {
    let plugin = start(&[("PLUGIN_MIN_PORT", "23100"), ("PLUGIN_MAX_PORT", "23140")]);
    assert!(plugin.addr.ip().is_loopback());
    assert!(
        (23100..=23140).contains(&plugin.addr.port()),
        "{}",
        plugin.addr
    );
    assert_eq!(plugin.version, 6);
    assert!(
        plugin.server_cert.is_none(),
        "no client cert offered, so no TLS"
    );
}

#[test]
fn serves_protocol_5_when_only_5_is_offered() {
    let plugin = start(&[("PLUGIN_PROTOCOL_VERSIONS", "5")]);
    assert_eq!(plugin.version, 5);
}

#[tokio::test]
async fn serves_a_client_holding_terraforms_certificate_over_mtls() {
    let id = terraform_like_client_identity();
    let plugin = start(&[("PLUGIN_CLIENT_CERT", &id.cert_pem)]);
    assert!(
        plugin.server_cert.is_some(),
        "the handshake line must carry our certificate"
    );
    let ch = channel(&plugin, Some(&id)).await;

    let mut health = tonic_health::pb::health_client::HealthClient::new(ch.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health check")
        .into_inner()
        .status;
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    let mut client = v6::provider_client::ProviderClient::new(ch);
    let schema = client
        .get_provider_schema(v6::get_provider_schema::Request {})
        .await
        .expect("schema")
        .into_inner();
    assert!(schema
        .resource_schemas
        .contains_key("workspaces_image_permission"));
    assert!(schema.diagnostics.is_empty());
}

async fn refused(plugin: &Plugin, identity: Option<&ClientIdentity>) -> bool {
    // With TLS 1.3 the server judges the client certificate after the
    // client thinks the handshake is done, so refusal shows on first use.
    let ch = channel(plugin, identity).await;
    v6::provider_client::ProviderClient::new(ch)
        .get_provider_schema(v6::get_provider_schema::Request {})
        .await
        .is_err()
}

#[tokio::test]
async fn refuses_a_client_without_a_certificate() {
    let id = terraform_like_client_identity();
    let plugin = start(&[("PLUGIN_CLIENT_CERT", &id.cert_pem)]);
    assert!(refused(&plugin, None).await);
}

#[tokio::test]
async fn refuses_a_client_with_some_other_certificate() {
    let id = terraform_like_client_identity();
    let stranger = terraform_like_client_identity();
    let plugin = start(&[("PLUGIN_CLIENT_CERT", &id.cert_pem)]);
    assert!(refused(&plugin, Some(&stranger)).await);
    // The rightful client is still served afterwards.
    assert!(!refused(&plugin, Some(&id)).await);
}

#[tokio::test]
async fn shutdown_ends_the_process_cleanly() {
    let mut plugin = start(&[]);
    let ch = channel(&plugin, None).await;
    // Like go-plugin, hold the stdio stream open while shutting down.
    let mut stdio = plugin::grpc_stdio_client::GrpcStdioClient::new(ch.clone());
    let _stream = stdio.stream_stdio(()).await.expect("stdio");
    plugin::grpc_controller_client::GrpcControllerClient::new(ch)
        .shutdown(plugin::Empty {})
        .await
        .expect("shutdown");
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(s) = plugin.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "plugin still running after Shutdown"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status}");
}

/// Asserts every unary call answered (diagnostics allowed, transport
/// errors not) and every stream ended normally.
macro_rules! answers {
    ($call:expr) => {
        $call
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", stringify!($call)))
            .into_inner()
    };
}

async fn drain<T>(mut s: tonic::Streaming<T>) -> Vec<T> {
    let mut out = Vec::new();
    while let Some(item) = s.message().await.expect("stream item") {
        out.push(item);
    }
    out
}

#[tokio::test]
async fn every_protocol_6_rpc_answers() {
    let plugin = start(&[("PLUGIN_PROTOCOL_VERSIONS", "6")]);
    let mut c = v6::provider_client::ProviderClient::new(channel(&plugin, None).await);
    let md = answers!(c.get_metadata(v6::get_metadata::Request {}));
    assert!(md
        .resources
        .iter()
        .any(|r| r.type_name == "workspaces_image_permission"));
    let names: Vec<_> = md
        .data_sources
        .iter()
        .map(|d| d.type_name.as_str())
        .collect();
    assert_eq!(names, vec![DATA_SOURCE]);
    let schema = answers!(c.get_provider_schema(v6::get_provider_schema::Request {}));
    assert!(schema.data_source_schemas.contains_key(DATA_SOURCE));
    answers!(c.validate_provider_config(v6::validate_provider_config::Request::default()));
    answers!(c.validate_resource_config(v6::validate_resource_config::Request::default()));
    let r = answers!(
        c.validate_data_resource_config(v6::validate_data_resource_config::Request::default())
    );
    assert_eq!(r.diagnostics[0].summary, "Unknown data source type");
    answers!(c.upgrade_resource_state(v6::upgrade_resource_state::Request::default()));
    answers!(c.get_resource_identity_schemas(v6::get_resource_identity_schemas::Request {}));
    answers!(c.upgrade_resource_identity(v6::upgrade_resource_identity::Request::default()));
    answers!(c.configure_provider(v6::configure_provider::Request::default()));
    answers!(c.read_resource(v6::read_resource::Request::default()));
    answers!(c.plan_resource_change(v6::plan_resource_change::Request::default()));
    answers!(c.apply_resource_change(v6::apply_resource_change::Request::default()));
    answers!(c.import_resource_state(v6::import_resource_state::Request::default()));
    answers!(c.move_resource_state(v6::move_resource_state::Request::default()));
    let r = answers!(c.read_data_source(v6::read_data_source::Request::default()));
    assert_eq!(r.diagnostics[0].summary, "Unknown data source type");
    assert!(r.state.is_none());
    answers!(c.generate_resource_config(v6::generate_resource_config::Request::default()));
    answers!(c.validate_ephemeral_resource_config(
        v6::validate_ephemeral_resource_config::Request::default()
    ));
    answers!(c.open_ephemeral_resource(v6::open_ephemeral_resource::Request::default()));
    answers!(c.renew_ephemeral_resource(v6::renew_ephemeral_resource::Request::default()));
    answers!(c.close_ephemeral_resource(v6::close_ephemeral_resource::Request::default()));
    let events = drain(answers!(
        c.list_resource(v6::list_resource::Request::default())
    ))
    .await;
    assert!(!events[0].diagnostic.is_empty());
    answers!(c.validate_list_resource_config(v6::validate_list_resource_config::Request::default()));
    let functions = answers!(c.get_functions(v6::get_functions::Request {}));
    assert!(
        functions.functions.is_empty() && functions.diagnostics.is_empty(),
        "OpenTofu needs an empty answer"
    );
    let call = answers!(c.call_function(v6::call_function::Request::default()));
    assert!(call.error.is_some());
    answers!(c.validate_state_store_config(v6::validate_state_store::Request::default()));
    answers!(c.configure_state_store(v6::configure_state_store::Request::default()));
    drain(answers!(
        c.read_state_bytes(v6::read_state_bytes::Request::default())
    ))
    .await;
    answers!(c.write_state_bytes(tokio_stream::iter(vec![
        v6::write_state_bytes::RequestChunk::default()
    ])));
    answers!(c.lock_state(v6::lock_state::Request::default()));
    answers!(c.unlock_state(v6::unlock_state::Request::default()));
    answers!(c.get_states(v6::get_states::Request::default()));
    answers!(c.delete_state(v6::delete_state::Request::default()));
    answers!(c.plan_action(v6::plan_action::Request::default()));
    drain(answers!(
        c.invoke_action(v6::invoke_action::Request::default())
    ))
    .await;
    answers!(c.validate_action_config(v6::validate_action_config::Request::default()));
    answers!(c.stop_provider(v6::stop_provider::Request {}));
}

#[tokio::test]
async fn every_protocol_5_rpc_answers() {
    let plugin = start(&[("PLUGIN_PROTOCOL_VERSIONS", "5")]);
    let mut c = v5::provider_client::ProviderClient::new(channel(&plugin, None).await);
    let md = answers!(c.get_metadata(v5::get_metadata::Request {}));
    let names: Vec<_> = md
        .data_sources
        .iter()
        .map(|d| d.type_name.as_str())
        .collect();
    assert_eq!(names, vec![DATA_SOURCE]);
    let schema = answers!(c.get_schema(v5::get_provider_schema::Request {}));
    assert!(schema
        .resource_schemas
        .contains_key("workspaces_image_permission"));
    assert!(schema.data_source_schemas.contains_key(DATA_SOURCE));
    answers!(c.prepare_provider_config(v5::prepare_provider_config::Request::default()));
    answers!(c.validate_resource_type_config(v5::validate_resource_type_config::Request::default()));
    let r = answers!(
        c.validate_data_source_config(v5::validate_data_source_config::Request::default())
    );
    assert_eq!(r.diagnostics[0].summary, "Unknown data source type");
    answers!(c.upgrade_resource_state(v5::upgrade_resource_state::Request::default()));
    answers!(c.get_resource_identity_schemas(v5::get_resource_identity_schemas::Request {}));
    answers!(c.upgrade_resource_identity(v5::upgrade_resource_identity::Request::default()));
    answers!(c.configure(v5::configure::Request::default()));
    answers!(c.read_resource(v5::read_resource::Request::default()));
    answers!(c.plan_resource_change(v5::plan_resource_change::Request::default()));
    answers!(c.apply_resource_change(v5::apply_resource_change::Request::default()));
    answers!(c.import_resource_state(v5::import_resource_state::Request::default()));
    answers!(c.move_resource_state(v5::move_resource_state::Request::default()));
    let r = answers!(c.read_data_source(v5::read_data_source::Request::default()));
    assert_eq!(r.diagnostics[0].summary, "Unknown data source type");
    assert!(r.state.is_none());
    answers!(c.generate_resource_config(v5::generate_resource_config::Request::default()));
    answers!(c.validate_ephemeral_resource_config(
        v5::validate_ephemeral_resource_config::Request::default()
    ));
    answers!(c.open_ephemeral_resource(v5::open_ephemeral_resource::Request::default()));
    answers!(c.renew_ephemeral_resource(v5::renew_ephemeral_resource::Request::default()));
    answers!(c.close_ephemeral_resource(v5::close_ephemeral_resource::Request::default()));
    drain(answers!(
        c.list_resource(v5::list_resource::Request::default())
    ))
    .await;
    answers!(c.validate_list_resource_config(v5::validate_list_resource_config::Request::default()));
    let functions = answers!(c.get_functions(v5::get_functions::Request {}));
    assert!(functions.functions.is_empty());
    answers!(c.call_function(v5::call_function::Request::default()));
    answers!(c.plan_action(v5::plan_action::Request::default()));
    drain(answers!(
        c.invoke_action(v5::invoke_action::Request::default())
    ))
    .await;
    answers!(c.validate_action_config(v5::validate_action_config::Request::default()));
    answers!(c.stop(v5::stop::Request {}));
}

/// Requests naming an unknown resource type, or carrying garbage where a
/// value belongs, come back as diagnostics; the provider keeps serving.
#[tokio::test]
async fn bad_requests_get_diagnostics_not_crashes() {
    let plugin = start(&[]);
    let mut c = v6::provider_client::ProviderClient::new(channel(&plugin, None).await);
    let r = answers!(
        c.validate_resource_config(v6::validate_resource_config::Request {
            type_name: "workspaces_nope".into(),
            ..Default::default()
        })
    );
    assert!(r.diagnostics[0].summary.contains("Unknown resource type"));
    let garbage = v6::DynamicValue {
        msgpack: vec![0x93, 0x01],
        json: vec![],
    };
    let r = answers!(c.plan_resource_change(v6::plan_resource_change::Request {
        type_name: "workspaces_image_permission".into(),
        prior_state: Some(garbage.clone()),
        proposed_new_state: Some(garbage.clone()),
        config: Some(garbage),
        ..Default::default()
    }));
    assert_eq!(
        r.diagnostics[0].severity,
        v6::diagnostic::Severity::Error as i32
    );
    let r = answers!(c.read_data_source(v6::read_data_source::Request {
        type_name: "workspaces_nope".into(),
        ..Default::default()
    }));
    assert_eq!(r.diagnostics[0].summary, "Unknown data source type");
    assert!(
        r.diagnostics[0].detail.contains("\"workspaces_nope\""),
        "{}",
        r.diagnostics[0].detail
    );
    let r = answers!(c.read_data_source(v6::read_data_source::Request {
        type_name: DATA_SOURCE.into(),
        config: Some(v6::DynamicValue {
            msgpack: vec![0x93, 0x01],
            json: vec![],
        }),
        ..Default::default()
    }));
    assert!(r.state.is_none());
    assert_eq!(
        r.diagnostics[0].summary,
        "Could not decode data source configuration"
    );
    answers!(c.get_provider_schema(v6::get_provider_schema::Request {}));
}

/// A configuration of the data source, MessagePack-encoded against the
/// schema the provider itself reports.
fn data_source_config(schema: &v6::Schema, image_id: Value) -> v6::DynamicValue {
    use tfws::value::{encode_msgpack, Type};
    let block = schema.block.as_ref().expect("block");
    let ty = Type::object(block.attributes.iter().map(|a| {
        let ty = Type::from_json_bytes(&a.r#type).expect("attribute type");
        (a.name.clone(), ty)
    }));
    let attrs = block.attributes.iter().map(|a| {
        let v = if a.name == "image_id" {
            image_id.clone()
        } else {
            Value::Null
        };
        (a.name.clone(), v)
    });
    v6::DynamicValue {
        msgpack: encode_msgpack(&Value::object(attrs), &ty).expect("encode"),
        json: vec![],
    }
}

/// Data sources are served for real: the schema describes every attribute,
/// a malformed image ID is refused pointing at `image_id` (before any AWS
/// call: the provider is not even configured here), an unknown one is left
/// for later, and a read without provider configuration says so.
#[tokio::test]
async fn the_image_permissions_data_source_is_served() {
    let plugin = start(&[]);
    let mut c = v6::provider_client::ProviderClient::new(channel(&plugin, None).await);
    let schemas = answers!(c.get_provider_schema(v6::get_provider_schema::Request {}));
    let schema = &schemas.data_source_schemas[DATA_SOURCE];
    let block = schema.block.as_ref().expect("block");
    let mut names: Vec<_> = block.attributes.iter().map(|a| a.name.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "description",
            "id",
            "image_id",
            "name",
            "owner_account_id",
            "required_tenancy",
            "shared_account_ids",
            "state"
        ]
    );
    for a in &block.attributes {
        assert!(!a.description.is_empty(), "{} has no description", a.name);
        assert_eq!(a.required, a.name == "image_id", "{}", a.name);
        assert_eq!(a.computed, a.name != "image_id", "{}", a.name);
    }
    let accounts = block
        .attributes
        .iter()
        .find(|a| a.name == "shared_account_ids")
        .expect("shared_account_ids");
    assert_eq!(accounts.r#type, br#"["set","string"]"#);

    let bad = data_source_config(schema, Value::string("ami-123"));
    for r in [
        answers!(
            c.validate_data_resource_config(v6::validate_data_resource_config::Request {
                type_name: DATA_SOURCE.into(),
                config: Some(bad.clone()),
            })
        )
        .diagnostics,
        answers!(c.read_data_source(v6::read_data_source::Request {
            type_name: DATA_SOURCE.into(),
            config: Some(bad.clone()),
            ..Default::default()
        }))
        .diagnostics,
    ] {
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].summary, "Invalid WorkSpaces image ID");
        assert!(r[0].detail.contains("\"ami-123\""), "{}", r[0].detail);
        let path = r[0].attribute.as_ref().expect("attribute path");
        assert_eq!(
            path.steps[0].selector,
            Some(v6::attribute_path::step::Selector::AttributeName(
                "image_id".into()
            ))
        );
    }

    let unknown = data_source_config(schema, Value::Unknown);
    let r = answers!(
        c.validate_data_resource_config(v6::validate_data_resource_config::Request {
            type_name: DATA_SOURCE.into(),
            config: Some(unknown),
        })
    );
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);

    let good = data_source_config(schema, Value::string("wsi-123456789"));
    let r = answers!(c.read_data_source(v6::read_data_source::Request {
        type_name: DATA_SOURCE.into(),
        config: Some(good),
        ..Default::default()
    }));
    assert!(r.state.is_none());
    assert_eq!(r.diagnostics[0].summary, "Provider not configured");

    // Protocol 5 serves the same data source through its own RPC names.
    let plugin = start(&[("PLUGIN_PROTOCOL_VERSIONS", "5")]);
    let mut c = v5::provider_client::ProviderClient::new(channel(&plugin, None).await);
    let r = answers!(
        c.validate_data_source_config(v5::validate_data_source_config::Request {
            type_name: DATA_SOURCE.into(),
            config: Some(v5::DynamicValue {
                msgpack: bad.msgpack,
                json: vec![],
            }),
        })
    );
    assert_eq!(r.diagnostics[0].summary, "Invalid WorkSpaces image ID");
}

/// A connection that never starts its TLS handshake must not hold up
/// Terraform's own connection.
#[tokio::test]
async fn a_stalled_connection_does_not_block_other_clients() {
    let id = terraform_like_client_identity();
    let plugin = start(&[("PLUGIN_CLIENT_CERT", &id.cert_pem)]);
    let _stalled = tokio::net::TcpStream::connect(plugin.addr)
        .await
        .expect("raw connect");
    let served = tokio::time::timeout(Duration::from_secs(5), async {
        let ch = channel(&plugin, Some(&id)).await;
        v6::provider_client::ProviderClient::new(ch)
            .get_provider_schema(v6::get_provider_schema::Request {})
            .await
            .is_ok()
    })
    .await;
    assert_eq!(served, Ok(true));
}

#[tokio::test]
async fn refuses_a_plaintext_client_when_terraform_asked_for_tls() {
    let id = terraform_like_client_identity();
    let plugin = start(&[("PLUGIN_CLIENT_CERT", &id.cert_pem)]);
    let addr = plugin.addr;
    let plaintext = Endpoint::from_static("http://localhost")
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(5))
        .connect_with_connector(tower::service_fn(move |_| async move {
            Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(
                tokio::net::TcpStream::connect(addr).await?,
            ))
        }))
        .await;
    if let Ok(ch) = plaintext {
        let answer = v6::provider_client::ProviderClient::new(ch)
            .get_provider_schema(v6::get_provider_schema::Request {})
            .await;
        assert!(answer.is_err(), "a plaintext client was served");
    }
    // The rightful client is still served afterwards.
    assert!(!refused(&plugin, Some(&id)).await);
}

#[tokio::test]
async fn a_panic_in_an_rpc_answers_with_a_diagnostic_on_a_live_connection() {
    let plugin = start(&[("TF_WORKSPACES_TEST_PANIC", "ValidateResourceConfig")]);
    let mut c = v6::provider_client::ProviderClient::new(channel(&plugin, None).await);
    for _ in 0..3 {
        let r = c
            .validate_resource_config(v6::validate_resource_config::Request {
                type_name: "workspaces_image_permission".into(),
                ..Default::default()
            })
            .await
            .expect("an answer, not a transport error")
            .into_inner();
        assert_eq!(r.diagnostics.len(), 1);
        assert_eq!(r.diagnostics[0].summary, "Provider bug: internal error");
        assert!(r.diagnostics[0]
            .detail
            .contains("test-only panic in ValidateResourceConfig"));
    }
    // The same connection serves everything else.
    let schema = c
        .get_provider_schema(v6::get_provider_schema::Request {})
        .await
        .expect("schema after the panics")
        .into_inner();
    assert!(schema
        .resource_schemas
        .contains_key("workspaces_image_sharing"));
}
