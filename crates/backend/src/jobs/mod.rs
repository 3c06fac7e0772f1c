//! Provisioning jobs: a checked container specification turned into a durable `job`
//! record that a runner ([`runner`]) claims with a lease and walks through the pipeline
//! ([`pipeline`]), logging every step as events ([`events`]).
//!
//! Every function here takes the owning user; another user's job is "not found".

pub mod events;
pub(crate) mod pipeline;
pub mod runner;

use model::job::{JobEvent, JobState, JobView, Phase, ScriptStatus};
use model::provision::{ContainerForm, ContainerSpec};
use surrealdb::types::SurrealValue;
use zeroize::Zeroizing;

use crate::Backend;
use crate::accounts::User;
use crate::audit::{self, Entry};
use crate::error::{ServiceError, ServiceResult, statement_errors};
use crate::ids::new_id;
use crate::vault::Binding;
use crate::{inventory, nodes};

pub use events::{JobBus, NewEvent};

/// Length of generated root passwords.
const ROOT_PASSWORD_CHARS: usize = 24;

fn password_binding(job_id: &str) -> Binding<'_> {
    Binding {
        table: "job",
        record: job_id,
        field: "root_password",
    }
}

/// A root password of 24 letters and digits without look-alikes (about 140 bits).
fn generate_password() -> Zeroizing<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    Zeroizing::new(crate::ids::random_text(ALPHABET, ROOT_PASSWORD_CHARS))
}

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

impl StoredJob {
    pub fn spec(&self) -> ServiceResult<ContainerSpec> {
        serde_json::from_str(&self.spec).map_err(|e| {
            ServiceError::Internal(format!("job {} has an unreadable spec: {e}", self.id))
        })
    }

    pub fn state(&self) -> JobState {
        JobState::parse(&self.state)
    }

    pub fn vmid(&self) -> u32 {
        u32::try_from(self.vmid).unwrap_or(0)
    }

    fn view(&self, node_name: String) -> ServiceResult<JobView> {
        let spec = self.spec()?;
        let state = self.state();
        let started = usize::try_from(self.scripts_started).unwrap_or(0);
        let done = usize::try_from(self.scripts_done).unwrap_or(0);
        let failed = self.script_failed.and_then(|i| usize::try_from(i).ok());
        let scripts = spec
            .scripts
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
            .collect();
        Ok(JobView {
            id: self.id.clone(),
            node_id: self.node.clone(),
            node_name,
            vmid: self.vmid(),
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
            scripts,
            password_available: state == JobState::Succeeded && self.has_password,
        })
    }
}

/// Reads one job, whoever owns it (runner use).
pub(crate) async fn load(backend: &Backend, job_id: &str) -> ServiceResult<StoredJob> {
    let stored: Option<StoredJob> = backend
        .store
        .db()
        .query(format!(
            "SELECT {JOB_VALUE} FROM ONLY type::record('job', $id)"
        ))
        .bind(("id", job_id.to_owned()))
        .await?
        .check()?
        .take(0)?;
    stored.ok_or(ServiceError::NotFound)
}

/// Reads the user's job `job_id`.
async fn owned(backend: &Backend, user: &User, job_id: &str) -> ServiceResult<StoredJob> {
    if !model::validate::is_record_id(job_id) {
        return Err(ServiceError::NotFound);
    }
    match load(backend, job_id).await {
        Ok(job) if job.owner == user.id => Ok(job),
        Ok(_) | Err(ServiceError::NotFound) => Err(ServiceError::NotFound),
        Err(other) => Err(other),
    }
}

async fn node_name(backend: &Backend, user: &User, node_id: &str) -> String {
    nodes::get(backend, user, node_id)
        .await
        .map_or_else(|_| "(removed node)".to_owned(), |n| n.name)
}

