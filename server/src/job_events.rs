//! `GET /api/jobs/{id}/events`: a job's log as server-sent events. Replays the stored
//! events after `Last-Event-ID` (or `?after=`), then streams new ones as the runner
//! appends them, each exactly once, and ends with an `end` event when the job has ended.
//! The session and the job's owner are checked here: this route is not a server function.
//! Events come from this process's bus, which the database's change feed fills
//! (`LIVE SELECT`), so a job run by another dashboard process on the same database
//! streams the same way and as fast as one run here.
//!
//! Bounded: nothing is set up for a job the caller does not own; stored events are read
//! a page at a time; a user may hold [`backend::jobs::bus::STREAMS_PER_USER`] streams; a
//! closed browser ends its stream at once (not at the job's next line); a shutdown ends
//! every stream.

use std::convert::Infallible;
use std::time::Duration;

use app::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use backend::ServiceError;
use backend::accounts::User;
use backend::jobs::events::EVENTS_PER_READ;
use backend::jobs::{self, Delivery, StreamPermit, Subscription};
use futures_util::stream::{self, Stream};
use model::ids::JobId;
use model::job::JobEvent;
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};
use tower_sessions::Session;

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
    let user = match crate::caller::signed_in(&state, &session).await {
        Ok(user) => user,
        Err(refused) => return refused,
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
    let Some(permit) = state.backend.job_bus.open_stream(&user.id) else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "\"too many progress pages are open; close some\"",
        )
            .into_response();
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
    let followed = Followed {
        state,
        user,
        job_id,
        live,
        sender,
        _permit: permit,
    };
    tokio::spawn(followed.relay(after, stored));
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

/// One open stream: whose, which job, where its events go.
struct Followed {
    state: AppState,
    user: User,
    job_id: JobId,
    live: Subscription,
    sender: mpsc::Sender<Item>,
    _permit: StreamPermit,
}

/// The browser went away: the relay stops sending.
struct Gone;

impl Followed {
    /// Sends `events` past `last`; `Err` when the browser went away.
    async fn send(&self, events: Vec<JobEvent>, last: &mut u64) -> Result<(), Gone> {
        for event in events {
            if event.seq <= *last {
                continue;
            }
            *last = event.seq;
            self.sender
                .send(Item::Progress(event))
                .await
                .map_err(|_| Gone)?;
        }
        Ok(())
    }

    /// Sends every stored event after `last`, a page at a time.
    async fn catch_up(&self, last: &mut u64) -> Result<(), Gone> {
        loop {
            let page = jobs::events_after(&self.state.backend, &self.user, &self.job_id, *last)
                .await
                .unwrap_or_default();
            let full = page.len() >= EVENTS_PER_READ;
            self.send(page, last).await?;
            if !full {
                return Ok(());
            }
        }
    }

    async fn finished(&self) -> bool {
        jobs::get(&self.state.backend, &self.user, &self.job_id)
            .await
            .map(|job| job.state.finished())
            .unwrap_or(true)
    }

    /// Sends the stored events, then live ones (skipping any already sent), until the
    /// job ends, the browser goes away or the server shuts down.
    async fn relay(mut self, mut last: u64, stored: Vec<JobEvent>) {
        let full = stored.len() >= EVENTS_PER_READ;
        let bus = self.state.backend.job_bus.clone();
        let sender = self.sender.clone();
        let streaming = async {
            self.send(stored, &mut last).await?;
            if full {
                self.catch_up(&mut last).await?;
            }
            if self.finished().await {
                // The job ended before we subscribed: its channel will never close by itself.
                self.catch_up(&mut last).await?;
                let _ = self.sender.send(Item::End).await;
                return Ok(());
            }
            self.follow(&mut last).await
        };
        tokio::select! {
            _ = streaming => {}
            () = sender.closed() => {}
            () = bus.closing() => {}
        }
    }

    /// The live part: each event as the change feed delivers it; the database for a
    /// gap, a resync or the end.
    async fn follow(&mut self, last: &mut u64) -> Result<(), Gone> {
        loop {
            let ended = match self.live.recv().await {
                Ok(Delivery::Event(event)) if event.seq <= *last => continue,
                Ok(Delivery::Event(event)) if event.seq == *last + 1 => {
                    self.send(vec![event], last).await?;
                    continue;
                }
                // A gap (this subscriber lagged behind, or the feed was re-established):
                // read the database, and whether the job ended meanwhile.
                Ok(Delivery::Event(_)) => false,
                Ok(Delivery::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    self.finished().await
                }
                Err(broadcast::error::RecvError::Closed) => true,
            };
            self.catch_up(last).await?;
            if ended {
                let _ = self.sender.send(Item::End).await;
                return Ok(());
            }
        }
    }
}
