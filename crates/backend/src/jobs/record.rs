//! A job row as stored, read back (by anyone for the runner, by owner for users), and
//! turned into the browser's [`JobView`].

use model::ids::{JobId, NodeId, UserId, Vmid};
use model::job::{JobState, JobView, Phase, ScriptStatus};
use model::provision::ContainerSpec;
use surrealdb::types::SurrealValue;

use crate::Backend;
use crate::accounts::User;
use crate::error::{ServiceError, ServiceResult};
use crate::store::{StoreError, record_id};

/// A job row as stored.
#[derive(Debug, Clone, SurrealValue)]
pub(crate) struct StoredJob {
    pub id: String,
    pub owner: String,
    pub node: String,
    pub vmid: i64,
    pub hostname: String,
    pub spec: String,
    pub state: String,
    pub phase: String,
    pub percent: i64,
    pub cancel_requested: bool,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub error: Option<String>,
    pub failed_phase: Option<String>,
    pub cleanup: Option<String>,
    pub create_requested: bool,
    pub create_upid: Option<String>,
    pub created: bool,
    pub scripts_started: i64,
    pub scripts_done: i64,
    pub script_failed: Option<i64>,
    pub has_password: bool,
    pub attempts: i64,
}

pub(crate) const JOB_VALUE: &str = "record::id(id) AS id, record::id(owner) AS owner, \
     record::id(node) AS node, vmid, hostname, spec, state, phase, percent, cancel_requested, \
     time::format(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created_at, \
     IF started_at { time::format(started_at, '%Y-%m-%dT%H:%M:%SZ') } ELSE { NONE } AS started_at, \
     IF finished_at { time::format(finished_at, '%Y-%m-%dT%H:%M:%SZ') } ELSE { NONE } AS finished_at, \
     error, failed_phase, cleanup, create_requested, create_upid, created, scripts_started, \
     scripts_done, script_failed, root_password != NONE AS has_password, attempts";

/// A stored count back as a count (never negative).
pub(crate) fn count(value: i64) -> usize {
    usize::try_from(value).unwrap_or(0)
}

impl StoredJob {
    pub fn id(&self) -> Result<JobId, StoreError> {
        record_id(&self.id)
    }

    pub fn owner(&self) -> Result<UserId, StoreError> {
        record_id(&self.owner)
    }

    pub fn node(&self) -> Result<NodeId, StoreError> {
        record_id(&self.node)
    }

    pub fn vmid(&self) -> Result<Vmid, StoreError> {
        u32::try_from(self.vmid)
            .ok()
            .and_then(Vmid::new)
            .ok_or_else(|| StoreError::Corrupt(format!("job {} has VMID {}", self.id, self.vmid)))
    }

    pub fn spec(&self) -> Result<ContainerSpec, StoreError> {
        serde_json::from_str(&self.spec).map_err(|e| {
            StoreError::Corrupt(format!("job {} has an unreadable spec: {e}", self.id))
        })
    }

    pub fn state(&self) -> JobState {
        JobState::parse(&self.state)
    }

    /// Each script's status, from the progress markers.
    fn script_statuses(&self, spec: &ContainerSpec) -> Vec<(String, ScriptStatus)> {
        let state = self.state();
        let started = count(self.scripts_started);
        let done = count(self.scripts_done);
        let failed = self.script_failed.map(count);
        spec.scripts
            .iter()
            .enumerate()
            .map(|(index, script)| {
                let status = if failed == Some(index) {
                    ScriptStatus::Failed
                } else if index < done {
                    ScriptStatus::Succeeded
                } else if index < started && !state.finished() {
                    ScriptStatus::Running
                } else if state.finished() {
                    ScriptStatus::Skipped
                } else {
                    ScriptStatus::Pending
                };
                (script.name.clone(), status)
            })
            .collect()
    }

    /// The browser's view; `node_name` is the node's display name now.
    pub fn view(&self, node_name: String) -> ServiceResult<JobView> {
        let spec = self.spec()?;
        let state = self.state();
        Ok(JobView {
            id: self.id()?,
            node_id: self.node()?,
            node_name,
            vmid: self.vmid()?,
            hostname: self.hostname.clone(),
            state,
            phase: Phase::parse(&self.phase).unwrap_or(Phase::Queued),
            percent: u8::try_from(self.percent.clamp(0, 100)).unwrap_or(0),
            created_at: self.created_at.clone(),
            started_at: self.started_at.clone(),
            finished_at: self.finished_at.clone(),
            error: self.error.clone(),
            failed_phase: self.failed_phase.as_deref().and_then(Phase::parse),
            cleanup: self.cleanup.clone(),
            cancel_requested: self.cancel_requested,
            keep_on_failure: spec.keep_on_failure,
            scripts: self.script_statuses(&spec),
            password_available: state == JobState::Succeeded && self.has_password,
            template: spec.template.clone(),
        })
    }
}

/// Reads one job, whoever owns it (runner use).
pub(crate) async fn load(backend: &Backend, job_id: &JobId) -> ServiceResult<StoredJob> {
    let stored: Option<StoredJob> = backend
        .store
        .db()
        .query(format!(
            "SELECT {JOB_VALUE} FROM ONLY type::record('job', $id)"
        ))
        .bind(("id", job_id.to_string()))
        .await?
        .check()?
        .take(0)?;
    stored.ok_or(ServiceError::NotFound)
}

/// Reads the user's job `job_id`; another user's job is "not found".
pub(crate) async fn owned(
    backend: &Backend,
    user: &User,
    job_id: &JobId,
) -> ServiceResult<StoredJob> {
    let job = load(backend, job_id).await?;
    if job.owner()? == user.id {
        Ok(job)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// Reads job `job_id` for a user who may look at it: its owner, or an administrator
/// (who sees every job's progress and log, not its root password); others get "not found".
pub(crate) async fn viewable(
    backend: &Backend,
    user: &User,
    job_id: &JobId,
) -> ServiceResult<StoredJob> {
    let job = load(backend, job_id).await?;
    if job.owner()? == user.id || user.is_admin {
        Ok(job)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// The user's jobs that have not ended, oldest first.
pub(crate) async fn unfinished(backend: &Backend, user: &User) -> ServiceResult<Vec<StoredJob>> {
    let stored: Vec<StoredJob> = backend
        .store
        .db()
        .query(format!(
            "SELECT {JOB_VALUE}, created_at AS made_at FROM job
              WHERE owner = type::record('user', $owner) AND state IN $unfinished
              ORDER BY made_at"
        ))
        .bind(("owner", user.id.to_string()))
        .bind(("unfinished", unfinished_states()))
        .await?
        .check()?
        .take(0)?;
    Ok(stored)
}

/// The stored words of the states a job has not ended in.
pub(crate) fn unfinished_states() -> Vec<&'static str> {
    [JobState::Queued, JobState::Running]
        .map(JobState::as_str)
        .to_vec()
}
