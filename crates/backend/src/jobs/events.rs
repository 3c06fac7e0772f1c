//! A job's log: `job_event` rows numbered from 1; the database's change feed
//! ([`super::feed`]) hands each to live subscribers, in whichever process they are.
//!
//! Only the runner holding a job's lease may take numbers for new lines (checked in the
//! transaction that takes them), so a runner that lost its lease can never write a
//! duplicate or interleaved line. Lines are numbered from 1; a crash between taking
//! numbers and writing the lines may leave a gap, never a duplicate.

use model::ids::JobId;
use model::job::{JobEvent, Level, Phase};
use surrealdb::types::SurrealValue;

use crate::Backend;
use crate::error::{ServiceError, ServiceResult};
use crate::store::{LEASE_LOST, QueryFailure, StoreError, last_value, retry_conflicts};

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
pub(super) struct StoredEvent {
    /// The job's id, when the query asked for it (the change feed does).
    pub(super) job: Option<String>,
    seq: i64,
    at: String,
    phase: String,
    level: String,
    message: String,
    percent: i64,
    script: Option<String>,
}

impl StoredEvent {
    pub(super) fn into_event(self) -> JobEvent {
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

pub(super) const EVENT_VALUE: &str = "seq, time::format(at, '%Y-%m-%dT%H:%M:%S%.3fZ') AS at, phase, \
     level, message, percent, script";

/// Appends an event to job `job_id` (the change feed tells live subscribers). With `lease`, only while
/// that runner holds the job ([`ServiceError::LeaseLost`] otherwise). The job's phase and
/// percentage follow the event (output lines keep the percentage).
pub(crate) async fn append(
    backend: &Backend,
    job_id: &JobId,
    lease: Option<&str>,
    event: NewEvent,
) -> ServiceResult<JobEvent> {
    append_all(backend, job_id, lease, vec![event])
        .await?
        .pop()
        .ok_or_else(|| {
            StoreError::Corrupt(format!("the event of job {job_id} was not read back")).into()
        })
}

/// One event as the batch insert takes it: its job, its number and its fields.
#[derive(Debug, SurrealValue)]
struct EventRow {
    job: surrealdb::types::RecordId,
    seq: i64,
    phase: String,
    level: String,
    message: String,
    percent: i64,
    script: Option<String>,
}

/// What a batch insert answers: the stored events, oldest first.
#[derive(Debug, SurrealValue)]
struct Appended {
    events: Vec<StoredEvent>,
}

/// Appends `batch` to job `job_id`, numbered in order; as
/// [`append`] for the lease, the phase and the percentage (the last event's). Two short
/// steps: a transaction takes the numbers under the lease (and moves the job's phase and
/// percentage); one `INSERT` writes the lines, without touching the job record, so a
/// large batch never collides with lease renewals. A crash between the two leaves a gap
/// in the numbers, never a duplicate.
pub(crate) async fn append_all(
    backend: &Backend,
    job_id: &JobId,
    lease: Option<&str>,
    batch: Vec<NewEvent>,
) -> ServiceResult<Vec<JobEvent>> {
    let Some(last) = batch.last() else {
        return Ok(Vec::new());
    };
    let count = i64::try_from(batch.len()).unwrap_or(i64::MAX);
    let first = reserve(backend, job_id, lease, count, last).await?;
    let rows: Vec<EventRow> = batch
        .iter()
        .zip(first..)
        .map(|(event, seq)| EventRow {
            job: surrealdb::types::RecordId::new("job", job_id.to_string()),
            seq,
            phase: event.phase.as_str().to_owned(),
            level: event.level.as_str().to_owned(),
            message: event.message.clone(),
            percent: i64::from(event.percent),
            script: event.script.clone(),
        })
        .collect();
    let mut response = backend
        .store
        .db()
        .query(format!(
            "RETURN {{ events: (INSERT INTO job_event $rows RETURN {EVENT_VALUE}) }};"
        ))
        .bind(("rows", rows))
        .await?;
    if let Some(failure) = QueryFailure::of_response(&mut response) {
        return Err(StoreError::Query(failure).into());
    }
    let appended: Option<Appended> = last_value(&mut response);
    Ok(appended
        .ok_or_else(|| {
            StoreError::Corrupt(format!("the events of job {job_id} were not read back"))
        })?
        .events
        .into_iter()
        .map(StoredEvent::into_event)
        .collect())
}

/// Takes `count` numbers for job `job_id`'s next events (under `lease` when given) and
/// moves its phase and percentage to `last`'s; answers the first number.
async fn reserve(
    backend: &Backend,
    job_id: &JobId,
    lease: Option<&str>,
    count: i64,
    last: &NewEvent,
) -> ServiceResult<i64> {
    // The job record is also written by lease renewals and progress markers: a write
    // conflict is retried, so no line is ever lost to one.
    retry_conflicts(
        || reserve_once(backend, job_id, lease, count, last),
        ServiceError::is_write_conflict,
    )
    .await
}

async fn reserve_once(
    backend: &Backend,
    job_id: &JobId,
    lease: Option<&str>,
    count: i64,
    last: &NewEvent,
) -> ServiceResult<i64> {
    let mut response = backend
        .store
        .db()
        .query(
            "BEGIN TRANSACTION;
             LET $before = (UPDATE type::record('job', $id)
                 SET next_seq += $count, phase = $phase, percent = $percent
                 WHERE $lease = NONE OR lease_owner = $lease RETURN BEFORE)[0];
             IF $before = NONE { THROW $lease_lost };
             RETURN $before.next_seq;
             COMMIT TRANSACTION;",
        )
        .bind(("id", job_id.to_string()))
        .bind(("lease", lease.map(str::to_owned)))
        .bind(("lease_lost", LEASE_LOST))
        .bind(("count", count))
        .bind(("phase", last.phase.as_str()))
        .bind(("percent", i64::from(last.percent)))
        .await?;
    match QueryFailure::of_response(&mut response) {
        None => {}
        Some(QueryFailure::LeaseLost) => return Err(ServiceError::LeaseLost),
        Some(other) => return Err(StoreError::Query(other).into()),
    }
    last_value::<i64>(&mut response)
        .ok_or_else(|| StoreError::Corrupt(format!("job {job_id} gave no event number")).into())
}

/// The most events one read returns: pages, streams and catch-ups read in steps of this.
pub const EVENTS_PER_READ: usize = 500;

/// Up to [`EVENTS_PER_READ`] stored events of job `job_id` numbered above `after`, oldest
/// first. The caller has checked that the job is the user's.
pub(crate) async fn after(
    backend: &Backend,
    job_id: &JobId,
    after: u64,
) -> ServiceResult<Vec<JobEvent>> {
    read(
        backend,
        job_id,
        "seq > $seq ORDER BY seq",
        i64::try_from(after).unwrap_or(i64::MAX),
    )
    .await
}

/// Up to [`EVENTS_PER_READ`] stored events of job `job_id` numbered below `before`, the
/// newest of them, oldest first.
pub(crate) async fn before(
    backend: &Backend,
    job_id: &JobId,
    before: u64,
) -> ServiceResult<Vec<JobEvent>> {
    let mut events = read(
        backend,
        job_id,
        "seq < $seq ORDER BY seq DESC",
        i64::try_from(before).unwrap_or(i64::MAX),
    )
    .await?;
    events.reverse();
    Ok(events)
}

async fn read(
    backend: &Backend,
    job_id: &JobId,
    condition: &str,
    seq: i64,
) -> ServiceResult<Vec<JobEvent>> {
    let stored: Vec<StoredEvent> = backend
        .store
        .db()
        .query(format!(
            "SELECT {EVENT_VALUE} FROM job_event
              WHERE job = type::record('job', $id) AND {condition} LIMIT $limit"
        ))
        .bind(("id", job_id.to_string()))
        .bind(("seq", seq))
        .bind(("limit", i64::try_from(EVENTS_PER_READ).unwrap_or(i64::MAX)))
        .await?
        .check()?
        .take(0)?;
    Ok(stored.into_iter().map(StoredEvent::into_event).collect())
}
