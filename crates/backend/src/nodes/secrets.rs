//! A node's secrets (API token secret, SSH password or private key): sealed with the
//! vault to `node:<id>` and the field's name before they are written, opened only to
//! reach the node, resealed when the master key rotates.

use model::ids::NodeId;
use model::node::{SshAuthKind, ValidNode};
use zeroize::Zeroizing;

use super::connect::NodeAccess;
use super::records::{StoredNode, load_everyone, port_of};
use crate::Backend;
use crate::error::ServiceResult;
use crate::ssh::SshAuth;
use crate::store::StoreError;
use crate::vault::Binding;

/// The secret fields of a node record, each sealed to `node:<id>` and its own name.
const SECRET_FIELDS: [&str; 3] = ["token_secret", "ssh_password", "ssh_private_key"];

fn binding<'a>(id: &'a str, field: &'a str) -> Binding<'a> {
    Binding {
        table: "node",
        record: id,
        field,
    }
}

/// A node's secrets as vault envelopes, ready to be written.
pub(super) struct Sealed {
    pub token_secret: String,
    pub ssh_password: Option<String>,
    pub ssh_private_key: Option<String>,
}

/// Seals the secrets of `access` to node record `id`.
pub(super) fn seal(backend: &Backend, id: &NodeId, access: &NodeAccess) -> ServiceResult<Sealed> {
    let id = id.as_str();
    let seal_field =
        |field: &str, value: &str| backend.keys.seal(&binding(id, field), value.as_bytes());
    let (ssh_password, ssh_private_key) = match &access.ssh_auth {
        SshAuth::Password(password) => (Some(seal_field("ssh_password", password)?), None),
        SshAuth::PrivateKey { pem, .. } => (None, Some(seal_field("ssh_private_key", pem)?)),
    };
    Ok(Sealed {
        token_secret: seal_field("token_secret", &access.token_secret)?,
        ssh_password,
        ssh_private_key,
    })
}

fn open(
    backend: &Backend,
    stored: &StoredNode,
    field: &str,
    sealed: &str,
) -> ServiceResult<Zeroizing<String>> {
    let bytes = backend.keys.open(&binding(&stored.id, field), sealed)?;
    String::from_utf8(bytes.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| StoreError::Corrupt(format!("node {} {field} is not text", stored.id)).into())
}

/// Everything needed to reach a stored node, its secrets opened.
pub(super) fn access(backend: &Backend, stored: &StoredNode) -> ServiceResult<NodeAccess> {
    let ssh_auth = match (&stored.ssh_private_key, &stored.ssh_password) {
        (Some(key), _) => SshAuth::PrivateKey {
            pem: open(backend, stored, "ssh_private_key", key)?,
            passphrase: None,
        },
        (None, Some(password)) => {
            SshAuth::Password(open(backend, stored, "ssh_password", password)?)
        }
        (None, None) => SshAuth::Password(Zeroizing::new(String::new())),
    };
    Ok(NodeAccess {
        name: stored.name.clone(),
        host: stored.host.clone(),
        port: port_of(stored.port),
        token_id: stored.token_id.clone(),
        token_secret: open(backend, stored, "token_secret", &stored.token_secret)?,
        tls_fingerprint: stored.tls_fingerprint.clone(),
        ssh_user: stored.ssh_user.clone(),
        ssh_port: port_of(stored.ssh_port),
        ssh_auth,
        ssh_host_key: stored.ssh_host_key.clone(),
    })
}

/// Access built from a checked form and the secrets to use.
pub(super) fn access_from(
    valid: &ValidNode,
    token_secret: Zeroizing<String>,
    ssh_auth: SshAuth,
) -> NodeAccess {
    NodeAccess {
        name: valid.name.clone(),
        host: valid.host.clone(),
        port: valid.port,
        token_id: valid.token_id.clone(),
        token_secret,
        tls_fingerprint: valid.tls_fingerprint.clone(),
        ssh_user: valid.ssh_user.clone(),
        ssh_port: valid.ssh_port,
        ssh_auth,
        ssh_host_key: valid.ssh_host_key.clone(),
    }
}

/// The SSH login the form asks for, when its secret was typed.
pub(super) fn typed_ssh_auth(valid: &ValidNode) -> Option<SshAuth> {
    match valid.ssh_auth {
        SshAuthKind::Password => valid
            .ssh_password
            .clone()
            .map(|p| SshAuth::Password(Zeroizing::new(p))),
        SshAuthKind::Key => valid
            .ssh_private_key
            .clone()
            .map(|pem| SshAuth::PrivateKey {
                pem: Zeroizing::new(pem),
                passphrase: None,
            }),
    }
}

/// Re-encrypts every stored node secret under the current key; returns how many values
/// were resealed. Values already under the current key are left alone.
pub async fn reseal_all(backend: &Backend) -> ServiceResult<usize> {
    let mut resealed = 0;
    for node in load_everyone(backend).await? {
        let values = [
            Some(node.token_secret.clone()),
            node.ssh_password.clone(),
            node.ssh_private_key.clone(),
        ];
        for (field, value) in SECRET_FIELDS.iter().zip(values) {
            let Some(sealed) = value else { continue };
            if !backend.keys.is_stale(&sealed)? {
                continue;
            }
            let fresh = backend.keys.reseal(&binding(&node.id, field), &sealed)?;
            backend
                .store
                .db()
                // `field` is one of SECRET_FIELDS, never input.
                .query(format!(
                    "UPDATE type::record('node', $id) SET {field} = $value"
                ))
                .bind(("id", node.id.clone()))
                .bind(("value", fresh))
                .await?
                .check()?;
            resealed += 1;
        }
    }
    backend.node_lists.changed();
    Ok(resealed)
}
