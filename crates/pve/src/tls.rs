//! TLS for Proxmox nodes: certificates pinned by SHA-256 fingerprint (or a custom CA), and a
//! probe that reads an unknown node's certificate without sending any credential.
//!
//! There is deliberately no "accept any certificate" mode: the pinning verifier compares
//! the fingerprint and still checks the handshake signature against the presented key.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::error::PveError;

/// A SHA-256 certificate fingerprint, printed as PVE does: `AB:CD:…` (32 pairs).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(der).into())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// Why a fingerprint could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a SHA-256 fingerprint is 32 bytes in hex, e.g. AB:CD:…, optionally with colons")]
pub struct FingerprintError;

impl FromStr for Fingerprint {
    type Err = FingerprintError;
    /// Accepts `AB:CD:…`, `ab:cd:…` and plain hex, with optional `sha256/` prefix.
    fn from_str(text: &str) -> Result<Self, FingerprintError> {
        let text = text.trim();
        let text = text.strip_prefix("sha256/").unwrap_or(text);
        let hex: String = text.chars().filter(|c| *c != ':').collect();
        if hex.len() != 64 {
            return Err(FingerprintError);
        }
        let mut bytes = [0_u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| FingerprintError)?;
        }
        Ok(Fingerprint(bytes))
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// How the client decides to trust a node's certificate.
#[derive(Clone, Debug)]
pub enum Trust {
    /// Exactly this leaf certificate (the usual self-signed PVE node certificate).
    Pinned(Fingerprint),
    /// Certificates issued by this CA (PEM), e.g. the cluster's `pve-root-ca.pem`.
    CustomCa(String),
}

/// The crypto provider all of Corral's TLS uses.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// What [`LeafVerifier`] does with the server's leaf certificate.
#[derive(Debug)]
enum LeafPolicy {
    /// Accept only this fingerprint; remember any other for the error.
    Pin(Fingerprint),
    /// Accept whatever is presented and remember it (the probe of an unknown node).
    Capture,
}

/// Decides on the leaf certificate by fingerprint; the handshake signature is always
/// verified against the presented key, so the peer must hold its private key.
#[derive(Debug)]
pub(crate) struct LeafVerifier {
    policy: LeafPolicy,
    provider: Arc<CryptoProvider>,
    /// The last certificate that was captured or refused.
    seen: Mutex<Option<Vec<u8>>>,
}

impl LeafVerifier {
    fn new(policy: LeafPolicy) -> Self {
        LeafVerifier {
            policy,
            provider: provider(),
            seen: Mutex::new(None),
        }
    }

    fn take_seen(&self) -> Option<Vec<u8>> {
        self.seen.lock().ok()?.take()
    }

