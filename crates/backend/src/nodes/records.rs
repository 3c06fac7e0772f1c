//! Node records in the database: reading a user's nodes (always by owner), writing a new
//! or edited node, and the name check. Secrets arrive here sealed ([`super::secrets`]).

use model::ids::{NodeId, UserId};
use model::node::{NodeView, SshAuthKind, ValidNode};
use surrealdb::types::SurrealValue;

use super::secrets::Sealed;
use crate::Backend;
use crate::accounts::User;
use crate::error::{ServiceError, ServiceResult};
use crate::store::{QueryFailure, StoreError, record_id};

/// A node row as stored: secrets are vault envelopes.
#[derive(Debug, Clone, SurrealValue)]
pub(super) struct StoredNode {
    pub id: String,
    pub name: String,
    pub pve_node: String,
    pub host: String,
    pub port: i64,
    pub token_id: String,
    pub token_secret: String,
    pub pool: Option<String>,
    pub ssh_user: String,
    pub ssh_port: i64,
    pub ssh_password: Option<String>,
    pub ssh_private_key: Option<String>,
    pub tls_fingerprint: String,
    pub ssh_host_key: String,
    pub is_default: bool,
    pub demo: bool,
}

const NODE_VALUE: &str = "{ id: record::id(id), name: name, pve_node: pve_node, host: host, \
     port: port, token_id: token_id, token_secret: token_secret, pool: pool, \
     ssh_user: ssh_user, ssh_port: ssh_port, ssh_password: ssh_password, \
     ssh_private_key: ssh_private_key, tls_fingerprint: tls_fingerprint, \
     ssh_host_key: ssh_host_key, is_default: is_default, demo: demo }";

/// A port as stored (an `int` column) back as a port.
pub(super) fn port_of(value: i64) -> u16 {
    u16::try_from(value).unwrap_or(0)
}

impl StoredNode {
    pub fn id(&self) -> Result<NodeId, StoreError> {
        record_id(&self.id)
    }

    pub fn view(&self) -> Result<NodeView, StoreError> {
        Ok(NodeView {
            id: self.id()?,
            name: self.name.clone(),
            pve_node: self.pve_node.clone(),
            host: self.host.clone(),
            port: port_of(self.port),
            token_id: self.token_id.clone(),
            pool: self.pool.clone(),
            ssh_user: self.ssh_user.clone(),
            ssh_port: port_of(self.ssh_port),
            ssh_auth: if self.ssh_private_key.is_some() {
                SshAuthKind::Key
            } else {
                SshAuthKind::Password
            },
            tls_fingerprint: self.tls_fingerprint.clone(),
            ssh_host_key: self.ssh_host_key.clone(),
            is_default: self.is_default,
            demo: self.demo,
        })
    }
}

/// The user's node `id`; another user's node is "not found".
pub(super) async fn load(
    backend: &Backend,
    owner: &User,
    id: &NodeId,
) -> ServiceResult<StoredNode> {
    let node: Option<StoredNode> = backend
        .store
        .db()
        .query(format!(
            "SELECT VALUE {NODE_VALUE} FROM ONLY type::record('node', $id)
             WHERE owner = type::record('user', $owner)"
        ))
        .bind(("id", id.to_string()))
        .bind(("owner", owner.id.to_string()))
        .await?
        .check()?
        .take(0)?;
    node.ok_or(ServiceError::NotFound)
}

/// Every node of the user, the default first, then by name.
pub(super) async fn load_all(backend: &Backend, owner: &User) -> ServiceResult<Vec<StoredNode>> {
    let nodes: Vec<StoredNode> = backend
        .store
        .db()
        .query(format!(
            "SELECT * FROM (SELECT VALUE {NODE_VALUE} FROM node
               WHERE owner = type::record('user', $owner))
             ORDER BY is_default DESC, name ASC"
        ))
        .bind(("owner", owner.id.to_string()))
        .await?
        .check()?
        .take(0)?;
    Ok(nodes)
}

/// Every node of every user (re-encrypting secrets under a new key).
pub(super) async fn load_everyone(backend: &Backend) -> ServiceResult<Vec<StoredNode>> {
    let nodes: Vec<StoredNode> = backend
        .store
        .db()
        .query(format!("SELECT VALUE {NODE_VALUE} FROM node"))
        .await?
        .check()?
        .take(0)?;
    Ok(nodes)
}

fn name_taken() -> ServiceError {
    ServiceError::field("name", "you already have a node with this name")
}

/// Refuses a display name the user already gives another node (case-insensitive).
pub(super) async fn name_is_free(
    backend: &Backend,
    owner: &User,
    name: &str,
    except: Option<&NodeId>,
) -> ServiceResult<()> {
    let clash: Option<i64> = backend
        .store
        .db()
        .query(
            "RETURN count(SELECT id FROM node WHERE owner = type::record('user', $owner)
               AND string::lowercase(name) = string::lowercase($name)
               AND record::id(id) != $except)",
        )
        .bind(("owner", owner.id.to_string()))
        .bind(("name", name.to_owned()))
        .bind(("except", except.map(NodeId::to_string).unwrap_or_default()))
        .await?
        .check()?
        .take(0)?;
    if clash.unwrap_or(0) > 0 {
        Err(name_taken())
    } else {
        Ok(())
    }
}

/// What the add and edit forms write, secrets sealed: one object for `CONTENT`/`MERGE`.
#[derive(Debug, SurrealValue)]
pub(super) struct NodeContent {
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
    pub fn new(valid: &ValidNode, sealed: Sealed, pve_node: &str) -> NodeContent {
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

/// A new node record `id` of `owner` (the user's first node becomes the default).
pub(super) struct NewNode<'a> {
    pub id: &'a NodeId,
    pub owner: &'a UserId,
    pub content: NodeContent,
    pub tls_fingerprint: &'a str,
    pub ssh_host_key: &'a str,
    pub demo: bool,
}

/// Writes a new node.
pub(super) async fn insert(backend: &Backend, node: NewNode<'_>) -> ServiceResult<()> {
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
        .bind(("id", node.id.to_string()))
        .bind(("owner", node.owner.to_string()))
        .bind(("content", node.content))
        .bind(("tls_fingerprint", node.tls_fingerprint.to_owned()))
        .bind(("ssh_host_key", node.ssh_host_key.to_owned()))
        .bind(("demo", node.demo))
        .await?;
    backend.node_lists.changed();
    match QueryFailure::of_response(&mut response) {
        None => Ok(()),
        Some(QueryFailure::Duplicate { .. }) => Err(name_taken()),
        Some(other) => Err(StoreError::Query(other).into()),
    }
}

/// Writes an edited node's fields (the pins change only through a re-pin).
pub(super) async fn update(
    backend: &Backend,
    owner: &User,
    id: &NodeId,
    content: NodeContent,
) -> ServiceResult<()> {
    backend
        .store
        .db()
        .query(
            "UPDATE type::record('node', $id)
             MERGE object::extend($content, { updated_at: time::now() })
             WHERE owner = type::record('user', $owner)",
        )
        .bind(("id", id.to_string()))
        .bind(("owner", owner.id.to_string()))
        .bind(("content", content))
        .await?
        .check()?;
    backend.node_lists.changed();
    Ok(())
}