/// Checks `form` completely and queues a job for it. Refused before anything reaches
/// Proxmox when the VMID is taken on the node or another job is creating it.
pub async fn submit(backend: &Backend, user: &User, form: &ContainerForm) -> ServiceResult<String> {
    let spec = form.validate()?;
    let (view, _) = nodes::access(backend, user, &spec.node_id)
        .await
        .map_err(|e| match e {
            ServiceError::NotFound => ServiceError::field("node_id", "choose one of your nodes"),
            other => other,
        })?;
    if !inventory::is_vmid_free(backend, user, &view.id, spec.vmid).await? {
        return Err(ServiceError::field(
            "vmid",
            format!("CT {} already exists on {}", spec.vmid, view.name),
        ));
    }
    let id = new_id();
    let password = generate_password();
    let sealed = backend
        .keys
        .seal(&password_binding(&id), password.as_bytes())?;
    let spec_json = serde_json::to_string(&spec)
        .map_err(|e| ServiceError::Internal(format!("cannot store the spec: {e}")))?;
    let mut response = backend
        .store
        .db()
        .query(
            "BEGIN TRANSACTION;
             CREATE type::record('vmid_claim', $claim) CONTENT { job: type::record('job', $id) };
             CREATE type::record('job', $id) CONTENT {
                 owner: type::record('user', $owner), node: type::record('node', $node),
                 vmid: $vmid, hostname: $hostname, spec: $spec, root_password: $password,
                 state: 'queued'
             };
             COMMIT TRANSACTION;",
        )
        .bind(("claim", format!("{}_{}", view.id, spec.vmid)))
        .bind(("id", id.clone()))
        .bind(("owner", user.id.clone()))
        .bind(("node", view.id.clone()))
        .bind(("vmid", i64::from(spec.vmid)))
        .bind(("hostname", spec.hostname.clone()))
        .bind(("spec", spec_json))
        .bind(("password", sealed))
        .await?;
    if let Some(text) = statement_errors(&mut response) {
        return Err(
            if text.contains("vmid_claim") || text.contains("already exists") {
                ServiceError::field(
                    "vmid",
                    format!(
                        "another job is already creating CT {} on {}",
                        spec.vmid, view.name
                    ),
                )
            } else {
                ServiceError::Internal(text)
            },
        );
    }
    events::append(
        backend,
        &id,
        None,
        NewEvent::info(
            Phase::Queued,
            0,
            format!(
                "Queued: CT {} ({}) on {}",
                spec.vmid, spec.hostname, view.name
            ),
        ),
    )
    .await?;
    audit::record(
        backend,
        Entry::ok(
            user,
            "job.create",
            target(spec.vmid, &spec.hostname, &view.name),
        )
        .detail(format!("job {id}")),
    )
    .await;
    backend.job_wakeup.notify_one();
    Ok(id)
}

/// How audit entries name a job's container (the container page's Events list finds
/// them by this shape).
pub(crate) fn target(vmid: u32, hostname: &str, node_name: &str) -> String {
    format!("CT {vmid} ({hostname}) on {node_name}")
}

/// The user's job `job_id`.
pub async fn get(backend: &Backend, user: &User, job_id: &str) -> ServiceResult<JobView> {
    let job = owned(backend, user, job_id).await?;
    job.view(node_name(backend, user, &job.node).await)
}

/// The user's stored events of job `job_id` numbered above `after_seq`, oldest first.
pub async fn events_after(
    backend: &Backend,
    user: &User,
    job_id: &str,
    after_seq: u64,
) -> ServiceResult<Vec<JobEvent>> {
    owned(backend, user, job_id).await?;
    events::after(backend, job_id, after_seq).await
}

/// The user's jobs that have not ended, oldest first (the dashboard lists them).
pub async fn active(backend: &Backend, user: &User) -> ServiceResult<Vec<JobView>> {
    let stored: Vec<StoredJob> = backend
        .store
        .db()
        .query(format!(
            "SELECT {JOB_VALUE} FROM job
              WHERE owner = type::record('user', $owner) AND state IN ['queued', 'running']
              ORDER BY created_at"
        ))
        .bind(("owner", user.id.clone()))
        .await?
        .check()?
        .take(0)?;
    let mut views = Vec::with_capacity(stored.len());
    for job in stored {
        views.push(job.view(node_name(backend, user, &job.node).await)?);
    }
    Ok(views)
}

/// Asks job `job_id` to stop. A queued job ends at once; a running one stops at its
/// next safe point and cleans up like a failure.
pub async fn cancel(backend: &Backend, user: &User, job_id: &str) -> ServiceResult<JobView> {
    let job = owned(backend, user, job_id).await?;
    match job.state() {
        state if state.finished() => {
            return Err(ServiceError::Conflict(format!(
                "the job has already {}",
                match state {
                    JobState::Succeeded => "succeeded",
                    JobState::Cancelled => "been cancelled",
                    _ => "failed",
                }
            )));
        }
        JobState::Queued => {
            let ended = crate::error::retry_conflicts(
                || end_if_queued(backend, job_id),
                ServiceError::is_write_conflict,
            )
            .await?;
            if !ended {
                // A runner claimed it meanwhile: ask it to stop instead.
                request_cancel(backend, job_id).await?;
            } else {
                release_claim(backend, job_id).await;
                events::append(
                    backend,
                    job_id,
                    None,
                    NewEvent::info(Phase::Queued, 0, "Cancelled before it started."),
                )
                .await?;
                backend.job_bus.close(job_id);
            }
        }
        _ => request_cancel(backend, job_id).await?,
    }
    let name = node_name(backend, user, &job.node).await;
    audit::record(
        backend,
        Entry::ok(user, "job.cancel", target(job.vmid(), &job.hostname, &name))
            .detail(format!("job {job_id}")),
    )
    .await;
    get(backend, user, job_id).await
}

