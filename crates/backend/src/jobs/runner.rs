//! The job runner: claims queued jobs (and jobs whose runner died: an expired lease) with
//! a lease it keeps renewing, at most a few per node at once, and runs each through the
//! pipeline. A runner that loses its lease stops working on that job at once, so two
//! runners never work on one job.

use std::time::{Duration, Instant};

use model::ids::JobId;
use model::job::JobState;
use surrealdb::types::SurrealValue;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

pub use super::pipeline::OutputLimits;
use super::record::unfinished_states;
use crate::Backend;
use crate::error::ServiceResult;
use crate::ids::random_token;
use crate::store::{QueryFailure, StoreError, record_id, retry_conflicts};

/// How a runner behaves.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Names this runner in leases (unique per process).
    pub id: String,
    /// How long a claim lasts without renewal; renewed every third of it.
    pub lease: Duration,
    /// How often to look for work when nothing wakes the runner.
    pub poll: Duration,
    /// Jobs running at once on one node (across all runners).
    pub per_node: usize,
    /// How long to wait for the new container's network address.
    pub network_wait: Duration,
    /// The longest a single command in the container may run.
    pub command_timeout: Duration,
    /// Pause between task-status polls.
    pub task_poll: Duration,
    /// How much command output a job's log keeps.
    pub output: OutputLimits,
    /// Claims of one job before it is failed (a job whose runner keeps dying).
    pub max_attempts: i64,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            id: format!("runner-{}", random_token()),
            lease: Duration::from_secs(30),
            poll: Duration::from_secs(2),
            per_node: 2,
            network_wait: Duration::from_secs(90),
            command_timeout: Duration::from_secs(30 * 60),
            task_poll: Duration::from_millis(500),
            output: OutputLimits::default(),
            max_attempts: 5,
        }
    }
}

/// One claim of a job: the lease is held under a random token made for this claim, so
/// a runner that lost a job and claimed it again cannot run it twice (the first claim's
/// writes find another token).
#[derive(Debug, Clone)]
pub(crate) struct Claim {
    pub job_id: JobId,
    pub token: String,
}

/// A running runner; dropping the handle leaves it running.
pub struct Runner {
    task: JoinHandle<()>,
    stopping: watch::Sender<bool>,
}

impl Runner {
    /// Starts claiming and running jobs in the background.
    pub fn start(backend: Backend, config: RunnerConfig) -> Runner {
        // Jobs queued by other processes wake this runner through the change feed.
        super::feed::ensure(&backend);
        let stopping = watch::Sender::new(false);
        Runner {
            task: tokio::spawn(run(backend, config, stopping.subscribe())),
            stopping,
        }
    }

    /// Stops at once, as a crash would: jobs in progress keep their leases until they
    /// expire, then another runner (or this process after a restart) takes them over.
    pub fn kill(self) {
        self.task.abort();
    }

    /// Stops gracefully: claims nothing more, lets each running job reach its next safe
    /// point (between phases or scripts) within `grace` and hand its lease back (the
    /// next start resumes it at once), then stops what is left as [`Self::kill`] would.
    pub async fn shut_down(self, grace: Duration) {
        self.stopping.send_replace(true);
        let mut task = self.task;
        if tokio::time::timeout(grace, &mut task).await.is_err() {
            task.abort();
            let _ = task.await;
        }
    }
}

#[derive(Debug, SurrealValue)]
struct Candidate {
    id: String,
    node: String,
}

async fn run(backend: Backend, config: RunnerConfig, mut stopping: watch::Receiver<bool>) {
    let mut jobs: JoinSet<()> = JoinSet::new();
    while !*stopping.borrow() {
        if let Err(error) = claim_and_start(&backend, &config, &stopping, &mut jobs).await {
            tracing::warn!(%error, "job runner: cannot claim jobs");
        }
        tokio::select! {
            () = backend.job_wakeup.notified() => {}
            () = tokio::time::sleep(config.poll) => {}
            Some(_) = jobs.join_next(), if !jobs.is_empty() => {}
            _ = stopping.changed() => {}
        }
    }
    // Shutting down: the jobs stop at their next safe point and hand their leases back.
    while jobs.join_next().await.is_some() {}
}

