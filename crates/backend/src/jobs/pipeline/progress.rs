//! What a running job writes as it goes: log lines (events), progress markers on the job
//! record, and the checks for a cancel request. Every write is made under this runner's
//! lease; a write that finds the lease gone stops the pipeline ([`Halt::LeaseLost`]).

use model::job::{JobState, Phase};

use super::{Halt, JobRun};
use crate::error::ServiceError;
use crate::jobs::events::{self, NewEvent};
use crate::jobs::record;
use crate::store::{StoreError, retry_conflicts};

/// A fact about the job's progress, written on its record so that a runner taking over
/// knows what already happened.
#[derive(Debug, Clone)]
pub(super) enum Progress {
    /// The create call is about to be sent to Proxmox.
    CreateRequested,
    /// Proxmox accepted the create call: its task id.
    CreateTask(String),
    /// The container exists.
    Created,
    /// Script number `n` (counting from 1) has been started.
    ScriptStarted(usize),
    /// Scripts up to number `n` have finished.
    ScriptsDone(usize),
    /// The script at this index failed.
    ScriptFailed(usize),
    /// The job ended well.
    Succeeded,
    /// The job failed or was cancelled, and what was done about the container.
    Ended {
        state: JobState,
        phase: Phase,
        message: String,
        cleanup: String,
    },
}

/// A value bound into the update (never spliced into the query text).
enum Value {
    Text(String),
    Count(i64),
}

fn count(n: usize) -> Value {
    Value::Count(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The end of a job: the lease is released with it.
const RELEASE: &str = "finished_at = time::now(), lease_owner = NONE, lease_until = NONE";

impl Progress {
    /// The `SET` clause (fixed text) and the values it names.
    fn update(&self) -> (String, Vec<(&'static str, Value)>) {
        match self {
            Progress::CreateRequested => ("create_requested = true".into(), vec![]),
            Progress::CreateTask(upid) => (
                "create_upid = $upid".into(),
                vec![("upid", Value::Text(upid.clone()))],
            ),
            Progress::Created => ("created = true".into(), vec![]),
            Progress::ScriptStarted(n) => ("scripts_started = $n".into(), vec![("n", count(*n))]),
            Progress::ScriptsDone(n) => ("scripts_done = $n".into(), vec![("n", count(*n))]),
            Progress::ScriptFailed(index) => (
                "script_failed = $index".into(),
                vec![("index", count(*index))],
            ),
            Progress::Succeeded => (
                format!("state = $state, phase = $phase, percent = 100, {RELEASE}"),
                vec![
                    ("state", Value::Text(JobState::Succeeded.as_str().into())),
                    ("phase", Value::Text(Phase::Done.as_str().into())),
                ],
            ),
            Progress::Ended {
                state,
                phase,
                message,
                cleanup,
            } => (
                format!(
                    "state = $state, error = $message, failed_phase = $phase, \
                     cleanup = $cleanup, {RELEASE}"
                ),
                vec![
                    ("state", Value::Text(state.as_str().into())),
                    ("message", Value::Text(message.clone())),
                    ("phase", Value::Text(phase.as_str().into())),
                    ("cleanup", Value::Text(cleanup.clone())),
                ],
            ),
        }
    }
}

impl JobRun<'_> {
    /// Appends an event under this runner's lease.
    pub(super) async fn event(&self, event: NewEvent) -> Result<(), Halt> {
        self.events(vec![event]).await
    }

    /// Appends events in one transaction under this runner's lease. Lines that cannot be
    /// written (the database hiccuped) are logged and the job goes on rather than lose
    /// the container.
    pub(super) async fn events(&self, batch: Vec<NewEvent>) -> Result<(), Halt> {
        match events::append_all(self.backend, &self.job_id, Some(self.lease), batch).await {
            Ok(_) => Ok(()),
            Err(ServiceError::LeaseLost) => Err(Halt::LeaseLost),
            Err(error) => {
                tracing::error!(%error, job = %self.job_id, "cannot write job events");
                Ok(())
            }
        }
    }

    /// An `info` line `fraction` of the way through `phase`.
    pub(super) async fn info(
        &self,
        phase: Phase,
        fraction: f64,
        message: impl Into<String>,
    ) -> Result<(), Halt> {
        self.event(NewEvent::info(phase, phase.percent(fraction), message))
            .await
    }

    /// Writes a progress marker on the job under the lease. A write conflict (with a
    /// lease renewal or an event) is retried.
    pub(super) async fn record(&self, progress: Progress) -> Result<(), Halt> {
        let written = retry_conflicts(
            || self.record_once(&progress),
            StoreError::is_write_conflict,
        )
        .await;
        match written {
            Ok(true) => Ok(()),
            Ok(false) => Err(Halt::LeaseLost),
            Err(error) => Err(Halt::failed(
                Phase::parse(&self.job.phase).unwrap_or(Phase::Create),
                format!("cannot record progress: {error}"),
            )),
        }
    }

    /// `false` when the job is no longer this runner's.
    async fn record_once(&self, progress: &Progress) -> Result<bool, StoreError> {
        let (assignments, values) = progress.update();
        let mut query = self
            .backend
            .store
            .db()
            .query(format!(
                "UPDATE type::record('job', $id) SET {assignments}
                  WHERE lease_owner = $runner RETURN VALUE record::id(id)"
            ))
            .bind(("id", self.job_id.to_string()))
            .bind(("runner", self.lease.to_owned()));
        for (name, value) in values {
            query = match value {
                Value::Text(text) => query.bind((name, text)),
                Value::Count(n) => query.bind((name, n)),
            };
        }
        let updated: Vec<String> = query.await?.check()?.take(0)?;
        Ok(!updated.is_empty())
    }

    /// Stops at a safe point when the user asked to cancel, or hands the job back when
    /// this process is shutting down.
    pub(super) async fn stop_if_cancelled(&self, phase: Phase) -> Result<(), Halt> {
        if *self.stopping.borrow() {
            return Err(Halt::Stopping);
        }
        match record::load(self.backend, &self.job_id).await {
            Ok(job) if job.cancel_requested => Err(Halt::Cancelled { phase }),
            _ => Ok(()),
        }
    }
}
