//! The database's change feed for jobs: two `LIVE SELECT`s, one on new job events and
//! one on jobs without a lease (new, handed back or ended). Every process sharing the
//! database sees every change this way, whichever process made it:
//!
//! - a new event goes to this process's [`super::bus`] (its progress pages' streams);
//! - a job that ended closes its channel, so those streams end;
//! - a job waiting for a runner wakes this process's runner.
//!
//! The feed starts with the first subscriber or runner ([`ensure`]) and ends with the
//! bus's shutdown. When the live queries break (a server restart, a dropped connection)
//! they are made again and every subscriber is told to read the database for what it
//! may have missed, so nothing is lost in the gap.

use std::time::Duration;

use futures_util::StreamExt;
use model::job::JobState;
use surrealdb::Notification;
use surrealdb::types::{Action, SurrealValue};

use super::events::{EVENT_VALUE, StoredEvent};
use crate::Backend;
use crate::store::{StoreError, record_id};

/// How long to wait before making the live queries again after they broke.
const RETRY: Duration = Duration::from_secs(1);

/// Starts the change feed of `backend`'s bus unless it runs already.
pub(crate) fn ensure(backend: &Backend) {
    backend.job_bus.start_feed_once(|| {
        let backend = backend.clone();
        tokio::spawn(async move {
            let bus = backend.job_bus.clone();
            tokio::select! {
                () = follow(&backend) => {}
                () = bus.closing() => {}
            }
        })
    });
}

/// A job whose lease changed hands (or that has none): what the runner and the bus need.
#[derive(Debug, SurrealValue)]
struct JobChange {
    id: String,
    state: String,
}

async fn follow(backend: &Backend) {
    loop {
        match follow_once(backend).await {
            Ok(()) => tracing::warn!("the job change feed ended; starting it again"),
            Err(error) => tracing::warn!(%error, "the job change feed failed; starting it again"),
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// Makes the live queries and hands on what they report until they end.
async fn follow_once(backend: &Backend) -> Result<(), StoreError> {
    let mut response = backend
        .store
        .db()
        .query(format!(
            "LIVE SELECT record::id(job) AS job, {EVENT_VALUE} FROM job_event;
             LIVE SELECT record::id(id) AS id, state FROM job WHERE lease_owner = NONE;"
        ))
        .await?;
    let mut events = response.stream::<Notification<StoredEvent>>(0)?;
    let mut jobs = response.stream::<Notification<JobChange>>(1)?;
    // Anything written before the queries were live was not seen: subscribers look.
    backend.job_bus.resync_all();
    backend.job_wakeup.notify_one();
    loop {
        tokio::select! {
            event = events.next() => match event {
                Some(event) => on_event(backend, event?),
                None => return Ok(()),
            },
            job = jobs.next() => match job {
                Some(job) => on_job(backend, job?),
                None => return Ok(()),
            },
        }
    }
}

fn on_event(backend: &Backend, notification: Notification<StoredEvent>) {
    if notification.action != Action::Create {
        return;
    }
    let mut stored = notification.data;
    let Some(job_id) = stored
        .job
        .take()
        .and_then(|id| record_id::<model::ids::JobTable>(&id).ok())
    else {
        return;
    };
    backend.job_bus.publish(&job_id, stored.into_event());
}

fn on_job(backend: &Backend, notification: Notification<JobChange>) {
    if !matches!(notification.action, Action::Create | Action::Update) {
        return;
    }
    let change = notification.data;
    let Ok(job_id) = record_id::<model::ids::JobTable>(&change.id) else {
        return;
    };
    if JobState::parse(&change.state).finished() {
        backend.job_bus.close(&job_id);
    } else {
        // Queued, or handed back by a runner that shut down: a runner may take it.
        backend.job_wakeup.notify_one();
    }
}