/// Claims every job it may (per-node limit) and starts working on it.
async fn claim_and_start(
    backend: &Backend,
    config: &RunnerConfig,
    stopping: &watch::Receiver<bool>,
    jobs: &mut JoinSet<()>,
) -> ServiceResult<()> {
    let candidates: Vec<Candidate> = backend
        .store
        .db()
        .query(
            "SELECT record::id(id) AS id, record::id(node) AS node, created_at FROM job
              WHERE state IN $unfinished
                AND (lease_until = NONE OR lease_until < time::now())
              ORDER BY created_at LIMIT 50",
        )
        .bind(("unfinished", unfinished_states()))
        .await?
        .check()?
        .take(0)?;
    for candidate in candidates {
        if let Some(token) = claim(backend, config, &candidate).await? {
            let claim = Claim {
                job_id: record_id::<model::ids::JobTable>(&candidate.id)?,
                token,
            };
            let (backend, config, stopping) = (backend.clone(), config.clone(), stopping.clone());
            jobs.spawn(async move { hold_and_run(backend, config, claim, stopping).await });
        }
    }
    Ok(())
}

/// Takes the job if its lease is free and the node has room; the claim's token when
/// taken.
async fn claim(
    backend: &Backend,
    config: &RunnerConfig,
    candidate: &Candidate,
) -> ServiceResult<Option<String>> {
    let token = format!("{}:{}", config.id, random_token());
    let mut response = backend
        .store
        .db()
        .query(
            "BEGIN TRANSACTION;
             LET $busy = count(SELECT id FROM job
                 WHERE node = type::record('node', $node) AND state = $running
                   AND lease_until != NONE AND lease_until > time::now());
             LET $taken = IF $busy < $limit {
                 UPDATE type::record('job', $id)
                    SET lease_owner = $runner, lease_until = time::now() + <duration> $lease,
                        state = $running, started_at = started_at ?? time::now(),
                        attempts += 1
                  WHERE state IN $unfinished
                    AND (lease_until = NONE OR lease_until < time::now())
                 RETURN VALUE record::id(id)
             } ELSE { [] };
             RETURN $taken;
             COMMIT TRANSACTION;",
        )
        .bind(("id", candidate.id.clone()))
        .bind(("node", candidate.node.clone()))
        .bind(("runner", token.clone()))
        .bind(("lease", format!("{}ms", config.lease.as_millis())))
        .bind(("limit", i64::try_from(config.per_node).unwrap_or(1)))
        .bind(("running", JobState::Running.as_str()))
        .bind(("unfinished", unfinished_states()))
        .await?;
    match QueryFailure::of_response(&mut response) {
        None => {}
        // Another runner won a race for the same job: not an error.
        Some(QueryFailure::WriteConflict) => {
            tracing::debug!(job = %candidate.id, "job not claimed: another runner was faster");
            return Ok(None);
        }
        Some(other) => {
            tracing::warn!(job = %candidate.id, error = %other, "job not claimed");
            return Ok(None);
        }
    }
    // The UPDATE's answer: the claimed id, or nothing.
    let taken = (0..response.num_statements()).rev().any(|index| {
        response
            .take::<Vec<String>>(index)
            .is_ok_and(|ids| !ids.is_empty())
    });
    Ok(taken.then_some(token))
}

/// What a renewal found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Renewal {
    Renewed,
    /// The job is no longer this claim's.
    Lost,
    /// The database did not answer; the lease may still hold.
    Unknown,
}

