//! A user's Proxmox nodes: adding one after probing and testing it, editing, testing,
//! the default flag, deleting, and re-pinning after a certificate or host-key change.
//! Every function takes the owning user; a node of another user is "not found".

pub mod connect;

use model::node::{
    ConnectionReport, DemoView, NodeForm, NodeView, ProbeReport, SshAuthKind, ValidNode,
};
use model::validate;
use surrealdb::types::SurrealValue;
use zeroize::Zeroizing;

use crate::Backend;
use crate::accounts::User;
use crate::audit::{self, Entry, Outcome};
use crate::error::{ServiceError, ServiceResult, statement_errors};
use crate::ids::new_id;
use crate::ssh::SshAuth;
use crate::vault::Binding;

pub use connect::{NodeAccess, Verified, probe, verify};

/// A node row as stored: secrets are vault envelopes.
#[derive(Debug, Clone, SurrealValue)]
struct StoredNode {
    id: String,
    name: String,
    pve_node: String,
    host: String,
    port: i64,
    token_id: String,
    token_secret: String,
    pool: Option<String>,
    ssh_user: String,
    ssh_port: i64,
    ssh_password: Option<String>,
    ssh_private_key: Option<String>,
    tls_fingerprint: String,
    ssh_host_key: String,
    is_default: bool,
    demo: bool,
}

const NODE_VALUE: &str = "{ id: record::id(id), name: name, pve_node: pve_node, host: host, \
     port: port, token_id: token_id, token_secret: token_secret, pool: pool, \
     ssh_user: ssh_user, ssh_port: ssh_port, ssh_password: ssh_password, \
     ssh_private_key: ssh_private_key, tls_fingerprint: tls_fingerprint, \
     ssh_host_key: ssh_host_key, is_default: is_default, demo: demo }";

/// The secret fields of a node record, each sealed to `node:<id>` and its own name.
const SECRET_FIELDS: [&str; 3] = ["token_secret", "ssh_password", "ssh_private_key"];

fn binding<'a>(id: &'a str, field: &'a str) -> Binding<'a> {
    Binding {
        table: "node",
        record: id,
        field,
    }
}

fn port_of(value: i64) -> u16 {
    u16::try_from(value).unwrap_or(0)
}

impl StoredNode {
    fn view(&self) -> NodeView {
        NodeView {
            id: self.id.clone(),
            name: self.name.clone(),
            pve_node: self.pve_node.clone(),
            host: self.host.clone(),
            port: port_of(self.port),
            token_id: self.token_id.clone(),
            pool: self.pool.clone(),
            ssh_user: self.ssh_user.clone(),
            ssh_port: port_of(self.ssh_port),
            ssh_auth: if self.ssh_private_key.is_some() {
                "key"
            } else {
                "password"
            }
            .to_owned(),
            tls_fingerprint: self.tls_fingerprint.clone(),
            ssh_host_key: self.ssh_host_key.clone(),
            is_default: self.is_default,
            demo: self.demo,
        }
    }

    fn open(
        &self,
        backend: &Backend,
        field: &str,
        sealed: &str,
    ) -> ServiceResult<Zeroizing<String>> {
        let bytes = backend.keys.open(&binding(&self.id, field), sealed)?;
        String::from_utf8(bytes.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| ServiceError::Internal(format!("node {} {field} is not text", self.id)))
    }

    fn access(&self, backend: &Backend) -> ServiceResult<NodeAccess> {
        let ssh_auth = match (&self.ssh_private_key, &self.ssh_password) {
            (Some(key), _) => SshAuth::PrivateKey {
                pem: self.open(backend, "ssh_private_key", key)?,
                passphrase: None,
            },
            (None, Some(password)) => {
                SshAuth::Password(self.open(backend, "ssh_password", password)?)
            }
            (None, None) => SshAuth::Password(Zeroizing::new(String::new())),
        };
        Ok(NodeAccess {
            name: self.name.clone(),
            host: self.host.clone(),
            port: port_of(self.port),
            token_id: self.token_id.clone(),
            token_secret: self.open(backend, "token_secret", &self.token_secret)?,
            tls_fingerprint: self.tls_fingerprint.clone(),
            ssh_user: self.ssh_user.clone(),
            ssh_port: port_of(self.ssh_port),
            ssh_auth,
            ssh_host_key: self.ssh_host_key.clone(),
        })
    }
}

