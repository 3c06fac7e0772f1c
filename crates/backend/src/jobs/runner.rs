//! The job runner: claims queued jobs (and jobs whose runner died: an expired lease) with
//! a lease it keeps renewing, at most a few per node at once, and runs each through the
//! pipeline. A runner that loses its lease stops working on that job at once, so two
//! runners never work on one job.

use std::time::Duration;

use model::ids::JobId;
use model::job::JobState;
use surrealdb::types::SurrealValue;
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
        }
    }
}

/// A running runner; dropping the handle leaves it running.
pub struct Runner {
    task: JoinHandle<()>,
}

impl Runner {
    /// Starts claiming and running jobs in the background.
    pub fn start(backend: Backend, config: RunnerConfig) -> Runner {
        Runner {
            task: tokio::spawn(run(backend, config)),
        }
    }

    /// Stops at once, as a crash would: jobs in progress keep their leases until they
    /// expire, then another runner (or this process after a restart) takes them over.
    pub fn kill(self) {
        self.task.abort();
    }
}

#[derive(Debug, SurrealValue)]
struct Candidate {
    id: String,
    node: String,
}

async fn run(backend: Backend, config: RunnerConfig) {
    let mut jobs: JoinSet<()> = JoinSet::new();
    loop {
        if let Err(error) = claim_and_start(&backend, &config, &mut jobs).await {
            tracing::warn!(%error, "job runner: cannot claim jobs");
        }
        tokio::select! {
            () = backend.job_wakeup.notified() => {}
            () = tokio::time::sleep(config.poll) => {}
            Some(_) = jobs.join_next(), if !jobs.is_empty() => {}
        }
    }
}

/// Claims every job it may (per-node limit) and starts working on it.
async fn claim_and_start(
    backend: &Backend,
    config: &RunnerConfig,
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
        if claim(backend, config, &candidate).await? {
            let job_id = record_id::<model::ids::JobTable>(&candidate.id)?;
            let (backend, config) = (backend.clone(), config.clone());
            jobs.spawn(async move { hold_and_run(backend, config, job_id).await });
        }
    }
    Ok(())
}

/// Takes the job if its lease is free and the node has room; `true` when taken.
async fn claim(
    backend: &Backend,
    config: &RunnerConfig,
    candidate: &Candidate,
) -> ServiceResult<bool> {
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
        .bind(("runner", config.id.clone()))
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
            return Ok(false);
        }
        Some(other) => {
            tracing::warn!(job = %candidate.id, error = %other, "job not claimed");
            return Ok(false);
        }
    }
    // The UPDATE's answer: the claimed id, or nothing.
    let taken = (0..response.num_statements()).rev().any(|index| {
        response
            .take::<Vec<String>>(index)
            .is_ok_and(|ids| !ids.is_empty())
    });
    Ok(taken)
}

/// Extends the lease; `false` when this runner no longer holds the job.
async fn renew(backend: &Backend, config: &RunnerConfig, job_id: &JobId) -> bool {
    // Event appends write the same record: a conflict is simply tried again.
    let renewed = retry_conflicts(
        || renew_once(backend, config, job_id),
        StoreError::is_write_conflict,
    )
    .await;
    match renewed {
        Ok(rows) => !rows.is_empty(),
        // A database hiccup is not a lost lease; the next renewal decides.
        Err(error) => {
            tracing::warn!(%error, job = %job_id, "cannot renew the job lease");
            true
        }
    }
}

async fn renew_once(
    backend: &Backend,
    config: &RunnerConfig,
    job_id: &JobId,
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
        .bind(("id", job_id.to_string()))
        .bind(("runner", config.id.clone()))
        .bind(("lease", format!("{}ms", config.lease.as_millis())))
        .bind(("running", JobState::Running.as_str()))
        .await?
        .check()?
        .take::<Vec<String>>(0)?)
}

/// Runs the pipeline while renewing the lease; gives the job up when the lease is lost.
async fn hold_and_run(backend: Backend, config: RunnerConfig, job_id: JobId) {
    let keep_lease = async {
        loop {
            tokio::time::sleep(config.lease / 3).await;
            if !renew(&backend, &config, &job_id).await {
                return;
            }
        }
    };
    tokio::select! {
        () = super::pipeline::run(&backend, &config, &job_id) => {}
        () = keep_lease => {
            tracing::warn!(job = %job_id, "lost the job lease; another runner has it");
        }
    }
}
