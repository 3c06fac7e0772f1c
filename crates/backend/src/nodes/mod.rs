//! A user's Proxmox nodes: adding one after probing and testing it, editing, testing,
//! the default flag, deleting, and re-pinning after a certificate or host-key change.
//! Every function takes the owning user; a node of another user is "not found".
//!
//! - [`records`]: the node rows, always read by owner;
//! - [`secrets`]: sealing and opening the token secret and SSH credentials;
//! - [`connect`]: the trust-on-first-use probe and the checks a node must pass;
//! - [`repin`], [`demo`]: re-pinning, and the built-in demo cluster.

pub mod connect;
mod demo;
pub mod ranges;
mod records;
mod repin;
mod secrets;

use std::sync::Arc;
use std::time::Duration;

use model::ids::NodeId;
use model::node::{ConnectionReport, NodeForm, NodeView, ProbeReport, SshAuthKind};
use model::validate;
use zeroize::Zeroizing;

use crate::Backend;
use crate::accounts::User;
use crate::audit::{self, AuditAction, AuditOutcome, Entry, Target};
use crate::error::{ServiceError, ServiceResult};
use crate::ids::new_id;
use crate::per_user::PerUser;
use crate::ssh::SshAuth;
use records::{NewNode, NodeContent, StoredNode, load, load_all, name_is_free, port_of};
use secrets::{access_from, seal, typed_ssh_auth};

pub use connect::{NodeAccess, Verified, probe, verify};
pub use demo::{DemoCluster, add_demo};
pub use repin::{repin, repin_check};
pub use secrets::reseal_all;

/// How long the dashboard reuses a user's opened node list; a node changed through
/// another process shows that much later (this process's changes at once).
pub const LIST_FRESHNESS: Duration = Duration::from_secs(5);

/// Each user's nodes with their opened credentials, for the dashboard's pages; every
/// write to a node record calls [`PerUser::changed`].
pub type NodeListCache = PerUser<Vec<(NodeView, NodeAccess)>>;

/// After node `id` (as it was: `stored`; now called `name`) was changed by `action`: its
/// pooled SSH sessions and the inventory's cached answer and client go (credentials,
/// pins or the node itself changed), and the audit log records it.
async fn changed(
    backend: &Backend,
    owner: &User,
    (id, stored): (&NodeId, &StoredNode),
    name: &str,
    action: AuditAction,
    detail: Option<String>,
) {
    backend
        .ssh
        .forget(&stored.host, port_of(stored.ssh_port))
        .await;
    backend.inventory.forget(id);
    let mut entry = Entry::ok(owner, action, Target::node(Some(id), name));
    if let Some(detail) = detail {
        entry = entry.detail(detail);
    }
    audit::record(backend, entry).await;
}

/// The user's nodes, the default first, then by name.
pub async fn list(backend: &Backend, owner: &User) -> ServiceResult<Vec<NodeView>> {
    load_all(backend, owner)
        .await?
        .iter()
        .map(|node| Ok(node.view()?))
        .collect()
}

/// One of the user's nodes.
pub async fn get(backend: &Backend, owner: &User, id: &NodeId) -> ServiceResult<NodeView> {
    Ok(load(backend, owner, id).await?.view()?)
}

/// The user's default node (else the first by name), if they have any.
pub async fn default_node(backend: &Backend, owner: &User) -> ServiceResult<Option<NodeView>> {
    Ok(list(backend, owner).await?.into_iter().next())
}

/// Credentials to reach one of the user's nodes (for the inventory, lifecycle and jobs).
pub async fn access(
    backend: &Backend,
    owner: &User,
    id: &NodeId,
) -> ServiceResult<(NodeView, NodeAccess)> {
    let node = load(backend, owner, id).await?;
    Ok((node.view()?, secrets::access(backend, &node)?))
}

/// Every node of the user with its opened credentials (for the inventory).
pub async fn accesses(
    backend: &Backend,
    owner: &User,
) -> ServiceResult<Vec<(NodeView, NodeAccess)>> {
    load_all(backend, owner)
        .await?
        .iter()
        .map(|node| Ok((node.view()?, secrets::access(backend, node)?)))
        .collect()
}

