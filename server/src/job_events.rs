//! `GET /api/jobs/{id}/events`: a job's log as server-sent events. Replays the stored
//! events after `Last-Event-ID` (or `?after=`), then streams new ones as the runner
//! appends them, each exactly once, and ends with an `end` event when the job has ended.
//! The session and the job's owner are checked here: this route is not a server function.
//! Events come from this process's bus at once, and from the database once a second,
//! so a job run by another dashboard process on the same database streams too.

use std::convert::Infallible;
use std::time::Duration;

use app::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use backend::ServiceError;
use backend::accounts::User;
use backend::jobs;
use futures_util::stream::{self, Stream};
use model::ids::JobId;
use model::job::JobEvent;
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};
use tower_sessions::Session;

/// How often a stream also reads the database (for jobs run by another process).
const DATABASE_POLL: Duration = Duration::from_secs(1);

/// `?after=N`: the first connection's starting point (reconnects send Last-Event-ID).
#[derive(Debug, Deserialize)]
pub struct After {
    after: Option<u64>,
}

/// The SSE handler.
pub async fn stream(
    State(state): State<AppState>,
    session: Session,
    Path(job_id): Path<String>,
    Query(query): Query<After>,
    headers: HeaderMap,
) -> Response {
    let user = match app::auth::current_user(&state, &session).await {
        Ok(Some(user)) => user,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "\"Unauthenticated\"").into_response(),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or(query.after)
        .unwrap_or(0);
    let not_found = || (StatusCode::NOT_FOUND, "\"NotFound\"").into_response();
    let Some(job_id) = JobId::parse(&job_id) else {
        return not_found();
    };
    // Another user's job is not found before anything is set up for it.
    let (live, stored) = match jobs::follow(&state.backend, &user, &job_id, after).await {
        Ok(followed) => followed,
        Err(ServiceError::NotFound) => return not_found(),
        Err(error) => {
            tracing::error!(%error, job = %job_id, "cannot read job events");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let (sender, receiver) = mpsc::channel(256);
    tokio::spawn(relay(state, user, job_id, after, stored, live, sender));
    Sse::new(events(receiver))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// What the relay hands to the response.
enum Item {
    Progress(JobEvent),
    End,
}

fn events(receiver: mpsc::Receiver<Item>) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(receiver, |mut receiver| async move {
        let item = receiver.recv().await?;
        let event = match item {
            Item::Progress(event) => Event::default()
                .event("progress")
                .id(event.seq.to_string())
                .json_data(&event)
                .unwrap_or_else(|_| Event::default().comment("unserialisable event")),
            Item::End => Event::default().event("end").data("end"),
        };
        Some((Ok(event), receiver))
    })
}

/// Sends the stored events, then live ones (skipping any already sent), until the job
/// ends or the browser goes away.
async fn relay(
    state: AppState,
    user: User,
    job_id: JobId,
    mut last: u64,
    stored: Vec<JobEvent>,
    mut live: broadcast::Receiver<JobEvent>,
    sender: mpsc::Sender<Item>,
) {
    let backend = &state.backend;
    let send_new = |events: Vec<JobEvent>, last: &mut u64| {
        let fresh: Vec<JobEvent> = events.into_iter().filter(|e| e.seq > *last).collect();
        if let Some(newest) = fresh.last() {
            *last = newest.seq;
        }
        fresh
    };
    for event in send_new(stored, &mut last) {
        if sender.send(Item::Progress(event)).await.is_err() {
            return;
        }
    }
    let finished = jobs::get(backend, &user, &job_id)
        .await
        .map(|job| job.state.finished())
        .unwrap_or(true);
    if finished {
        // The job ended before we subscribed: its channel will never close by itself.
        let catch_up = jobs::events_after(backend, &user, &job_id, last)
            .await
            .unwrap_or_default();
        for event in send_new(catch_up, &mut last) {
            let _ = sender.send(Item::Progress(event)).await;
        }
        let _ = sender.send(Item::End).await;
        return;
    }
    // The job may be run by another dashboard process sharing the database: its events
    // never reach this process's bus, so the database is also read once a second.
    let mut poll = tokio::time::interval(DATABASE_POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let ended = tokio::select! {
            received = live.recv() => match received {
                Ok(event) if event.seq <= last => continue,
                Ok(event) if event.seq == last + 1 => {
                    last = event.seq;
                    if sender.send(Item::Progress(event)).await.is_err() {
                        return;
                    }
                    continue;
                }
                // A gap (this subscriber lagged behind) or the end: read from the database.
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => false,
                Err(broadcast::error::RecvError::Closed) => true,
            },
            _ = poll.tick() => jobs::get(backend, &user, &job_id)
                .await
                .map(|job| job.state.finished())
                .unwrap_or(true),
        };
        let missed = jobs::events_after(backend, &user, &job_id, last)
            .await
            .unwrap_or_default();
        for event in send_new(missed, &mut last) {
            if sender.send(Item::Progress(event)).await.is_err() {
                return;
            }
        }
        if ended {
            let _ = sender.send(Item::End).await;
            return;
        }
    }
}