/// Ends a job that no runner has claimed yet; `false` when one has.
async fn end_if_queued(backend: &Backend, job_id: &str) -> ServiceResult<bool> {
    let ended: Vec<String> = backend
        .store
        .db()
        .query(
            "UPDATE type::record('job', $id)
                SET state = 'cancelled', cancel_requested = true, finished_at = time::now(),
                    cleanup = 'Nothing to clean up: the job had not started.'
              WHERE state = 'queued' AND (lease_until = NONE OR lease_until < time::now())
             RETURN VALUE record::id(id)",
        )
        .bind(("id", job_id.to_owned()))
        .await?
        .check()?
        .take(0)?;
    Ok(!ended.is_empty())
}

/// Marks the job for cancelling; the runner writes the same record, so a write conflict
/// is retried.
async fn request_cancel(backend: &Backend, job_id: &str) -> ServiceResult<()> {
    crate::error::retry_conflicts(
        || async {
            backend
                .store
                .db()
                .query("UPDATE type::record('job', $id) SET cancel_requested = true")
                .bind(("id", job_id.to_owned()))
                .await?
                .check()?;
            Ok(())
        },
        ServiceError::is_write_conflict,
    )
    .await
}

/// Lets the VMID be used by another job (the job ended).
pub(crate) async fn release_claim(backend: &Backend, job_id: &str) {
    let result = backend
        .store
        .db()
        .query("DELETE vmid_claim WHERE job = type::record('job', $id)")
        .bind(("id", job_id.to_owned()))
        .await
        .and_then(|r| r.check());
    if let Err(error) = result {
        tracing::error!(%error, job = job_id, "cannot release the VMID claim");
    }
}

/// The root password of a job that succeeded, exactly once: it is erased as it is read.
pub async fn reveal_root_password(
    backend: &Backend,
    user: &User,
    job_id: &str,
) -> ServiceResult<Option<Zeroizing<String>>> {
    let job = owned(backend, user, job_id).await?;
    if job.state() != JobState::Succeeded {
        return Ok(None);
    }
    let sealed: Option<String> = backend
        .store
        .db()
        .query(
            "LET $before = (UPDATE type::record('job', $id) SET root_password = NONE
                 WHERE root_password != NONE RETURN BEFORE)[0];
             RETURN $before.root_password;",
        )
        .bind(("id", job_id.to_owned()))
        .await?
        .check()?
        .take(1)?;
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    let plain = backend.keys.open(&password_binding(job_id), &sealed)?;
    Ok(Some(Zeroizing::new(
        String::from_utf8_lossy(&plain).into_owned(),
    )))
}

/// The root password for the create call (runner use; not erased).
pub(crate) async fn root_password(
    backend: &Backend,
    job_id: &str,
) -> ServiceResult<Zeroizing<String>> {
    let sealed: Option<String> = backend
        .store
        .db()
        .query("RETURN (SELECT VALUE root_password FROM ONLY type::record('job', $id))")
        .bind(("id", job_id.to_owned()))
        .await?
        .check()?
        .take(0)?;
    let sealed =
        sealed.ok_or_else(|| ServiceError::Internal("the job has no root password".into()))?;
    let plain = backend.keys.open(&password_binding(job_id), &sealed)?;
    Ok(Zeroizing::new(String::from_utf8_lossy(&plain).into_owned()))
}

/// Reseals every stored root password not yet sealed with the current key (see
/// `nodes::reseal_all`); returns how many.
pub async fn reseal_all(backend: &Backend) -> ServiceResult<usize> {
    #[derive(SurrealValue)]
    struct Sealed {
        id: String,
        root_password: String,
    }
    let rows: Vec<Sealed> = backend
        .store
        .db()
        .query("SELECT record::id(id) AS id, root_password FROM job WHERE root_password != NONE")
        .await?
        .check()?
        .take(0)?;
    let mut count = 0;
    for row in rows {
        if !backend.keys.is_stale(&row.root_password)? {
            continue;
        }
        let resealed = backend
            .keys
            .reseal(&password_binding(&row.id), &row.root_password)?;
        backend
            .store
            .db()
            .query("UPDATE type::record('job', $id) SET root_password = $sealed")
            .bind(("id", row.id.clone()))
            .bind(("sealed", resealed))
            .await?
            .check()?;
        count += 1;
    }
    Ok(count)
}
