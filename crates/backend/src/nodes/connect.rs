//! Reaching a node: the trust-on-first-use probe, and the checks a node must pass before
//! it is saved (API token, permissions, SSH with `pct list`).

use std::time::{Duration, Instant};

use model::node::{CertificateView, ProbeReport};
use pve::{Auth, Client, ClientConfig, Fingerprint, PveError, Secret, Trust};
use zeroize::Zeroizing;

use crate::error::{ServiceError, ServiceResult};
use crate::ssh::{SshAuth, SshError, SshSession, SshTarget, capture_host_key};

/// How long a probe or a check may take per step.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long `pct list` may run.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

/// Everything needed to talk to a node, secrets opened.
#[derive(Clone)]
pub struct NodeAccess {
    /// The display name, for messages.
    pub name: String,
    pub host: String,
    pub port: u16,
    pub token_id: String,
    pub token_secret: Zeroizing<String>,
    pub tls_fingerprint: String,
    pub ssh_user: String,
    pub ssh_port: u16,
    pub ssh_auth: SshAuth,
    pub ssh_host_key: String,
}

impl NodeAccess {
    /// A Proxmox client pinned to the node's certificate.
    pub fn client(&self, request_timeout: Duration) -> ServiceResult<Client> {
        let fingerprint: Fingerprint = self
            .tls_fingerprint
            .parse()
            .map_err(|_| ServiceError::field("tls_fingerprint", "not a SHA-256 fingerprint"))?;
        let mut config = ClientConfig::new(
            format!("https://{}:{}", url_host(&self.host), self.port),
            Auth::Token {
                id: self.token_id.clone(),
                secret: Secret::new(self.token_secret.as_str()),
            },
            Trust::Pinned(fingerprint),
        );
        config.connect_timeout = CONNECT_TIMEOUT;
        config.request_timeout = request_timeout;
        Client::new(config).map_err(|e| self.upstream(&e))
    }

    /// Where and how to log in over SSH.
    pub fn ssh_target(&self) -> SshTarget {
        SshTarget {
            host: self.host.clone(),
            port: self.ssh_port,
            user: self.ssh_user.clone(),
            auth: self.ssh_auth.clone(),
            host_key: self.ssh_host_key.clone(),
            connect_timeout: CONNECT_TIMEOUT,
        }
    }

    /// A Proxmox error as the user reads it: the node named, the field to fix when one
    /// is to blame.
    pub fn upstream(&self, error: &PveError) -> ServiceError {
        match error {
            PveError::Unauthorized { .. } => ServiceError::field(
                "token_secret",
                format!(
                    "{} refused the API token: check the token id and secret",
                    self.name
                ),
            ),
            PveError::TlsMismatch { expected, seen } => ServiceError::Upstream {
                node: self.name.clone(),
                message: format!(
                    "the TLS certificate changed: pinned {expected}, the node presented {seen}; \
                     re-pin the node if the change is expected"
                ),
            },
            other => ServiceError::Upstream {
                node: self.name.clone(),
                message: other.to_string(),
            },
        }
    }

    fn ssh_error(&self, error: &SshError) -> ServiceError {
        match error {
            SshError::AuthenticationFailed { user } => ServiceError::field(
                "ssh_password",
                format!("{} refused the SSH login as {user}", self.name),
            ),
            SshError::InvalidKey(message) => {
                ServiceError::field("ssh_private_key", format!("cannot read the key: {message}"))
            }
            other => ServiceError::Upstream {
                node: self.name.clone(),
                message: format!("SSH: {other}"),
            },
        }
    }
}

/// IPv6 literals need brackets in URLs.
fn url_host(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// Reads the TLS certificate and the SSH host key without sending any credential.
pub async fn probe(host: &str, port: u16, ssh_port: u16) -> ProbeReport {
    let (tls, ssh) = tokio::join!(
        pve::tls::probe(host, port, CONNECT_TIMEOUT),
        capture_host_key(host, ssh_port, CONNECT_TIMEOUT)
    );
    ProbeReport {
        host: host.to_owned(),
        port,
        ssh_port,
        tls: tls
            .map(|cert| CertificateView {
                fingerprint: cert.fingerprint.to_string(),
                subject: cert.subject,
                issuer: cert.issuer,
                not_before: model::time::rfc3339(cert.not_before),
                not_after: model::time::rfc3339(cert.not_after),
            })
            .map_err(|e| format!("HTTPS on port {port}: {e}")),
        ssh_host_key: ssh.map_err(|e| format!("SSH on port {ssh_port}: {e}")),
    }
}

/// What the checks found.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The Proxmox node name (given or discovered).
    pub pve_node: String,
    pub version: String,
    pub api_latency: Duration,
    pub containers: usize,
    pub ssh_latency: Duration,
}

/// Tests a node end to end: `GET /version` with the token, `GET /nodes` (and picks the
/// node name when none is given: the entry whose certificate is the pinned one), lists
/// its containers (the permission Corral needs), then logs in over SSH and runs
/// `pct list`. Sends nothing unless both fingerprints are pinned.
pub async fn verify(access: &NodeAccess, pve_node: Option<&str>) -> ServiceResult<Verified> {
    let client = access.client(Duration::from_secs(10))?;
    let started = Instant::now();
    let version = client.version().await.map_err(|e| access.upstream(&e))?;
    let api_latency = started.elapsed();
    let nodes = client.nodes().await.map_err(|e| access.upstream(&e))?;
    let names: Vec<&str> = nodes.iter().map(|n| n.node.as_str()).collect();
    let pve_node = match pve_node {
        Some(wanted) if names.contains(&wanted) => wanted.to_owned(),
        Some(wanted) => {
            return Err(ServiceError::field(
                "pve_node",
                format!(
                    "`{wanted}` is not a node here; this cluster has: {}",
                    names.join(", ")
                ),
            ));
        }
        None => {
            let pinned = access.tls_fingerprint.to_uppercase();
            let by_certificate = nodes.iter().find(|n| {
                n.ssl_fingerprint
                    .as_deref()
                    .is_some_and(|f| f.to_uppercase() == pinned)
            });
            match (by_certificate, nodes.as_slice()) {
                (Some(node), _) => node.node.clone(),
                (None, [only]) => only.node.clone(),
                _ => {
                    return Err(ServiceError::field(
                        "pve_node",
                        format!("this is a cluster; name the node: {}", names.join(", ")),
                    ));
                }
            }
        }
    };
    let containers = client.lxc_list(&pve_node).await.map_err(|e| match e {
        PveError::Forbidden { message, .. } => ServiceError::field(
            "token_id",
            format!("the token may not list containers on {pve_node} (needs VM.Audit): {message}"),
        ),
        other => access.upstream(&other),
    })?;
    let started = Instant::now();
    let session = SshSession::connect(&access.ssh_target())
        .await
        .map_err(|e| access.ssh_error(&e))?;
    let output = session
        .exec("pct list", None, COMMAND_TIMEOUT, |_, _| {})
        .await
        .map_err(|e| access.ssh_error(&e))?;
    let ssh_latency = started.elapsed();
    if !output.success() {
        return Err(ServiceError::Upstream {
            node: access.name.clone(),
            message: format!(
                "`pct list` failed over SSH (exit {}): {}",
                output.status.map_or("?".into(), |s| s.to_string()),
                output.stderr.trim()
            ),
        });
    }
    Ok(Verified {
        pve_node,
        version: version.version,
        api_latency,
        containers: containers.len(),
        ssh_latency,
    })
}
