//! The audit log: who did what ([`AuditAction`]) to which [`Target`], when, and how it
//! ended. A target is words for the log (as they read at the time) and data (node id,
//! VMID, job id) for finding an entry again: a container's history is found by its node's
//! record id and VMID, so renaming the node keeps it.

use model::audit::{AuditEntry, AuditPage, AuditSubject};
use model::ids::{JobId, NodeId, Vmid};
use surrealdb::types::SurrealValue;

pub use model::audit::{AuditAction, AuditOutcome};

use crate::Backend;
use crate::accounts::User;
use crate::error::ServiceResult;

/// What an entry is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    text: String,
    subject: AuditSubject,
}

impl Target {
    /// An account: `user bob`.
    pub fn user(username: &str) -> Target {
        Target {
            text: format!("user {username}"),
            subject: AuditSubject::default(),
        }
    }

    /// A server setting: `setting node address ranges`.
    pub fn setting(name: &str) -> Target {
        Target {
            text: format!("setting {name}"),
            subject: AuditSubject::default(),
        }
    }

    /// A template by name: `template Web server`.
    pub fn template(name: &str) -> Target {
        Target {
            text: format!("template {name}"),
            subject: AuditSubject::default(),
        }
    }

    /// A package bucket by name: `bucket base`.
    pub fn bucket(name: &str) -> Target {
        Target {
            text: format!("bucket {name}"),
            subject: AuditSubject::default(),
        }
    }

    /// A node by its display name: `node pve1`; `id` when it has a record.
    pub fn node(id: Option<&NodeId>, name: &str) -> Target {
        Target {
            text: format!("node {name}"),
            subject: AuditSubject {
                node_id: id.cloned(),
                ..AuditSubject::default()
            },
        }
    }

    /// A container: `CT 100 (web) on pve1`.
    pub fn container(node_id: &NodeId, node_name: &str, vmid: Vmid, hostname: &str) -> Target {
        Target {
            text: format!("CT {vmid} ({hostname}) on {node_name}"),
            subject: AuditSubject {
                node_id: Some(node_id.clone()),
                vmid: Some(vmid),
                job_id: None,
            },
        }
    }

    /// A service in a container: `service postgresql in CT 100 on pve1`.
    pub fn service(node_id: &NodeId, node_name: &str, vmid: Vmid, service: &str) -> Target {
        Target {
            text: format!("service {service} in CT {vmid} on {node_name}"),
            subject: AuditSubject {
                node_id: Some(node_id.clone()),
                vmid: Some(vmid),
                job_id: None,
            },
        }
    }

    /// The same target, reached through job `job`.
    pub fn by_job(mut self, job: &JobId) -> Target {
        self.subject.job_id = Some(job.clone());
        self
    }
}

/// An entry about to be written; built with [`Entry::by`], [`Entry::ok`] or
/// [`Entry::anonymous`].
#[derive(Debug, Clone)]
pub struct Entry {
    actor_id: Option<String>,
    actor_name: String,
    action: AuditAction,
    target: Target,
    outcome: AuditOutcome,
    detail: Option<String>,
    client: Option<String>,
}

impl Entry {
    /// An action by a known user.
    pub fn by(user: &User, action: AuditAction, target: Target, outcome: AuditOutcome) -> Entry {
        Entry::anonymous(&user.username, action, target, outcome).actor(user)
    }

    /// A successful action by a known user.
    pub fn ok(user: &User, action: AuditAction, target: Target) -> Entry {
        Entry::by(user, action, target, AuditOutcome::Ok)
    }

    /// An action with no signed-in user (e.g. a failed login: `name` is what was typed).
    pub fn anonymous(
        name: &str,
        action: AuditAction,
        target: Target,
        outcome: AuditOutcome,
    ) -> Entry {
        Entry {
            actor_id: None,
            actor_name: name.to_owned(),
            action,
            target,
            outcome,
            detail: None,
            client: None,
        }
    }

    /// Links the entry to a user record.
    pub fn actor(mut self, user: &User) -> Entry {
        self.actor_id = Some(user.id.to_string());
        self
    }

    /// Adds free text (never a secret).
    pub fn detail(mut self, detail: impl Into<String>) -> Entry {
        self.detail = Some(detail.into());
        self
    }

    /// Adds the client address.
    pub fn client(mut self, client: Option<String>) -> Entry {
        self.client = client;
        self
    }
}

