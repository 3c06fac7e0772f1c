//! Certificates like a PVE cluster's: a cluster CA that signs one certificate per node.

use std::net::IpAddr;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

use crate::SimError;

/// The cluster CA (`pve-root-ca.pem`).
pub struct ClusterCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// One node's certificate, ready to serve.
#[derive(Clone)]
pub struct NodeCertificate {
    pub server_config: Arc<rustls::ServerConfig>,
    /// `AB:CD:…`, as `GET /nodes` reports it in `ssl_fingerprint`.
    pub fingerprint: String,
}

fn tls_error(error: impl std::fmt::Display) -> SimError {
    SimError::Tls(error.to_string())
}

impl ClusterCa {
    /// A new CA named like Proxmox's.
    pub fn generate() -> Result<ClusterCa, SimError> {
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Proxmox Virtual Environment");
        params
            .distinguished_name
            .push(DnType::OrganizationalUnitName, "pve-sim");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "PVE Cluster Manager CA");
        let key = KeyPair::generate().map_err(tls_error)?;
        let issuer = CertifiedIssuer::self_signed(params, key).map_err(tls_error)?;
        Ok(ClusterCa { issuer })
    }

    /// The CA certificate in PEM, for clients that trust the cluster CA.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A fresh certificate for `node`, valid for `localhost`, the node name and `ip`.
    pub fn issue(&self, node: &str, ip: IpAddr) -> Result<NodeCertificate, SimError> {
        let mut params = CertificateParams::new(vec!["localhost".to_owned(), node.to_owned()])
            .map_err(tls_error)?;
        params.subject_alt_names.push(SanType::IpAddress(ip));
        params
            .distinguished_name
            .push(DnType::CommonName, format!("{node}.local"));
        params
            .distinguished_name
            .push(DnType::OrganizationName, "PVE Cluster Node");
        let key = KeyPair::generate().map_err(tls_error)?;
        let cert = params.signed_by(&key, &self.issuer).map_err(tls_error)?;
        let der: CertificateDer<'static> = cert.der().clone();
        let fingerprint = fingerprint_of(&der);
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let server_config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_no_client_auth()
            .with_single_cert(vec![der, self.issuer.der().clone()], key_der)
            .map_err(tls_error)?;
        Ok(NodeCertificate {
            server_config: Arc::new(server_config),
            fingerprint,
        })
    }
}

/// `AB:CD:…` SHA-256 of a DER certificate.
pub fn fingerprint_of(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}
