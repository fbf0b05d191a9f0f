//! AutoMTLS as go-plugin does it: Terraform passes its client certificate in
//! `PLUGIN_CLIENT_CERT`; we make an ephemeral key and a self-signed server
//! certificate for `localhost`, send that certificate in the handshake line
//! (Terraform trusts it as its root CA), and accept exactly Terraform's
//! certificate from the client, nothing else.
//!
//! Terraform's client certificate is ECDSA P-521 with SHA-512, which
//! rustls verifies only with the aws-lc-rs provider, used here.

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("PLUGIN_CLIENT_CERT holds no PEM certificate: {0}")]
    BadClientCert(String),
    #[error("generating the server certificate: {0}")]
    CertGen(#[from] rcgen::Error),
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

pub struct ServerTls {
    /// DER of our certificate, for the handshake line.
    pub cert_der: Vec<u8>,
    pub config: Arc<rustls::ServerConfig>,
}

pub fn server_tls(client_cert_pem: &str) -> Result<ServerTls, TlsError> {
    let client_cert = CertificateDer::from_pem_slice(client_cert_pem.as_bytes())
        .map_err(|e| TlsError::BadClientCert(e.to_string()))?;

    // P-256 keys are quick to generate; start-up is on every Terraform step.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.distinguished_name.push(
        rcgen::DnType::OrganizationName,
        "terraform-provider-workspaces",
    );
    // Like go-plugin's own certificate: it is its own CA, for both ends.
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let cert = params.self_signed(&key)?;
    let cert_der = cert.der().to_vec();

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = PinnedClientCert::new(client_cert.into_owned(), &provider);
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(
            vec![CertificateDer::from(cert_der.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )?;
    // gRPC clients (grpc-go since 1.67) insist on negotiating HTTP/2.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(ServerTls {
        cert_der,
        config: Arc::new(config),
    })
}

/// Accepts one exact client certificate. Path building would not do: the
/// certificate is self-signed with CA:TRUE, which WebPKI refuses as a leaf.
#[derive(Debug)]
struct PinnedClientCert {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClientCert {
    fn new(expected: CertificateDer<'static>, provider: &CryptoProvider) -> PinnedClientCert {
        PinnedClientCert {
            expected,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_p521_sha512_signatures_as_terraform_sends() {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let v = PinnedClientCert::new(CertificateDer::from(vec![1, 2, 3]), &provider);
        assert!(v
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }

    #[test]
    fn client_auth_is_mandatory_and_pinned() {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let v = PinnedClientCert::new(CertificateDer::from(vec![1, 2, 3]), &provider);
        assert!(v.offer_client_auth());
        assert!(v.client_auth_mandatory());
        let now = UnixTime::now();
        assert!(v
            .verify_client_cert(&CertificateDer::from(vec![1, 2, 3]), &[], now)
            .is_ok());
        assert!(v
            .verify_client_cert(&CertificateDer::from(vec![1, 2, 4]), &[], now)
            .is_err());
    }

    #[test]
    fn rejects_a_client_cert_that_is_not_pem() {
        assert!(matches!(
            server_tls("not a certificate"),
            Err(TlsError::BadClientCert(_))
        ));
    }
}