async fn load(backend: &Backend, owner: &User, id: &str) -> ServiceResult<StoredNode> {
    if !validate::is_record_id(id) {
        return Err(ServiceError::NotFound);
    }
    let node: Option<StoredNode> = backend
        .store
        .db()
        .query(format!(
            "SELECT VALUE {NODE_VALUE} FROM ONLY type::record('node', $id)
             WHERE owner = type::record('user', $owner)"
        ))
        .bind(("id", id.to_owned()))
        .bind(("owner", owner.id.clone()))
        .await?
        .check()?
        .take(0)?;
    node.ok_or(ServiceError::NotFound)
}

/// Drops pooled SSH sessions and the inventory's cached answer and client for a node
/// whose credentials, pins or existence changed.
async fn forget_connections(backend: &Backend, stored: &StoredNode) {
    backend
        .ssh
        .forget(&stored.host, port_of(stored.ssh_port))
        .await;
    backend.inventory.forget(&stored.id);
}

async fn load_all(backend: &Backend, owner: &User) -> ServiceResult<Vec<StoredNode>> {
    let nodes: Vec<StoredNode> = backend
        .store
        .db()
        .query(format!(
            "SELECT * FROM (SELECT VALUE {NODE_VALUE} FROM node
               WHERE owner = type::record('user', $owner))
             ORDER BY is_default DESC, name ASC"
        ))
        .bind(("owner", owner.id.clone()))
        .await?
        .check()?
        .take(0)?;
    Ok(nodes)
}

/// The user's nodes, the default first, then by name.
pub async fn list(backend: &Backend, owner: &User) -> ServiceResult<Vec<NodeView>> {
    Ok(load_all(backend, owner)
        .await?
        .iter()
        .map(StoredNode::view)
        .collect())
}

/// One of the user's nodes.
pub async fn get(backend: &Backend, owner: &User, id: &str) -> ServiceResult<NodeView> {
    Ok(load(backend, owner, id).await?.view())
}

/// Credentials to reach one of the user's nodes (for the inventory, lifecycle and jobs).
pub async fn access(
    backend: &Backend,
    owner: &User,
    id: &str,
) -> ServiceResult<(NodeView, NodeAccess)> {
    let node = load(backend, owner, id).await?;
    Ok((node.view(), node.access(backend)?))
}

/// Every node of the user with its opened credentials (for the inventory).
pub async fn accesses(
    backend: &Backend,
    owner: &User,
) -> ServiceResult<Vec<(NodeView, NodeAccess)>> {
    load_all(backend, owner)
        .await?
        .iter()
        .map(|node| Ok((node.view(), node.access(backend)?)))
        .collect()
}

/// Probes `host` before anything secret is sent; the user compares the fingerprints.
pub async fn probe_address(
    _owner: &User,
    host: &str,
    port: &str,
    ssh_port: &str,
) -> ServiceResult<ProbeReport> {
    let host = validate::host("host", host)?;
    let port = validate::port("port", port, 8006)?;
    let ssh_port = validate::port("ssh_port", ssh_port, 22)?;
    Ok(probe(&host, port, ssh_port).await)
}