/// [`accesses`] for the dashboard, kept a few seconds ([`LIST_FRESHNESS`]): its pages
/// over a 50-node fleet do not read and open 50 node records each. Actions on a node
/// always read it afresh ([`access`]).
pub async fn shared_accesses(
    backend: &Backend,
    owner: &User,
) -> ServiceResult<Arc<Vec<(NodeView, NodeAccess)>>> {
    backend
        .node_lists
        .get(&owner.id, || accesses(backend, owner))
        .await
}

/// Probes `host` before anything secret is sent; the user compares the fingerprints.
/// Refused outside the address ranges nodes may be added in.
pub async fn probe_address(
    backend: &Backend,
    _owner: &User,
    host: &str,
    port: &str,
    ssh_port: &str,
) -> ServiceResult<ProbeReport> {
    let host = validate::host("host", host)?;
    let port = validate::port("port", port, 8006)?;
    let ssh_port = validate::port("ssh_port", ssh_port, 22)?;
    ranges::check(backend, &host, port).await?;
    Ok(probe(&host, port, ssh_port).await)
}

/// Tests and saves a new node. The form must carry the fingerprints the user confirmed;
/// nothing is saved unless the token, its permissions and SSH all work.
pub async fn create(backend: &Backend, owner: &User, form: &NodeForm) -> ServiceResult<NodeView> {
    add(backend, owner, form, false).await
}

/// Checks, tests and writes a new node (`demo`: the built-in simulated cluster); a failed
/// test is audited too.
async fn add(
    backend: &Backend,
    owner: &User,
    form: &NodeForm,
    demo: bool,
) -> ServiceResult<NodeView> {
    let valid = form.validate(false)?;
    ranges::check(backend, &valid.host, valid.port).await?;
    name_is_free(backend, owner, &valid.name, None).await?;
    let token_secret = Zeroizing::new(valid.token_secret.clone().unwrap_or_default());
    let ssh_auth =
        typed_ssh_auth(&valid).ok_or_else(|| ServiceError::field("ssh_password", "required"))?;
    let access = access_from(&valid, token_secret, ssh_auth);
    let verified = match verify(&access, valid.pve_node.as_deref()).await {
        Ok(verified) => verified,
        Err(error) => {
            let entry = Entry::by(
                owner,
                AuditAction::NodeCreate,
                Target::node(None, &valid.name),
                AuditOutcome::Failed,
            );
            audit::record(backend, entry.detail(error.to_string())).await;
            return Err(error);
        }
    };
    let id: NodeId = new_id();
    let sealed = seal(backend, &id, &access)?;
    records::insert(
        backend,
        NewNode {
            id: &id,
            owner: &owner.id,
            content: NodeContent::new(&valid, sealed, &verified.pve_node),
            tls_fingerprint: &valid.tls_fingerprint,
            ssh_host_key: &valid.ssh_host_key,
            demo,
        },
    )
    .await?;
    let mut detail = format!(
        "{}:{} (Proxmox node {}, PVE {})",
        valid.host, valid.port, verified.pve_node, verified.version
    );
    if demo {
        detail.push_str(", the built-in demo cluster");
    }
    audit::record(
        backend,
        Entry::ok(
            owner,
            AuditAction::NodeCreate,
            Target::node(Some(&id), &valid.name),
        )
        .detail(detail),
    )
    .await;
    get(backend, owner, &id).await
}

