//! The audit log: who did what to which target, when, and how it ended.

use model::audit::{AuditEntry, AuditPage};
use surrealdb::types::SurrealValue;

use crate::Backend;
use crate::accounts::User;
use crate::error::ServiceResult;

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Failed,
    Denied,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Denied => "denied",
        }
    }
}

/// An entry about to be written; built with [`Entry::by`] or [`Entry::anonymous`].
#[derive(Debug, Clone)]
pub struct Entry {
    actor_id: Option<String>,
    actor_name: String,
    action: String,
    target: String,
    outcome: Outcome,
    detail: Option<String>,
    client: Option<String>,
}

impl Entry {
    /// An action by a known user.
    pub fn by(user: &User, action: &str, target: impl Into<String>, outcome: Outcome) -> Entry {
        Entry::anonymous(&user.username, action, target, outcome).actor_id(&user.id)
    }

    /// A successful action by a known user.
    pub fn ok(user: &User, action: &str, target: impl Into<String>) -> Entry {
        Entry::by(user, action, target, Outcome::Ok)
    }

    /// An action with no signed-in user (e.g. a failed login: `name` is what was typed).
    pub fn anonymous(
        name: &str,
        action: &str,
        target: impl Into<String>,
        outcome: Outcome,
    ) -> Entry {
        Entry {
            actor_id: None,
            actor_name: name.to_owned(),
            action: action.to_owned(),
            target: target.into(),
            outcome,
            detail: None,
            client: None,
        }
    }

    /// Links the entry to a user record.
    pub fn actor_id(mut self, id: &str) -> Entry {
        self.actor_id = Some(id.to_owned());
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
pub async fn record(backend: &crate::Backend, entry: Entry) {
    let result = backend
        .store
        .db()
        .query(
            "CREATE audit CONTENT {
                actor: IF $actor_id { type::record('user', $actor_id) } ELSE { NONE },
                actor_name: $actor_name, action: $action, target: $target,
                outcome: $outcome, detail: $detail, client: $client
            }",
        )
        .bind(("actor_id", entry.actor_id.clone()))
        .bind(("actor_name", entry.actor_name.clone()))
        .bind(("action", entry.action.clone()))
        .bind(("target", entry.target.clone()))
        .bind(("outcome", entry.outcome.as_str()))
        .bind(("detail", entry.detail.clone()))
        .bind(("client", entry.client.clone()))
        .await
        .and_then(|response| response.check());
    if let Err(error) = result {
        tracing::error!(%error, action = %entry.action, target = %entry.target, "cannot write the audit entry");
    }
}

#[derive(Debug, SurrealValue)]
struct StoredEntry {
    at: String,
    actor_name: String,
    action: String,
    target: String,
    outcome: String,
    detail: Option<String>,
    client: Option<String>,
}

/// The newest `limit` entries about one container (lifecycle targets read
/// `CT <vmid> (<name>) on <node>`): the viewer's own, or everyone's for admins.
pub async fn for_container(
    backend: &Backend,
    viewer: &User,
    vmid: u32,
    node_name: &str,
    limit: u32,
) -> ServiceResult<Vec<AuditEntry>> {
    let owner_filter = if viewer.is_admin {
        ""
    } else {
        "AND actor = type::record('user', $viewer)"
    };
    let stored: Vec<StoredEntry> = backend
        .store
        .db()
        .query(format!(
            "SELECT time::format(at, '%Y-%m-%dT%H:%M:%S%.6fZ') AS at,
                    actor_name, action, target, outcome, detail, client
               FROM audit
              WHERE string::starts_with(target, $prefix)
                AND string::ends_with(target, $suffix) {owner_filter}
              ORDER BY at DESC LIMIT $limit"
        ))
        .bind(("viewer", viewer.id.clone()))
        .bind(("prefix", format!("CT {vmid} (")))
        .bind(("suffix", format!(" on {node_name}")))
        .bind(("limit", i64::from(limit.clamp(1, MAX_PER_PAGE))))
        .await?
        .check()?
        .take(0)?;
    Ok(stored.into_iter().map(StoredEntry::into_entry).collect())
}

impl StoredEntry {
    fn into_entry(self) -> AuditEntry {
        AuditEntry {
            at: self.at,
            actor: self.actor_name,
            action: self.action,
            target: self.target,
            outcome: self.outcome,
            detail: self.detail,
            client: self.client,
        }
    }
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
    let filter = if viewer.is_admin {
        ""
    } else {
        "WHERE actor = type::record('user', $viewer)"
    };
    let mut response = backend
        .store
        .db()
        .query(format!(
            "SELECT time::format(at, '%Y-%m-%dT%H:%M:%S%.6fZ') AS at,
                    actor_name, action, target, outcome, detail, client
               FROM audit {filter} ORDER BY at DESC LIMIT $limit START $start;
             RETURN count(SELECT id FROM audit {filter});"
        ))
        .bind(("viewer", viewer.id.clone()))
        .bind(("limit", i64::from(per_page)))
        .bind(("start", i64::from((page - 1) * per_page)))
        .await?
        .check()?;
    let stored: Vec<StoredEntry> = response.take(0)?;
    let total: Option<i64> = response.take(1)?;
    Ok(AuditPage {
        entries: stored.into_iter().map(StoredEntry::into_entry).collect(),
        page,
        per_page,
        total: u64::try_from(total.unwrap_or(0)).unwrap_or(0),
    })
}
