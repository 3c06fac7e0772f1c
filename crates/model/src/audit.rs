//! The audit log as the browser sees it: what was done ([`AuditAction`], one wire name
//! each), how it ended ([`AuditOutcome`]) and to what.

use serde::{Deserialize, Serialize};

use crate::ids::{JobId, NodeId, Vmid};

/// Every action the audit log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum AuditAction {
    /// First-run setup created the administrator.
    Setup,
    Login,
    Logout,
    PasswordChange,
    UserCreate,
    UserDisable,
    UserEnable,
    UserDelete,
    NodeCreate,
    NodeUpdate,
    NodeDefault,
    NodeDelete,
    NodeRepin,
    ContainerStart,
    ContainerShutdown,
    ContainerStop,
    ContainerReboot,
    ContainerDelete,
    JobCreate,
    JobCancel,
    JobDone,
    JobFailed,
    JobCancelled,
    /// An administrator changed the address ranges nodes may be added in.
    SettingsNodeRanges,
    TemplateCreate,
    TemplateUpdate,
    TemplateDelete,
    /// Templates were imported from an archive, a folder or the starters.
    TemplateImport,
    BucketCreate,
    BucketUpdate,
    BucketDelete,
    /// A service's credentials were shown.
    ServiceCredentials,
    SnapshotCreate,
    SnapshotRollback,
    SnapshotDelete,
    /// Cores, memory, swap, notes, tags, start at boot … changed.
    ContainerConfig,
    /// A disk grew.
    ContainerResize,
    BackupCreate,
    BackupRestore,
    BackupDelete,
}

impl AuditAction {
    /// Every action with its wire name (stored, shown and sent to the browser).
    pub const ALL: [(AuditAction, &'static str); 40] = [
        (AuditAction::Setup, "setup"),
        (AuditAction::Login, "login"),
        (AuditAction::Logout, "logout"),
        (AuditAction::PasswordChange, "password.change"),
        (AuditAction::UserCreate, "user.create"),
        (AuditAction::UserDisable, "user.disable"),
        (AuditAction::UserEnable, "user.enable"),
        (AuditAction::UserDelete, "user.delete"),
        (AuditAction::NodeCreate, "node.create"),
        (AuditAction::NodeUpdate, "node.update"),
        (AuditAction::NodeDefault, "node.default"),
        (AuditAction::NodeDelete, "node.delete"),
        (AuditAction::NodeRepin, "node.repin"),
        (AuditAction::ContainerStart, "ct.start"),
        (AuditAction::ContainerShutdown, "ct.shutdown"),
        (AuditAction::ContainerStop, "ct.stop"),
        (AuditAction::ContainerReboot, "ct.reboot"),
        (AuditAction::ContainerDelete, "ct.delete"),
        (AuditAction::JobCreate, "job.create"),
        (AuditAction::JobCancel, "job.cancel"),
        (AuditAction::JobDone, "job.done"),
        (AuditAction::JobFailed, "job.failed"),
        (AuditAction::JobCancelled, "job.cancelled"),
        (AuditAction::SettingsNodeRanges, "settings.node_ranges"),
        (AuditAction::TemplateCreate, "template.create"),
        (AuditAction::TemplateUpdate, "template.update"),
        (AuditAction::TemplateDelete, "template.delete"),
        (AuditAction::TemplateImport, "template.import"),
        (AuditAction::BucketCreate, "bucket.create"),
        (AuditAction::BucketUpdate, "bucket.update"),
        (AuditAction::BucketDelete, "bucket.delete"),
        (AuditAction::ServiceCredentials, "service.credentials"),
        (AuditAction::SnapshotCreate, "ct.snapshot"),
        (AuditAction::SnapshotRollback, "ct.rollback"),
        (AuditAction::SnapshotDelete, "ct.snapshot.delete"),
        (AuditAction::ContainerConfig, "ct.config"),
        (AuditAction::ContainerResize, "ct.resize"),
        (AuditAction::BackupCreate, "ct.backup"),
        (AuditAction::BackupRestore, "ct.restore"),
        (AuditAction::BackupDelete, "backup.delete"),
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        AuditAction::ALL
            .iter()
            .find(|(action, _)| *action == self)
            .map_or("unknown", |(_, name)| name)
    }

    /// Reads a wire name.
    pub fn parse(name: &str) -> Option<AuditAction> {
        AuditAction::ALL
            .iter()
            .find(|(_, known)| *known == name)
            .map(|(action, _)| *action)
    }
}

impl From<AuditAction> for &'static str {
    fn from(action: AuditAction) -> &'static str {
        action.as_str()
    }
}

impl TryFrom<String> for AuditAction {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        AuditAction::parse(&name).ok_or_else(|| format!("unknown audit action {name:?}"))
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditOutcome {
    Ok,
    Failed,
    /// Refused before it was tried (e.g. rate-limited).
    Denied,
}

impl AuditOutcome {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Failed => "failed",
            AuditOutcome::Denied => "denied",
        }
    }

    /// Reads a stored word.
    pub fn parse(word: &str) -> Option<AuditOutcome> {
        [AuditOutcome::Ok, AuditOutcome::Failed, AuditOutcome::Denied]
            .into_iter()
            .find(|outcome| outcome.as_str() == word)
    }
}

impl std::fmt::Display for AuditOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an entry is about, as data: the node (Corral's record), the container and the
/// job, when the action touched them. Renaming a node keeps its containers' history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSubject {
    pub node_id: Option<NodeId>,
    pub vmid: Option<Vmid>,
    pub job_id: Option<JobId>,
}

/// One recorded action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339, UTC.
    pub at: String,
    /// The acting user's name at the time (for failed logins: the name that was tried).
    pub actor: String,
    pub action: AuditAction,
    /// What was acted on, in words at the time, e.g. `node pve1` or `CT 100 (web) on pve1`.
    pub target: String,
    pub subject: AuditSubject,
    pub outcome: AuditOutcome,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_wire_name() {
        for (action, name) in AuditAction::ALL {
            assert_eq!(AuditAction::parse(name), Some(action));
            assert_eq!(action.as_str(), name);
            assert_eq!(serde_json::to_string(&action).unwrap(), format!("{name:?}"));
        }
        let names: std::collections::HashSet<_> =
            AuditAction::ALL.iter().map(|(_, name)| name).collect();
        assert_eq!(names.len(), AuditAction::ALL.len());
        assert_eq!(AuditAction::parse("ct.explode"), None);
        assert_eq!(AuditOutcome::parse("denied"), Some(AuditOutcome::Denied));
    }
}