    /// (expected, seen) after a handshake that failed on the pin.
    pub(crate) fn take_mismatch(&self) -> Option<(Fingerprint, Fingerprint)> {
        let LeafPolicy::Pin(expected) = self.policy else {
            return None;
        };
        Some((expected, Fingerprint::of_der(&self.take_seen()?)))
    }
}

impl ServerCertVerifier for LeafVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let remember = || {
            if let Ok(mut slot) = self.seen.lock() {
                *slot = Some(end_entity.to_vec());
            }
        };
        match &self.policy {
            LeafPolicy::Capture => {
                remember();
                Ok(ServerCertVerified::assertion())
            }
            LeafPolicy::Pin(expected) if Fingerprint::of_der(end_entity) == *expected => {
                Ok(ServerCertVerified::assertion())
            }
            LeafPolicy::Pin(expected) => {
                remember();
                Err(rustls::Error::General(format!(
                    "certificate fingerprint mismatch: expected {expected}, got {}",
                    Fingerprint::of_der(end_entity)
                )))
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Builds the rustls configuration for `trust`; returns the pinning verifier when pinned.
pub(crate) fn client_config(
    trust: &Trust,
) -> Result<(rustls::ClientConfig, Option<Arc<LeafVerifier>>), PveError> {
    let invalid = |message: String| PveError::InvalidRequest { message };
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(e.to_string()))?;
    match trust {
        Trust::Pinned(fingerprint) => {
            let verifier = Arc::new(LeafVerifier::new(LeafPolicy::Pin(*fingerprint)));
            let config = builder
                .dangerous()
                .with_custom_certificate_verifier(verifier.clone())
                .with_no_client_auth();
            Ok((config, Some(verifier)))
        }
        Trust::CustomCa(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            let mut found = 0;
            for cert in rustls_pki_types::pem::PemObject::pem_slice_iter(pem.as_bytes()) {
                let cert: CertificateDer<'static> =
                    cert.map_err(|e| invalid(format!("CA certificate: {e}")))?;
                roots
                    .add(cert)
                    .map_err(|e| invalid(format!("CA certificate: {e}")))?;
                found += 1;
            }
            if found == 0 {
                return Err(invalid("the CA file holds no PEM certificate".into()));
            }
            let config = builder.with_root_certificates(roots).with_no_client_auth();
            Ok((config, None))
        }
    }
}

/// What a node's certificate says about itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertificateInfo {
    pub fingerprint: Fingerprint,
    /// RFC 4514 distinguished names.
    pub subject: String,
    pub issuer: String,
    /// Validity period, Unix seconds.
    pub not_before: u64,
    pub not_after: u64,
}

impl CertificateInfo {
    /// Reads a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<CertificateInfo, PveError> {
        use x509_cert::der::Decode;
        let cert = x509_cert::Certificate::from_der(der).map_err(|e| PveError::Tls {
            message: format!("unreadable certificate: {e}"),
        })?;
        let tbs = &cert.tbs_certificate;
        Ok(CertificateInfo {
            fingerprint: Fingerprint::of_der(der),
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            not_before: tbs.validity.not_before.to_unix_duration().as_secs(),
            not_after: tbs.validity.not_after.to_unix_duration().as_secs(),
        })
    }
}

/// Connects to `host:port`, completes a TLS handshake and returns the server certificate.
///
/// Sends no HTTP request and no credential: this is the first, explicit step of trusting
/// a node, whose fingerprint the user must confirm before anything else is sent.
pub async fn probe(host: &str, port: u16, timeout: Duration) -> Result<CertificateInfo, PveError> {
    let (_stream, certificate) = connect_reading_certificate(host, port, timeout).await?;
    Ok(certificate)
}

/// A TLS connection to `host:port` whatever certificate it presents, and that
/// certificate. For reading what a server is (a node before it is trusted, a container's
/// web UI), never for sending a credential: nothing checks who is at the other end.
pub async fn connect_reading_certificate(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<
    (
        tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
        CertificateInfo,
    ),
    PveError,
> {
    let verifier = Arc::new(LeafVerifier::new(LeafPolicy::Capture));
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| PveError::Tls {
            message: e.to_string(),
        })?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    let server_name =
        ServerName::try_from(host.to_owned()).map_err(|_| PveError::InvalidRequest {
            message: format!("`{host}` is not a host name or IP address"),
        })?;
    let handshake = async {
        let tcp = tokio::net::TcpStream::connect((host, port))
            .await
            .map_err(|e| PveError::Network {
                message: e.to_string(),
            })?;
        tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(server_name, tcp)
            .await
            .map_err(|e| PveError::Tls {
                message: e.to_string(),
            })
    };
    let stream = tokio::time::timeout(timeout, handshake)
        .await
        .map_err(|_| PveError::Timeout { after: timeout })??;
    let der = verifier.take_seen().ok_or_else(|| PveError::Tls {
        message: "the server presented no certificate".into(),
    })?;
    Ok((stream, CertificateInfo::from_der(&der)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_read_and_print_in_pve_format() {
        let text = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
        let fingerprint: Fingerprint = text.parse().unwrap();
        assert_eq!(fingerprint.to_string(), text);
        assert_eq!(
            text.to_lowercase().parse::<Fingerprint>().unwrap(),
            fingerprint
        );
        assert_eq!(
            text.replace(':', "").parse::<Fingerprint>().unwrap(),
            fingerprint
        );
        assert!("AB:CD".parse::<Fingerprint>().is_err());
        assert!(text.replace('A', "G").parse::<Fingerprint>().is_err());
    }
}
