//! Audit log entries as the browser sees them.

use serde::{Deserialize, Serialize};

/// One recorded action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339, UTC.
    pub at: String,
    /// The acting user's name at the time (for failed logins: the name that was tried).
    pub actor: String,
    /// e.g. `login`, `node.create`.
    pub action: String,
    /// What was acted on, e.g. `node pve1` or `user bob`.
    pub target: String,
    /// `ok`, `failed` or `denied`.
    pub outcome: String,
    pub detail: Option<String>,
    /// The client address, when known.
    pub client: Option<String>,
}

/// One page of entries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
}

impl AuditPage {
    /// The number of pages (at least 1).
    pub fn pages(&self) -> u32 {
        let per_page = u64::from(self.per_page.max(1));
        u32::try_from(self.total.div_ceil(per_page).max(1)).unwrap_or(u32::MAX)
    }
}
