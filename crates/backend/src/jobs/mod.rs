//! Provisioning jobs: a checked container specification turned into a durable `job`
//! record ([`submit`]) that a runner ([`runner`]) claims with a lease and walks through
//! the pipeline ([`pipeline`]), logging every step as events ([`events`]).
//!
//! Every public function here takes the owning user; another user's job is "not found".

pub mod bus;
pub mod events;
mod feed;
mod history;
mod pipeline;
mod record;
pub mod root_password;
pub mod runner;
mod submit;

use model::ids::{JobId, NodeId};
use model::job::{JobEvent, JobPage, JobState, JobView, Phase};

use crate::Backend;
use crate::accounts::User;
use crate::audit::{self, AuditAction, Entry, Target};
use crate::error::{ServiceError, ServiceResult};
use crate::store::retry_conflicts;
use record::{StoredJob, owned, unfinished, viewable};

pub use bus::{Delivery, JobBus, StreamPermit, Subscription};
pub use events::NewEvent;
pub use history::history;
pub use root_password::{reseal_all, reveal as reveal_root_password};
pub use submit::{create_from_draft, submit};

/// The display name of node `node_id` (a job's: whoever may see the job may see its
/// node's name), or a word for a node that is gone.
async fn node_name(backend: &Backend, node_id: &NodeId) -> String {
    let name: Option<String> = async {
        backend
            .store
            .db()
            .query("SELECT VALUE name FROM ONLY type::record('node', $id)")
            .bind(("id", node_id.to_string()))
            .await
            .ok()?
            .take(0)
            .ok()?
    }
    .await;
    name.unwrap_or_else(|| "(removed node)".to_owned())
}

async fn view(backend: &Backend, job: &StoredJob) -> ServiceResult<JobView> {
    job.view(node_name(backend, &job.node()?).await)
}

/// Job `job_id`, for its owner or an administrator.
pub async fn get(backend: &Backend, user: &User, job_id: &JobId) -> ServiceResult<JobView> {
    let job = viewable(backend, user, job_id).await?;
    view(backend, &job).await
}

/// The user's job `job_id` and one page of its log: the newest lines (the progress
/// page's first render), or those before line `before` (reading back).
pub async fn page(
    backend: &Backend,
    user: &User,
    job_id: &JobId,
    before: Option<u64>,
) -> ServiceResult<JobPage> {
    let job = get(backend, user, job_id).await?;
    let events = events::before(backend, job_id, before.unwrap_or(u64::MAX)).await?;
    let earlier = events
        .first()
        .map_or(0, |first| first.seq.saturating_sub(1));
    Ok(JobPage {
        job,
        events,
        earlier,
    })
}

/// The user's stored events of job `job_id` numbered above `after_seq`, oldest first, at
/// most [`events::EVENTS_PER_READ`] (read again from the last one for more).
pub async fn events_after(
    backend: &Backend,
    user: &User,
    job_id: &JobId,
    after_seq: u64,
) -> ServiceResult<Vec<JobEvent>> {
    viewable(backend, user, job_id).await?;
    events::after(backend, job_id, after_seq).await
}

/// Follows the user's job `job_id`: a subscription to its events from now on, and its
/// first stored events numbered above `after_seq` (at most [`events::EVENTS_PER_READ`]).
/// The subscription is made first (after the ownership check), so no event falls between
/// the two.
pub async fn follow(
    backend: &Backend,
    user: &User,
    job_id: &JobId,
    after_seq: u64,
) -> ServiceResult<(Subscription, Vec<JobEvent>)> {
    viewable(backend, user, job_id).await?;
    feed::ensure(backend);
    let live = backend.job_bus.subscribe(job_id);
    let stored = events::after(backend, job_id, after_seq).await?;
    Ok((live, stored))
}

