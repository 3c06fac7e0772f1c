//! Proxmox nodes as the browser sees them, and the add/edit form.

use serde::{Deserialize, Serialize};

use crate::ids::NodeId;
use crate::validate::{self, FieldError};

/// A node without its secrets: the browser learns whether a secret is stored, never what
/// it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeView {
    pub id: NodeId,
    /// The display name in Corral (unique per user).
    pub name: String,
    /// The Proxmox node name used in API paths.
    pub pve_node: String,
    pub host: String,
    pub port: u16,
    pub token_id: String,
    pub pool: Option<String>,
    pub ssh_user: String,
    pub ssh_port: u16,
    pub ssh_auth: SshAuthKind,
    pub tls_fingerprint: String,
    pub ssh_host_key: String,
    pub is_default: bool,
    /// Added from the built-in simulated cluster (`corral --demo`).
    pub demo: bool,
}

/// What a probe of `host:port` found, before anything secret is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub host: String,
    pub port: u16,
    pub ssh_port: u16,
    pub tls: Result<CertificateView, String>,
    pub ssh_host_key: Result<String, String>,
}

impl ProbeReport {
    /// Both fingerprints were read.
    pub fn complete(&self) -> bool {
        self.tls.is_ok() && self.ssh_host_key.is_ok()
    }
}

/// A node's TLS certificate, as shown for confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateView {
    /// `AB:CD:…`, 32 pairs.
    pub fingerprint: String,
    pub subject: String,
    pub issuer: String,
    /// RFC 3339 dates.
    pub not_before: String,
    pub not_after: String,
}

/// The built-in simulated cluster of `corral --demo`, for trying the add flow by hand.
/// These are the simulator's own throwaway credentials, not stored secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoView {
    pub host: String,
    pub port: u16,
    pub ssh_port: u16,
    pub pve_node: String,
    pub token_id: String,
    pub token_secret: String,
    pub ssh_password: String,
}

/// The address ranges nodes may be added in, as the settings page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRangesView {
    /// The ranges, comma-separated (empty: anywhere).
    pub ranges: String,
    /// Set by `--node-address-ranges`: the page cannot change them.
    pub fixed_by_flag: bool,
}

/// The pinned fingerprints next to what a node presents now (the re-pin screen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepinView {
    pub node: NodeView,
    pub probe: ProbeReport,
}

/// The outcome of "Test connection".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionReport {
    /// e.g. `9.1.6`.
    pub version: String,
    /// Round trip of `GET /version`.
    pub api_latency_ms: f64,
    /// Containers on the node, as listed with the token.
    pub containers: usize,
    /// Round trip of `pct list` over SSH, including the login when not pooled.
    pub ssh_latency_ms: f64,
}

/// The add/edit form as submitted. Secrets may be empty on edit: empty keeps the stored
/// value. `Debug` redacts the secrets.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeForm {
    pub name: String,
    #[serde(default)]
    pub pve_node: String,
    pub host: String,
    #[serde(default)]
    pub port: String,
    pub token_id: String,
    #[serde(default)]
    pub token_secret: String,
    #[serde(default)]
    pub pool: String,
    #[serde(default)]
    pub ssh_user: String,
    #[serde(default)]
    pub ssh_port: String,
    /// `password` or `key`.
    #[serde(default)]
    pub ssh_auth: String,
    #[serde(default)]
    pub ssh_password: String,
    #[serde(default)]
    pub ssh_private_key: String,
    /// The fingerprints the user confirmed after the probe.
    #[serde(default)]
    pub tls_fingerprint: String,
    #[serde(default)]
    pub ssh_host_key: String,
    /// The "I compared these fingerprints" checkbox (`on` when ticked).
    #[serde(default)]
    pub confirm: Option<String>,
}

/// How the node's SSH login works (`password` or `key` on the wire and in forms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SshAuthKind {
    Password,
    Key,
}

impl SshAuthKind {
    /// The form value.
    pub fn as_str(self) -> &'static str {
        match self {
            SshAuthKind::Password => "password",
            SshAuthKind::Key => "key",
        }
    }
}

