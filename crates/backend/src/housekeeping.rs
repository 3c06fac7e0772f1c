//! The minute-by-minute chores that keep memory and the database bounded: forgetting
//! idle rate-limiter keys, auditing the sign-in refusals counted since the last round,
//! and the retention sweeps (finished jobs and their logs, root passwords nobody
//! revealed, old audit entries).

use std::time::{Duration, Instant};

use surrealdb::types::SurrealValue;

use crate::error::ServiceResult;
use crate::store::{StoreError, last_value};
use crate::{Backend, accounts};

/// How often the chores run.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// Rows one sweep deletes at most per kind (the next round goes on), so a sweep never
/// holds the database for long.
const SWEEP_BATCH: i64 = 500;

/// How long finished work is kept, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Finished jobs and their logs.
    pub jobs_days: u32,
    /// A created container's root password that was never revealed (after the job ended).
    pub passwords_days: u32,
    /// Audit entries.
    pub audit_days: u32,
}

impl Default for Retention {
    /// Jobs 90 days, unrevealed root passwords 7 days, audit entries 400 days.
    fn default() -> Self {
        Retention {
            jobs_days: 90,
            passwords_days: 7,
            audit_days: 400,
        }
    }
}

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub jobs: usize,
    pub passwords: usize,
    pub audit: usize,
}

/// One round of chores.
pub async fn run_once(backend: &Backend, now: Instant, retention: &Retention) {
    backend.login_limiter.forget_idle();
    accounts::report_refusals(backend, now).await;
    match sweep(backend, retention).await {
        Ok(swept) if swept != Swept::default() => tracing::info!(?swept, "retention sweep"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "retention sweep failed; the next round tries again"),
    }
}

/// Deletes what is past its retention (a batch of each kind).
pub async fn sweep(backend: &Backend, retention: &Retention) -> ServiceResult<Swept> {
    let days = |n: u32| format!("{n}d");
    let mut response = backend
        .store
        .db()
        .query(
            "LET $old_jobs = (SELECT VALUE id FROM job
                 WHERE finished_at != NONE AND finished_at < time::now() - <duration> $jobs
                 LIMIT $batch);
             FOR $job IN $old_jobs {
                 DELETE job_event WHERE job = $job;
                 DELETE vmid_claim WHERE job = $job;
             };
             DELETE $old_jobs;
             LET $passwords = (UPDATE job SET root_password = NONE
                 WHERE root_password != NONE AND finished_at != NONE
                   AND finished_at < time::now() - <duration> $passwords
                 RETURN VALUE id);
             LET $old_audit = (SELECT VALUE id FROM audit
                 WHERE at < time::now() - <duration> $audit LIMIT $batch);
             DELETE $old_audit;
             RETURN {
                 jobs: array::len($old_jobs),
                 passwords: array::len($passwords),
                 audit: array::len($old_audit)
             };",
        )
        .bind(("jobs", days(retention.jobs_days)))
        .bind(("passwords", days(retention.passwords_days)))
        .bind(("audit", days(retention.audit_days)))
        .bind(("batch", SWEEP_BATCH))
        .await?
        .check()?;
    let counts: Option<SweptCounts> = last_value(&mut response);
    let counts = counts.ok_or_else(|| StoreError::Corrupt("the sweep answered nothing".into()))?;
    let size = |n: i64| usize::try_from(n).unwrap_or(0);
    Ok(Swept {
        jobs: size(counts.jobs),
        passwords: size(counts.passwords),
        audit: size(counts.audit),
    })
}

#[derive(Debug, SurrealValue)]
struct SweptCounts {
    jobs: i64,
    passwords: i64,
    audit: i64,
}

/// Runs the chores every [`INTERVAL`] until the task is aborted.
pub fn spawn(backend: Backend, retention: Retention) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            run_once(&backend, Instant::now(), &retention).await;
        }
    })
}