/// Saves an edited node after testing it with the merged values. Empty secret fields
/// keep the stored secrets; the pinned fingerprints change only through [`repin`].
pub async fn update(
    backend: &Backend,
    owner: &User,
    id: &NodeId,
    form: &NodeForm,
) -> ServiceResult<NodeView> {
    let stored = load(backend, owner, id).await?;
    let mut form = form.clone();
    form.tls_fingerprint = stored.tls_fingerprint.clone();
    form.ssh_host_key = stored.ssh_host_key.clone();
    let valid = form.validate(true)?;
    ranges::check(backend, &valid.host, valid.port).await?;
    name_is_free(backend, owner, &valid.name, Some(id)).await?;
    let old = secrets::access(backend, &stored)?;
    let token_secret = valid
        .token_secret
        .clone()
        .map(Zeroizing::new)
        .unwrap_or_else(|| old.token_secret.clone());
    let ssh_auth = match (typed_ssh_auth(&valid), &old.ssh_auth, valid.ssh_auth) {
        (Some(auth), _, _) => auth,
        (None, SshAuth::Password(_), SshAuthKind::Password)
        | (None, SshAuth::PrivateKey { .. }, SshAuthKind::Key) => old.ssh_auth.clone(),
        (None, _, SshAuthKind::Password) => {
            return Err(ServiceError::field(
                "ssh_password",
                "required when switching to password login",
            ));
        }
        (None, _, SshAuthKind::Key) => {
            return Err(ServiceError::field(
                "ssh_private_key",
                "required when switching to key login",
            ));
        }
    };
    let access = access_from(&valid, token_secret, ssh_auth);
    let verified = verify(&access, valid.pve_node.as_deref()).await?;
    let sealed = seal(backend, id, &access)?;
    let content = NodeContent::new(&valid, sealed, &verified.pve_node);
    records::update(backend, owner, id, content).await?;
    changed(
        backend,
        owner,
        (id, &stored),
        &valid.name,
        AuditAction::NodeUpdate,
        None,
    )
    .await;
    get(backend, owner, id).await
}

/// "Test connection": version, API latency, container count, SSH round trip.
pub async fn test(backend: &Backend, owner: &User, id: &NodeId) -> ServiceResult<ConnectionReport> {
    let stored = load(backend, owner, id).await?;
    let access = secrets::access(backend, &stored)?;
    let verified = verify(&access, Some(&stored.pve_node)).await?;
    Ok(ConnectionReport {
        version: verified.version,
        api_latency_ms: verified.api_latency.as_secs_f64() * 1000.0,
        containers: verified.containers,
        ssh_latency_ms: verified.ssh_latency.as_secs_f64() * 1000.0,
    })
}

/// Makes one node the user's default (the others lose the flag).
pub async fn set_default(backend: &Backend, owner: &User, id: &NodeId) -> ServiceResult<NodeView> {
    let stored = load(backend, owner, id).await?;
    backend
        .store
        .db()
        .query(
            "BEGIN TRANSACTION;
             UPDATE node SET is_default = (record::id(id) = $id)
               WHERE owner = type::record('user', $owner);
             COMMIT TRANSACTION;",
        )
        .bind(("id", id.to_string()))
        .bind(("owner", owner.id.to_string()))
        .await?
        .check()?;
    backend.node_lists.changed();
    audit::record(
        backend,
        Entry::ok(
            owner,
            AuditAction::NodeDefault,
            Target::node(Some(id), &stored.name),
        ),
    )
    .await;
    get(backend, owner, id).await
}

/// Deletes a node from Corral (its containers on Proxmox are untouched); `confirm` must
/// repeat the node's name. When it was the default, the first remaining node by name
/// becomes the default.
pub async fn delete(
    backend: &Backend,
    owner: &User,
    id: &NodeId,
    confirm: &str,
) -> ServiceResult<()> {
    let stored = load(backend, owner, id).await?;
    if confirm.trim() != stored.name {
        return Err(ServiceError::field(
            "confirm",
            format!("type the node's name, {}, to confirm", stored.name),
        ));
    }
    backend
        .store
        .db()
        .query(
            "BEGIN TRANSACTION;
             DELETE type::record('node', $id) WHERE owner = type::record('user', $owner);
             DELETE discovery WHERE node = type::record('node', $id)
                 AND owner = type::record('user', $owner);
             IF count(SELECT id FROM node WHERE owner = type::record('user', $owner) AND is_default) = 0 {
                 UPDATE (SELECT id, name FROM node WHERE owner = type::record('user', $owner)
                         ORDER BY name LIMIT 1) SET is_default = true;
             };
             COMMIT TRANSACTION;",
        )
        .bind(("id", id.to_string()))
        .bind(("owner", owner.id.to_string()))
        .await?
        .check()?;
    backend.node_lists.changed();
    changed(
        backend,
        owner,
        (id, &stored),
        &stored.name,
        AuditAction::NodeDelete,
        None,
    )
    .await;
    Ok(())
}