/// A validated form. Secrets stay `None` when the field was left empty. `Debug` redacts
/// the secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidNode {
    pub name: String,
    pub pve_node: Option<String>,
    pub host: String,
    pub port: u16,
    pub token_id: String,
    pub token_secret: Option<String>,
    pub pool: Option<String>,
    pub ssh_user: String,
    pub ssh_port: u16,
    pub ssh_auth: SshAuthKind,
    pub ssh_password: Option<String>,
    pub ssh_private_key: Option<String>,
    pub tls_fingerprint: String,
    pub ssh_host_key: String,
}

/// How a secret field shows in `Debug`: whether it was given, never what it is.
fn redacted(given: bool) -> &'static str {
    if given { "<redacted>" } else { "<empty>" }
}

impl std::fmt::Debug for NodeForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeForm")
            .field("name", &self.name)
            .field("pve_node", &self.pve_node)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("token_id", &self.token_id)
            .field("token_secret", &redacted(!self.token_secret.is_empty()))
            .field("pool", &self.pool)
            .field("ssh_user", &self.ssh_user)
            .field("ssh_port", &self.ssh_port)
            .field("ssh_auth", &self.ssh_auth)
            .field("ssh_password", &redacted(!self.ssh_password.is_empty()))
            .field(
                "ssh_private_key",
                &redacted(!self.ssh_private_key.is_empty()),
            )
            .field("tls_fingerprint", &self.tls_fingerprint)
            .field("ssh_host_key", &self.ssh_host_key)
            .field("confirm", &self.confirm)
            .finish()
    }
}

impl std::fmt::Debug for ValidNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidNode")
            .field("name", &self.name)
            .field("pve_node", &self.pve_node)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("token_id", &self.token_id)
            .field("token_secret", &redacted(self.token_secret.is_some()))
            .field("pool", &self.pool)
            .field("ssh_user", &self.ssh_user)
            .field("ssh_port", &self.ssh_port)
            .field("ssh_auth", &self.ssh_auth)
            .field("ssh_password", &redacted(self.ssh_password.is_some()))
            .field("ssh_private_key", &redacted(self.ssh_private_key.is_some()))
            .field("tls_fingerprint", &self.tls_fingerprint)
            .field("ssh_host_key", &self.ssh_host_key)
            .finish()
    }
}

/// Checks a token id: `user@realm!name`.
pub fn token_id(field: &str, value: &str) -> Result<String, FieldError> {
    let value = validate::required(field, value, 200)?;
    let well_formed = value.split_once('!').is_some_and(|(user, name)| {
        user.split_once('@')
            .is_some_and(|(u, realm)| !u.is_empty() && !realm.is_empty())
            && !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    });
    if well_formed {
        Ok(value)
    } else {
        Err(FieldError::new(
            field,
            "an API token id looks like root@pam!corral",
        ))
    }
}