/// The newest job that made container `vmid` on node `node_id`, if the user may see it.
pub async fn creator_of(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: model::ids::Vmid,
) -> ServiceResult<Option<JobId>> {
    let id: Option<String> = backend
        .store
        .db()
        .query(
            "SELECT VALUE record::id(id) FROM job
              WHERE node = type::record('node', $node) AND vmid = $vmid AND state = $succeeded
                AND ($everyone OR owner = type::record('user', $owner))
              ORDER BY created_at DESC LIMIT 1",
        )
        .bind(("node", node_id.to_string()))
        .bind(("vmid", i64::from(vmid.get())))
        .bind(("succeeded", JobState::Succeeded.as_str()))
        .bind(("everyone", user.is_admin))
        .bind(("owner", user.id.to_string()))
        .await?
        .check()?
        .take(0)?;
    Ok(id.as_deref().and_then(JobId::parse))
}

/// The user's jobs that have not ended, oldest first (the dashboard lists them).
pub async fn active(backend: &Backend, user: &User) -> ServiceResult<Vec<JobView>> {
    let mut views = Vec::new();
    for job in unfinished(backend, user).await? {
        views.push(view(backend, &job).await?);
    }
    Ok(views)
}

/// Asks job `job_id` to stop. A queued job ends at once; a running one stops at its
/// next safe point and cleans up like a failure.
pub async fn cancel(backend: &Backend, user: &User, job_id: &JobId) -> ServiceResult<JobView> {
    let job = owned(backend, user, job_id).await?;
    match job.state() {
        state if state.finished() => {
            return Err(ServiceError::Conflict(format!(
                "the job has already {}",
                state.past()
            )));
        }
        JobState::Queued => {
            let ended = retry_conflicts(
                || end_if_queued(backend, job_id),
                ServiceError::is_write_conflict,
            )
            .await?;
            if ended {
                release_claim(backend, job_id).await;
                events::append(
                    backend,
                    job_id,
                    None,
                    NewEvent::info(Phase::Queued, 0, "Cancelled before it started."),
                )
                .await?;
                backend.job_bus.close(job_id);
            } else {
                // A runner claimed it meanwhile: ask it to stop instead.
                request_cancel(backend, job_id).await?;
            }
        }
        _ => request_cancel(backend, job_id).await?,
    }
    let node_id = job.node()?;
    let target = Target::container(
        &node_id,
        &node_name(backend, &node_id).await,
        job.vmid()?,
        &job.hostname,
    )
    .by_job(job_id);
    audit::record(backend, Entry::ok(user, AuditAction::JobCancel, target)).await;
    get(backend, user, job_id).await
}

/// Ends a job that no runner has claimed yet; `false` when one has.
async fn end_if_queued(backend: &Backend, job_id: &JobId) -> ServiceResult<bool> {
    let ended: Vec<String> = backend
        .store
        .db()
        .query(
            "UPDATE type::record('job', $id)
                SET state = $cancelled, cancel_requested = true, finished_at = time::now(),
                    cleanup = 'Nothing to clean up: the job had not started.'
              WHERE state = $queued AND (lease_until = NONE OR lease_until < time::now())
             RETURN VALUE record::id(id)",
        )
        .bind(("id", job_id.to_string()))
        .bind(("cancelled", JobState::Cancelled.as_str()))
        .bind(("queued", JobState::Queued.as_str()))
        .await?
        .check()?
        .take(0)?;
    Ok(!ended.is_empty())
}

/// Marks the job for cancelling; the runner writes the same record, so a write conflict
/// is retried.
async fn request_cancel(backend: &Backend, job_id: &JobId) -> ServiceResult<()> {
    retry_conflicts(
        || async {
            backend
                .store
                .db()
                .query("UPDATE type::record('job', $id) SET cancel_requested = true")
                .bind(("id", job_id.to_string()))
                .await?
                .check()?;
            Ok(())
        },
        ServiceError::is_write_conflict,
    )
    .await
}

/// Lets the VMID be used by another job (the job ended). A failure is logged: the claim
/// then blocks that VMID on that node until someone removes it.
pub(crate) async fn release_claim(backend: &Backend, job_id: &JobId) {
    let result = backend
        .store
        .db()
        .query("DELETE vmid_claim WHERE job = type::record('job', $id)")
        .bind(("id", job_id.to_string()))
        .await
        .and_then(|r| r.check());
    if let Err(error) = result {
        tracing::error!(%error, job = %job_id, "cannot release the VMID claim");
    }
}