/// Writes an entry. A failure to write is logged, not returned: the action itself has
/// already happened and its outcome must still reach the user.
pub async fn record(backend: &Backend, entry: Entry) {
    let subject = &entry.target.subject;
    let result = backend
        .store
        .db()
        .query(
            "CREATE audit CONTENT {
                actor: IF $actor_id { type::record('user', $actor_id) } ELSE { NONE },
                actor_name: $actor_name, action: $action, target: $target,
                node_id: $node_id, vmid: $vmid, job_id: $job_id,
                outcome: $outcome, detail: $detail, client: $client
            }",
        )
        .bind(("actor_id", entry.actor_id.clone()))
        .bind(("actor_name", entry.actor_name.clone()))
        .bind(("action", entry.action.as_str()))
        .bind(("target", entry.target.text.clone()))
        .bind(("node_id", subject.node_id.as_ref().map(NodeId::to_string)))
        .bind(("vmid", subject.vmid.map(|vmid| i64::from(vmid.get()))))
        .bind(("job_id", subject.job_id.as_ref().map(JobId::to_string)))
        .bind(("outcome", entry.outcome.as_str()))
        .bind(("detail", entry.detail.clone()))
        .bind(("client", entry.client.clone()))
        .await
        .and_then(|response| response.check());
    if let Err(error) = result {
        tracing::error!(%error, action = %entry.action, target = %entry.target.text, "cannot write the audit entry");
    }
}

#[derive(Debug, SurrealValue)]
struct StoredEntry {
    at: String,
    actor_name: String,
    action: String,
    target: String,
    node_id: Option<String>,
    vmid: Option<i64>,
    job_id: Option<String>,
    outcome: String,
    detail: Option<String>,
    client: Option<String>,
}

const ENTRY_VALUE: &str = "time::format(at, '%Y-%m-%dT%H:%M:%S%.6fZ') AS at, actor_name, \
     action, target, node_id, vmid, job_id, outcome, detail, client";

impl StoredEntry {
    /// The browser's view; `None` (logged) for a row this build cannot read.
    fn into_entry(self) -> Option<AuditEntry> {
        let (Some(action), Some(outcome)) = (
            AuditAction::parse(&self.action),
            AuditOutcome::parse(&self.outcome),
        ) else {
            tracing::warn!(action = %self.action, outcome = %self.outcome, "unreadable audit entry skipped");
            return None;
        };
        Some(AuditEntry {
            at: self.at,
            actor: self.actor_name,
            action,
            target: self.target,
            subject: AuditSubject {
                node_id: self.node_id.as_deref().and_then(NodeId::parse),
                vmid: self
                    .vmid
                    .and_then(|vmid| u32::try_from(vmid).ok())
                    .and_then(Vmid::new),
                job_id: self.job_id.as_deref().and_then(JobId::parse),
            },
            outcome,
            detail: self.detail,
            client: self.client,
        })
    }
}

fn entries(stored: Vec<StoredEntry>) -> Vec<AuditEntry> {
    stored
        .into_iter()
        .filter_map(StoredEntry::into_entry)
        .collect()
}

/// Only the viewer's own entries, unless the viewer is an administrator.
fn visible_to(viewer: &User) -> &'static str {
    if viewer.is_admin {
        "true"
    } else {
        "actor = type::record('user', $viewer)"
    }
}

/// The newest `limit` entries about container `vmid` on node `node_id`: the viewer's own,
/// or everyone's for admins.
pub async fn for_container(
    backend: &Backend,
    viewer: &User,
    node_id: &NodeId,
    vmid: Vmid,
    limit: u32,
) -> ServiceResult<Vec<AuditEntry>> {
    let stored: Vec<StoredEntry> = backend
        .store
        .db()
        .query(format!(
            "SELECT {ENTRY_VALUE} FROM audit
              WHERE node_id = $node AND vmid = $vmid AND {}
              ORDER BY at DESC LIMIT $limit",
            visible_to(viewer)
        ))
        .bind(("viewer", viewer.id.to_string()))
        .bind(("node", node_id.to_string()))
        .bind(("vmid", i64::from(vmid.get())))
        .bind(("limit", i64::from(limit.clamp(1, MAX_PER_PAGE))))
        .await?
        .check()?
        .take(0)?;
    Ok(entries(stored))
}

/// The largest page size a caller may ask for.
pub const MAX_PER_PAGE: u32 = 200;

/// One page of entries, newest first: the viewer's own, or everyone's for admins.
pub async fn list(
    backend: &Backend,
    viewer: &User,
    page: u32,
    per_page: u32,
) -> ServiceResult<AuditPage> {
    let page = page.max(1);
    let per_page = per_page.clamp(1, MAX_PER_PAGE);
    let filter = visible_to(viewer);
    let mut response = backend
        .store
        .db()
        .query(format!(
            "SELECT {ENTRY_VALUE} FROM audit WHERE {filter}
              ORDER BY at DESC LIMIT $limit START $start;
             RETURN count(SELECT id FROM audit WHERE {filter});"
        ))
        .bind(("viewer", viewer.id.to_string()))
        .bind(("limit", i64::from(per_page)))
        .bind((
            "start",
            i64::try_from(u64::from(page - 1) * u64::from(per_page)).unwrap_or(i64::MAX),
        ))
        .await?
        .check()?;
    let stored: Vec<StoredEntry> = response.take(0)?;
    let total: Option<i64> = response.take(1)?;
    Ok(AuditPage {
        entries: entries(stored),
        page,
        per_page,
        total: u64::try_from(total.unwrap_or(0)).unwrap_or(0),
    })
}