impl NodeForm {
    /// Validates every field. `editing` allows empty secrets (keep the stored ones).
    pub fn validate(&self, editing: bool) -> Result<ValidNode, FieldError> {
        let name = validate::required("name", &self.name, 64)?;
        let pve_node = validate::optional("pve_node", &self.pve_node, 64)?;
        if let Some(node) = &pve_node
            && !node
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
        {
            return Err(FieldError::new(
                "pve_node",
                "a Proxmox node name: letters, digits, '-' and '.'",
            ));
        }
        let host = validate::host("host", &self.host)?;
        let port = validate::port("port", &self.port, 8006)?;
        let token_id = token_id("token_id", &self.token_id)?;
        let token_secret = validate::optional("token_secret", &self.token_secret, 200)?;
        if token_secret.is_none() && !editing {
            return Err(FieldError::new("token_secret", "required"));
        }
        let pool = validate::optional("pool", &self.pool, 64)?;
        let ssh_user = validate::optional("ssh_user", &self.ssh_user, 64)?
            .unwrap_or_else(|| "root".to_owned());
        validate::username("ssh_user", &ssh_user)?;
        let ssh_port = validate::port("ssh_port", &self.ssh_port, 22)?;
        let ssh_auth = match self.ssh_auth.as_str() {
            "" | "password" => SshAuthKind::Password,
            "key" => SshAuthKind::Key,
            _ => return Err(FieldError::new("ssh_auth", "password or key")),
        };
        let ssh_password = if self.ssh_password.is_empty() {
            None
        } else if self.ssh_password.len() > 1024 {
            return Err(FieldError::new("ssh_password", "at most 1024 characters"));
        } else {
            Some(self.ssh_password.clone())
        };
        let ssh_private_key = match self.ssh_private_key.trim() {
            "" => None,
            key if key.len() > 16 * 1024 => {
                return Err(FieldError::new("ssh_private_key", "at most 16 KiB"));
            }
            key if !key.starts_with("-----BEGIN ") => {
                return Err(FieldError::new(
                    "ssh_private_key",
                    "an OpenSSH private key, starting with -----BEGIN OPENSSH PRIVATE KEY-----",
                ));
            }
            key => Some(format!("{key}\n")),
        };
        if !editing {
            match ssh_auth {
                SshAuthKind::Password if ssh_password.is_none() => {
                    return Err(FieldError::new("ssh_password", "required"));
                }
                SshAuthKind::Key if ssh_private_key.is_none() => {
                    return Err(FieldError::new("ssh_private_key", "required"));
                }
                _ => {}
            }
        }
        let tls_fingerprint = validate::fingerprint("tls_fingerprint", &self.tls_fingerprint)?;
        let ssh_host_key = validate::fingerprint("ssh_host_key", &self.ssh_host_key)?;
        if !editing && self.confirm.is_none() {
            return Err(FieldError::new(
                "confirm",
                "compare both fingerprints with the node and tick the box to trust them",
            ));
        }
        Ok(ValidNode {
            name,
            pve_node,
            host,
            port,
            token_id,
            token_secret,
            pool,
            ssh_user,
            ssh_port,
            ssh_auth,
            ssh_password,
            ssh_private_key,
            tls_fingerprint,
            ssh_host_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> NodeForm {
        NodeForm {
            name: "Home lab".into(),
            host: "192.0.2.10".into(),
            token_id: "root@pam!corral".into(),
            token_secret: "a-secret".into(),
            ssh_password: "pw".into(),
            tls_fingerprint: vec!["AB"; 32].join(":"),
            ssh_host_key: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU".into(),
            confirm: Some("on".into()),
            ..NodeForm::default()
        }
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let form = NodeForm {
            ssh_private_key: "-----BEGIN OPENSSH PRIVATE KEY-----".into(),
            ..form()
        };
        let valid = form.validate(false).unwrap();
        for shown in [format!("{form:?}"), format!("{valid:?}")] {
            for secret in ["a-secret", "pw\"", "BEGIN OPENSSH"] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
            assert!(shown.contains("<redacted>") && shown.contains("root@pam!corral"));
        }
    }

    #[test]
    fn a_complete_form_gets_defaults() {
        let node = form().validate(false).unwrap();
        assert_eq!((node.port, node.ssh_port), (8006, 22));
        assert_eq!(node.ssh_user, "root");
        assert_eq!(node.ssh_auth, SshAuthKind::Password);
        assert_eq!(node.pve_node, None);
    }

    #[test]
    fn each_missing_or_bad_field_is_named() {
        type Change = fn(&mut NodeForm);
        let cases: Vec<(Change, &str)> = vec![
            (|f| f.name.clear(), "name"),
            (|f| f.host = "https://x".into(), "host"),
            (|f| f.port = "99999".into(), "port"),
            (|f| f.token_id = "root".into(), "token_id"),
            (|f| f.token_secret.clear(), "token_secret"),
            (|f| f.ssh_password.clear(), "ssh_password"),
            (|f| f.pve_node = "pve 1".into(), "pve_node"),
            (|f| f.confirm = None, "confirm"),
            (|f| f.tls_fingerprint = "AB".into(), "tls_fingerprint"),
            (
                |f| {
                    f.ssh_auth = "key".into();
                    f.ssh_private_key = "ssh-ed25519 AAAA".into();
                },
                "ssh_private_key",
            ),
        ];
        for (change, field) in cases {
            let mut bad = form();
            change(&mut bad);
            assert_eq!(bad.validate(false).unwrap_err().field, field);
        }
    }

    #[test]
    fn editing_keeps_empty_secrets() {
        let mut edit = form();
        edit.token_secret.clear();
        edit.ssh_password.clear();
        edit.confirm = None;
        let node = edit.validate(true).unwrap();
        assert_eq!((node.token_secret, node.ssh_password), (None, None));
    }
}