/// Whether a claim is still ours after a renewal answered `renewal`, `since_renewed`
/// after the last renewal that worked: a database that does not answer for as long as the
/// lease lasts may have let another runner take the job, so the claim counts as lost.
fn still_held(renewal: Renewal, since_renewed: Duration, lease: Duration) -> bool {
    match renewal {
        Renewal::Renewed => true,
        Renewal::Lost => false,
        Renewal::Unknown => since_renewed < lease,
    }
}

/// Extends the claim's lease.
pub(crate) async fn renew(backend: &Backend, config: &RunnerConfig, claim: &Claim) -> Renewal {
    // Event appends write the same record: a conflict is simply tried again.
    let renewed = retry_conflicts(
        || renew_once(backend, config, claim),
        StoreError::is_write_conflict,
    )
    .await;
    match renewed {
        Ok(rows) if rows.is_empty() => Renewal::Lost,
        Ok(_) => Renewal::Renewed,
        Err(error) => {
            tracing::warn!(%error, job = %claim.job_id, "cannot renew the job lease");
            Renewal::Unknown
        }
    }
}

async fn renew_once(
    backend: &Backend,
    config: &RunnerConfig,
    claim: &Claim,
) -> Result<Vec<String>, StoreError> {
    Ok(backend
        .store
        .db()
        .query(
            "UPDATE type::record('job', $id)
                SET lease_until = time::now() + <duration> $lease
              WHERE lease_owner = $runner AND state = $running
             RETURN VALUE record::id(id)",
        )
        .bind(("id", claim.job_id.to_string()))
        .bind(("runner", claim.token.clone()))
        .bind(("lease", format!("{}ms", config.lease.as_millis())))
        .bind(("running", JobState::Running.as_str()))
        .await?
        .check()?
        .take::<Vec<String>>(0)?)
}

/// Hands a job back without ending it (a graceful shutdown at a safe point): the next
/// runner claims it at once, and this claim does not count as an attempt.
pub(crate) async fn hand_back(backend: &Backend, claim: &Claim) {
    let released = retry_conflicts(
        || async {
            backend
                .store
                .db()
                .query(
                    "UPDATE type::record('job', $id)
                        SET lease_owner = NONE, lease_until = NONE, attempts -= 1
                      WHERE lease_owner = $runner",
                )
                .bind(("id", claim.job_id.to_string()))
                .bind(("runner", claim.token.clone()))
                .await?
                .check()
                .map_err(StoreError::from)
        },
        StoreError::is_write_conflict,
    )
    .await;
    if let Err(error) = released {
        tracing::warn!(%error, job = %claim.job_id, "cannot hand the job back; its lease will expire");
    }
}

/// Runs the pipeline while renewing the lease; gives the job up when the lease is lost,
/// or when renewals have failed for longer than the lease (another runner may have it).
async fn hold_and_run(
    backend: Backend,
    config: RunnerConfig,
    claim: Claim,
    stopping: watch::Receiver<bool>,
) {
    let keep_lease = async {
        let mut last_renewed = Instant::now();
        loop {
            tokio::time::sleep(config.lease / 3).await;
            let renewal = renew(&backend, &config, &claim).await;
            if renewal == Renewal::Renewed {
                last_renewed = Instant::now();
            }
            if !still_held(renewal, last_renewed.elapsed(), config.lease) {
                return;
            }
        }
    };
    tokio::select! {
        () = super::pipeline::run(&backend, &config, &claim, stopping) => {}
        () = keep_lease => {
            tracing::warn!(job = %claim.job_id, "lost the job lease; another runner may have it");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_whose_renewals_fail_for_a_whole_lease_is_lost() {
        let lease = Duration::from_secs(30);
        let held = |renewal, seconds| still_held(renewal, Duration::from_secs(seconds), lease);
        assert!(held(Renewal::Renewed, 0));
        assert!(!held(Renewal::Lost, 0), "another runner has it");
        assert!(held(Renewal::Unknown, 10), "a hiccup is not a loss");
        assert!(held(Renewal::Unknown, 29));
        assert!(
            !held(Renewal::Unknown, 30),
            "silent for a whole lease: maybe taken over"
        );
    }
}
