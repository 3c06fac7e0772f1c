//! A container's logs outside the server functions: `GET …/logs/follow` streams new lines
//! as server-sent events (`line`, then one `end` with the reason), and `GET
//! …/logs/download` answers the lines the logs page shows as a text file (for browsers
//! without JavaScript; with it, the page saves what it shows itself).
//!
//! The session and the container's owner are checked here, and the query (unit name,
//! line count) before anything runs in the container. Bounded: a follow holds one of the
//! user's streams (shared with job progress pages), one SSH channel, at most
//! [`FOLLOW_BUFFER`] lines waiting, and ends after [`FOLLOW_LIMIT`], when the browser
//! leaves, when the container stops or when the server shuts down.

use std::convert::Infallible;
use std::time::Duration;

use app::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use backend::ServiceError;
use backend::accounts::User;
use backend::container_logs::{self, FOLLOW_BUFFER, FOLLOW_LIMIT};
use backend::ssh::FollowEnd;
use futures_util::stream::{self, Stream};
use model::ids::{NodeId, Vmid};
use model::logs::LogQuery;
use serde::Deserialize;
use tokio::sync::mpsc;
use tower_sessions::Session;

use crate::caller::signed_in;

/// The page's parameters.
#[derive(Debug, Deserialize)]
pub struct LogParams {
    unit: Option<String>,
    lines: Option<String>,
    filter: Option<String>,
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "\"NotFound\"").into_response()
}

/// The container named by the path and the checked query, or the refusal.
fn parse(
    node: &str,
    vmid: &str,
    params: &LogParams,
) -> Result<(NodeId, Vmid, LogQuery), (StatusCode, String)> {
    let (Some(node_id), Ok(vmid)) = (NodeId::parse(node), vmid.parse::<Vmid>()) else {
        return Err((StatusCode::NOT_FOUND, "\"NotFound\"".to_owned()));
    };
    let query = LogQuery::parse(params.unit.as_deref(), params.lines.as_deref())
        .map_err(|(_, message)| (StatusCode::BAD_REQUEST, message))?;
    Ok((node_id, vmid, query))
}

/// The caller and what they asked for, or the refusal (401, 404, 400).
async fn request(
    state: &AppState,
    session: &Session,
    (node, vmid): (String, String),
    params: &LogParams,
) -> Result<(User, NodeId, Vmid, LogQuery), Response> {
    let user = signed_in(state, session).await?;
    let (node_id, vmid, query) =
        parse(&node, &vmid, params).map_err(IntoResponse::into_response)?;
    Ok((user, node_id, vmid, query))
}

fn refusal(error: ServiceError) -> Response {
    match error {
        ServiceError::NotFound => not_found(),
        ServiceError::Validation(error) => (StatusCode::BAD_REQUEST, error.message).into_response(),
        ServiceError::Upstream { node, message } => {
            (StatusCode::BAD_GATEWAY, format!("{node}: {message}")).into_response()
        }
        error => {
            tracing::error!(%error, "container logs failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The follow handler.
pub async fn follow(
    State(state): State<AppState>,
    session: Session,
    Path(path): Path<(String, String)>,
    Query(params): Query<LogParams>,
) -> Response {
    let (user, node_id, vmid, query) = match request(&state, &session, path, &params).await {
        Ok(asked) => asked,
        Err(refused) => return refused,
    };
    let follower =
        match container_logs::follower(&state.backend, &user, &node_id, vmid, &query).await {
            Ok(follower) => follower,
            Err(error) => return refusal(error),
        };
    let Some(permit) = state.backend.job_bus.open_stream(&user.id) else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "\"too many live pages are open; close some\"",
        )
            .into_response();
    };
    let (lines, received) = mpsc::channel::<String>(FOLLOW_BUFFER);
    let (ends, ended) = mpsc::channel::<String>(1);
    let backend = state.backend.clone();
    tokio::spawn(async move {
        let _permit = permit;
        let reason = tokio::select! {
            outcome = follower.run(&backend, lines) => match outcome {
                Ok(FollowEnd::LimitReached) => format!(
                    "Following stopped after {} minutes; follow again to go on.",
                    FOLLOW_LIMIT.as_secs() / 60
                ),
                Ok(FollowEnd::Exited(_)) => "The log ended (the container stopped?).".to_owned(),
                Ok(FollowEnd::ReceiverGone) => return,
                Err(error) => format!("Following failed: {error}"),
            },
            () = backend.job_bus.closing() => "The server is shutting down.".to_owned(),
        };
        let _ = ends.send(reason).await;
    });
    Sse::new(events(received, ended))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// `line` events while lines come, then one `end` event.
fn events(
    lines: mpsc::Receiver<String>,
    ended: mpsc::Receiver<String>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(Some((lines, ended)), |state| async move {
        let (mut lines, mut ended) = state?;
        match lines.recv().await {
            Some(line) => Some((
                Ok(Event::default().event("line").data(line)),
                Some((lines, ended)),
            )),
            None => {
                let reason = ended
                    .recv()
                    .await
                    .unwrap_or_else(|| "The log ended.".into());
                Some((Ok(Event::default().event("end").data(reason)), None))
            }
        }
    })
}

/// The download handler: the lines the page shows (`filter` applied), as a file.
pub async fn download(
    State(state): State<AppState>,
    session: Session,
    Path(path): Path<(String, String)>,
    Query(params): Query<LogParams>,
) -> Response {
    let (user, node_id, vmid, query) = match request(&state, &session, path, &params).await {
        Ok(asked) => asked,
        Err(refused) => return refused,
    };
    let view = match container_logs::read(&state.backend, &user, &node_id, vmid, &query).await {
        Ok(view) => view,
        Err(error) => return refusal(error),
    };
    let filter = params.filter.unwrap_or_default();
    let mut text = String::new();
    for line in view.lines.iter().filter(|l| model::logs::shows(l, &filter)) {
        text.push_str(line);
        text.push('\n');
    }
    let name = format!("ct{vmid}-{}.log", view.unit.as_deref().unwrap_or("journal"));
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        text,
    )
        .into_response()
}
