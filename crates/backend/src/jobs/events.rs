//! A job's log: `job_event` rows numbered from 1 without gaps, and an in-process bus
//! that hands each new event to live subscribers (the progress page's SSE stream).
//!
//! Only the runner holding a job's lease may append to it (checked in the same
//! transaction that takes the next number), so a runner that lost its lease can never
//! write a duplicate or interleaved line.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use model::ids::JobId;
use model::job::{JobEvent, Level, Phase};
use surrealdb::types::SurrealValue;
use tokio::sync::broadcast;

use crate::Backend;
use crate::error::{ServiceError, ServiceResult};
use crate::store::{LEASE_LOST, QueryFailure, StoreError, last_value, retry_conflicts};

/// Events kept for a slow subscriber before it must catch up from the database.
const BUS_CAPACITY: usize = 1024;

/// Live subscribers per job; cheap to clone.
#[derive(Clone, Default)]
pub struct JobBus {
    senders: Arc<Mutex<HashMap<JobId, broadcast::Sender<JobEvent>>>>,
}

impl JobBus {
    fn senders(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, broadcast::Sender<JobEvent>>> {
        self.senders.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every event appended to `job_id` from now on.
    pub fn subscribe(&self, job_id: &JobId) -> broadcast::Receiver<JobEvent> {
        self.senders()
            .entry(job_id.clone())
            .or_insert_with(|| broadcast::channel(BUS_CAPACITY).0)
            .subscribe()
    }

    fn publish(&self, job_id: &JobId, event: &JobEvent) {
        let mut senders = self.senders();
        if let Some(sender) = senders.get(job_id)
            && sender.send(event.clone()).is_err()
        {
            // Nobody listens any more.
            senders.remove(job_id);
        }
    }

    /// Ends the stream of a finished job: subscribers see the channel close.
    pub fn close(&self, job_id: &JobId) {
        self.senders().remove(job_id);
    }
}

/// What to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub phase: Phase,
    pub level: Level,
    pub message: String,
    pub percent: u8,
    pub script: Option<String>,
}

impl NewEvent {
    /// An `info` line.
    pub fn info(phase: Phase, percent: u8, message: impl Into<String>) -> NewEvent {
        NewEvent {
            phase,
            level: Level::Info,
            message: message.into(),
            percent,
            script: None,
        }
    }

    /// The same event with another level.
    pub fn level(mut self, level: Level) -> NewEvent {
        self.level = level;
        self
    }

    /// The same event, about script `name`.
    pub fn script(mut self, name: &str) -> NewEvent {
        self.script = Some(name.to_owned());
        self
    }
}

#[derive(Debug, SurrealValue)]
struct StoredEvent {
    seq: i64,
    at: String,
    phase: String,
    level: String,
    message: String,
    percent: i64,
    script: Option<String>,
}

impl StoredEvent {
    fn into_event(self) -> JobEvent {
        JobEvent {
            seq: u64::try_from(self.seq).unwrap_or(0),
            at: self.at,
            phase: Phase::parse(&self.phase).unwrap_or(Phase::Queued),
            level: Level::parse(&self.level),
            message: self.message,
            percent: u8::try_from(self.percent.clamp(0, 100)).unwrap_or(0),
            script: self.script,
        }
    }
}

const EVENT_VALUE: &str = "seq, time::format(at, '%Y-%m-%dT%H:%M:%S%.3fZ') AS at, phase, \
     level, message, percent, script";

/// Appends an event to job `job_id` and tells live subscribers. With `lease`, only while
/// that runner holds the job ([`ServiceError::LeaseLost`] otherwise). The job's phase and
/// percentage follow the event (output lines keep the percentage).
pub(crate) async fn append(
    backend: &Backend,
    job_id: &JobId,
    lease: Option<&str>,
    event: NewEvent,
) -> ServiceResult<JobEvent> {
    // The job record is also written by lease renewals and progress markers: a write
    // conflict is retried, so no line is ever lost to one.
    retry_conflicts(
        || append_once(backend, job_id, lease, &event),
        ServiceError::is_write_conflict,
    )
    .await
}

async fn append_once(
    backend: &Backend,
    job_id: &JobId,
    lease: Option<&str>,
    event: &NewEvent,
) -> ServiceResult<JobEvent> {
    let event = event.clone();
    let mut response = backend
        .store
        .db()
        .query(format!(
            "BEGIN TRANSACTION;
             LET $job = type::record('job', $id);
             LET $before = (UPDATE $job SET next_seq += 1, phase = $phase, percent = $percent
                 WHERE $lease = NONE OR lease_owner = $lease RETURN BEFORE)[0];
             IF $before = NONE {{ THROW $lease_lost }};
             LET $created = (CREATE job_event CONTENT {{
                 job: $job, seq: $before.next_seq, phase: $phase, level: $level,
                 message: $message, percent: $percent, script: $script
             }})[0];
             SELECT {EVENT_VALUE} FROM ONLY $created.id;
             COMMIT TRANSACTION;"
        ))
        .bind(("id", job_id.to_string()))
        .bind(("lease", lease.map(str::to_owned)))
        .bind(("lease_lost", LEASE_LOST))
        .bind(("phase", event.phase.as_str()))
        .bind(("level", event.level.as_str()))
        .bind(("message", event.message))
        .bind(("percent", i64::from(event.percent)))
        .bind(("script", event.script))
        .await?;
    match QueryFailure::of_response(&mut response) {
        None => {}
        Some(QueryFailure::LeaseLost) => return Err(ServiceError::LeaseLost),
        Some(other) => return Err(StoreError::Query(other).into()),
    }
    let stored: Option<StoredEvent> = last_value(&mut response);
    let event = stored
        .ok_or_else(|| StoreError::Corrupt(format!("the event of job {job_id} was not read back")))?
        .into_event();
    backend.job_bus.publish(job_id, &event);
    Ok(event)
}

/// The stored events of job `job_id` with a number above `after`, oldest first. The
/// caller has checked that the job is the user's.
pub(crate) async fn after(
    backend: &Backend,
    job_id: &JobId,
    after: u64,
) -> ServiceResult<Vec<JobEvent>> {
    let stored: Vec<StoredEvent> = backend
        .store
        .db()
        .query(format!(
            "SELECT {EVENT_VALUE} FROM job_event
              WHERE job = type::record('job', $id) AND seq > $after ORDER BY seq"
        ))
        .bind(("id", job_id.to_string()))
        .bind(("after", i64::try_from(after).unwrap_or(i64::MAX)))
        .await?
        .check()?
        .take(0)?;
    Ok(stored.into_iter().map(StoredEvent::into_event).collect())
}