fn access_from(
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

fn new_ssh_auth(valid: &ValidNode) -> Option<SshAuth> {
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

async fn name_is_free(
    backend: &Backend,
    owner: &User,
    name: &str,
    except: Option<&str>,
) -> ServiceResult<()> {
    let clash: Option<i64> = backend
        .store
        .db()
        .query(
            "RETURN count(SELECT id FROM node WHERE owner = type::record('user', $owner)
               AND string::lowercase(name) = string::lowercase($name)
               AND record::id(id) != $except)",
        )
        .bind(("owner", owner.id.clone()))
        .bind(("name", name.to_owned()))
        .bind(("except", except.unwrap_or("").to_owned()))
        .await?
        .check()?
        .take(0)?;
    if clash.unwrap_or(0) > 0 {
        Err(ServiceError::field(
            "name",
            "you already have a node with this name",
        ))
    } else {
        Ok(())
    }
}

struct Sealed {
    token_secret: String,
    ssh_password: Option<String>,
    ssh_private_key: Option<String>,
}

/// What the add and edit forms write, secrets sealed: one object for `CONTENT`/`MERGE`.
#[derive(Debug, SurrealValue)]
struct NodeContent {
    name: String,
    pve_node: String,
    host: String,
    port: i64,
    token_id: String,
    token_secret: String,
    pool: Option<String>,
    ssh_user: String,
    ssh_port: i64,
    ssh_password: Option<String>,
    ssh_private_key: Option<String>,
}

impl NodeContent {
    fn new(valid: &ValidNode, sealed: Sealed, pve_node: &str) -> NodeContent {
        NodeContent {
            name: valid.name.clone(),
            pve_node: pve_node.to_owned(),
            host: valid.host.clone(),
            port: i64::from(valid.port),
            token_id: valid.token_id.clone(),
            token_secret: sealed.token_secret,
            pool: valid.pool.clone(),
            ssh_user: valid.ssh_user.clone(),
            ssh_port: i64::from(valid.ssh_port),
            ssh_password: sealed.ssh_password,
            ssh_private_key: sealed.ssh_private_key,
        }
    }
}

fn seal(backend: &Backend, id: &str, access: &NodeAccess) -> ServiceResult<Sealed> {
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

/// Tests and saves a new node. The form must carry the fingerprints the user confirmed;
/// nothing is saved unless the token, its permissions and SSH all work.
pub async fn create(backend: &Backend, owner: &User, form: &NodeForm) -> ServiceResult<NodeView> {
    let valid = form.validate(false)?;
    name_is_free(backend, owner, &valid.name, None).await?;
    let token_secret = Zeroizing::new(valid.token_secret.clone().unwrap_or_default());
    let ssh_auth =
        new_ssh_auth(&valid).ok_or_else(|| ServiceError::field("ssh_password", "required"))?;
    let access = access_from(&valid, token_secret, ssh_auth);
    let verified = match verify(&access, valid.pve_node.as_deref()).await {
        Ok(verified) => verified,
        Err(error) => {
            audit::record(
                backend,
                Entry::by(
                    owner,
                    "node.create",
                    format!("node {}", valid.name),
                    Outcome::Failed,
                )
                .detail(error.to_string()),
            )
            .await;
            return Err(error);
        }
    };
    let id = insert(backend, owner, &valid, &access, &verified.pve_node, false).await?;
    audit::record(
        backend,
        Entry::ok(owner, "node.create", format!("node {}", valid.name)).detail(format!(
            "{}:{} (Proxmox node {}, PVE {})",
            valid.host, valid.port, verified.pve_node, verified.version
        )),
    )
    .await;
    get(backend, owner, &id).await
}

async fn insert(
    backend: &Backend,
    owner: &User,
    valid: &ValidNode,
    access: &NodeAccess,
    pve_node: &str,
    demo: bool,
) -> ServiceResult<String> {
    let id = new_id();
    let sealed = seal(backend, &id, access)?;
    let mut response = backend
        .store
        .db()
        .query(
            "BEGIN TRANSACTION;
             LET $first = count(SELECT id FROM node WHERE owner = type::record('user', $owner)) = 0;
             CREATE type::record('node', $id) CONTENT object::extend($content, {
                 owner: type::record('user', $owner),
                 tls_fingerprint: $tls_fingerprint, ssh_host_key: $ssh_host_key,
                 is_default: $first, demo: $demo
             });
             COMMIT TRANSACTION;",
        )
        .bind(("id", id.clone()))
        .bind(("owner", owner.id.clone()))
        .bind(("content", NodeContent::new(valid, sealed, pve_node)))
        .bind(("tls_fingerprint", valid.tls_fingerprint.clone()))
        .bind(("ssh_host_key", valid.ssh_host_key.clone()))
        .bind(("demo", demo))
        .await?;
    if let Some(text) = statement_errors(&mut response) {
        return Err(if text.contains("node_owner_name") {
            ServiceError::field("name", "you already have a node with this name")
        } else {
            ServiceError::Internal(text)
        });
    }
    Ok(id)
}

/// Saves an edited node after testing it with the merged values. Empty secret fields
/// keep the stored secrets; the pinned fingerprints change only through [`repin`].
pub async fn update(
    backend: &Backend,
    owner: &User,
    id: &str,
    form: &NodeForm,
) -> ServiceResult<NodeView> {
    let stored = load(backend, owner, id).await?;
    let mut form = form.clone();
    form.tls_fingerprint = stored.tls_fingerprint.clone();
    form.ssh_host_key = stored.ssh_host_key.clone();
    let valid = form.validate(true)?;
    name_is_free(backend, owner, &valid.name, Some(id)).await?;
    let old = stored.access(backend)?;
    let token_secret = valid
        .token_secret
        .clone()
        .map(Zeroizing::new)
        .unwrap_or_else(|| old.token_secret.clone());
    let ssh_auth = match (new_ssh_auth(&valid), &old.ssh_auth, valid.ssh_auth) {
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
    backend
        .store
        .db()
        .query(
            "UPDATE type::record('node', $id)
             MERGE object::extend($content, { updated_at: time::now() })
             WHERE owner = type::record('user', $owner)",
        )
        .bind(("id", id.to_owned()))
        .bind(("owner", owner.id.clone()))
        .bind((
            "content",
            NodeContent::new(&valid, sealed, &verified.pve_node),
        ))
        .await?
        .check()?;
    forget_connections(backend, &stored).await;
    audit::record(
        backend,
        Entry::ok(owner, "node.update", format!("node {}", valid.name)),
    )
    .await;
    get(backend, owner, id).await
}

/// "Test connection": version, API latency, container count, SSH round trip.
pub async fn test(backend: &Backend, owner: &User, id: &str) -> ServiceResult<ConnectionReport> {
    let stored = load(backend, owner, id).await?;
    let access = stored.access(backend)?;
    let verified = verify(&access, Some(&stored.pve_node)).await?;
    Ok(ConnectionReport {
        version: verified.version,
        api_latency_ms: verified.api_latency.as_secs_f64() * 1000.0,
        containers: verified.containers,
        ssh_latency_ms: verified.ssh_latency.as_secs_f64() * 1000.0,
    })
}

/// Makes one node the user's default (the others lose the flag).
pub async fn set_default(backend: &Backend, owner: &User, id: &str) -> ServiceResult<NodeView> {
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
        .bind(("id", id.to_owned()))
        .bind(("owner", owner.id.clone()))
        .await?
        .check()?;
    audit::record(
        backend,
        Entry::ok(owner, "node.default", format!("node {}", stored.name)),
    )
    .await;
    get(backend, owner, id).await
}

/// Deletes a node (its containers on Proxmox are untouched). When it was the default,
/// the first remaining node by name becomes the default.
pub async fn delete(backend: &Backend, owner: &User, id: &str) -> ServiceResult<()> {
    let stored = load(backend, owner, id).await?;
    backend
        .store
        .db()
        .query(
            "BEGIN TRANSACTION;
             DELETE type::record('node', $id) WHERE owner = type::record('user', $owner);
             IF count(SELECT id FROM node WHERE owner = type::record('user', $owner) AND is_default) = 0 {
                 UPDATE (SELECT id, name FROM node WHERE owner = type::record('user', $owner)
                         ORDER BY name LIMIT 1) SET is_default = true;
             };
             COMMIT TRANSACTION;",
        )
        .bind(("id", id.to_owned()))
        .bind(("owner", owner.id.clone()))
        .await?
        .check()?;
    forget_connections(backend, &stored).await;
    audit::record(
        backend,
        Entry::ok(owner, "node.delete", format!("node {}", stored.name)),
    )
    .await;
    Ok(())
}

/// The pinned fingerprints next to what the node presents now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepinCheck {
    pub node: NodeView,
    pub probe: ProbeReport,
}

/// First step of a re-pin: probe the node again so the user sees old and new.
pub async fn repin_check(backend: &Backend, owner: &User, id: &str) -> ServiceResult<RepinCheck> {
    let stored = load(backend, owner, id).await?;
    let probe = probe(&stored.host, port_of(stored.port), port_of(stored.ssh_port)).await;
    Ok(RepinCheck {
        node: stored.view(),
        probe,
    })
}

/// Second step: pins the fingerprints the user confirmed, if the node still presents
/// exactly those, and the node passes every check with them.
pub async fn repin(
    backend: &Backend,
    owner: &User,
    id: &str,
    tls_fingerprint: &str,
    ssh_host_key: &str,
    confirmed: bool,
) -> ServiceResult<NodeView> {
    let stored = load(backend, owner, id).await?;
    let tls_fingerprint = validate::fingerprint("tls_fingerprint", tls_fingerprint)?;
    let ssh_host_key = validate::fingerprint("ssh_host_key", ssh_host_key)?;
    if !confirmed {
        return Err(ServiceError::field(
            "confirm",
            "compare the new fingerprints with the node and tick the box to trust them",
        ));
    }
    let live = probe(&stored.host, port_of(stored.port), port_of(stored.ssh_port)).await;
    let presents = |seen: Option<&str>, confirmed: &str| {
        seen.is_some_and(|s| s.eq_ignore_ascii_case(confirmed))
    };
    if !presents(
        live.tls.as_ref().ok().map(|c| c.fingerprint.as_str()),
        &tls_fingerprint,
    ) || !presents(live.ssh_host_key.as_deref().ok(), &ssh_host_key)
    {
        return Err(ServiceError::Conflict(
            "the node now presents different fingerprints than the ones you confirmed; check again"
                .into(),
        ));
    }
    let mut access = stored.access(backend)?;
    access.tls_fingerprint = tls_fingerprint.clone();
    access.ssh_host_key = ssh_host_key.clone();
    verify(&access, Some(&stored.pve_node)).await?;
    backend
        .store
        .db()
        .query(
            "UPDATE type::record('node', $id) MERGE {
                 tls_fingerprint: $tls, ssh_host_key: $ssh, updated_at: time::now()
             } WHERE owner = type::record('user', $owner)",
        )
        .bind(("id", id.to_owned()))
        .bind(("owner", owner.id.clone()))
        .bind(("tls", tls_fingerprint.clone()))
        .bind(("ssh", ssh_host_key.clone()))
        .await?
        .check()?;
    forget_connections(backend, &stored).await;
    audit::record(
        backend,
        Entry::ok(owner, "node.repin", format!("node {}", stored.name)).detail(format!(
            "TLS {} → {tls_fingerprint}; SSH {} → {ssh_host_key}",
            stored.tls_fingerprint, stored.ssh_host_key
        )),
    )
    .await;
    get(backend, owner, id).await
}

/// The built-in simulated cluster of `corral --demo`: where it listens and how to log in
/// (the part shown to users), and its fingerprints.
#[derive(Debug, Clone)]
pub struct DemoCluster {
    pub details: DemoView,
    pub tls_fingerprint: String,
    pub ssh_host_key: String,
}

/// Adds the demo cluster's node in one step (its fingerprints come from the simulator
/// itself, so they are confirmed), labelled as a demo.
pub async fn add_demo(
    backend: &Backend,
    owner: &User,
    cluster: &DemoCluster,
) -> ServiceResult<NodeView> {
    let demo = &cluster.details;
    let form = NodeForm {
        name: format!("{} (demo)", demo.pve_node),
        pve_node: demo.pve_node.clone(),
        host: demo.host.clone(),
        port: demo.port.to_string(),
        token_id: demo.token_id.clone(),
        token_secret: demo.token_secret.clone(),
        ssh_port: demo.ssh_port.to_string(),
        ssh_password: demo.ssh_password.clone(),
        tls_fingerprint: cluster.tls_fingerprint.clone(),
        ssh_host_key: cluster.ssh_host_key.clone(),
        confirm: Some("on".into()),
        ..NodeForm::default()
    };
    let valid = form.validate(false)?;
    name_is_free(backend, owner, &valid.name, None).await?;
    let access = access_from(
        &valid,
        Zeroizing::new(demo.token_secret.clone()),
        SshAuth::Password(Zeroizing::new(demo.ssh_password.clone())),
    );
    let verified = verify(&access, Some(&demo.pve_node)).await?;
    let id = insert(backend, owner, &valid, &access, &verified.pve_node, true).await?;
    audit::record(
        backend,
        Entry::ok(owner, "node.create", format!("node {}", valid.name))
            .detail("the built-in demo cluster"),
    )
    .await;
    get(backend, owner, &id).await
}

/// Re-encrypts every stored node secret under the current key; returns how many values
/// were resealed. Values already under the current key are left alone.
pub async fn reseal_all(backend: &Backend) -> ServiceResult<usize> {
    let nodes: Vec<StoredNode> = backend
        .store
        .db()
        .query(format!("SELECT VALUE {NODE_VALUE} FROM node"))
        .await?
        .check()?
        .take(0)?;
    let mut resealed = 0;
    for node in nodes {
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
    Ok(resealed)
}
