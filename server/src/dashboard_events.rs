//! `GET /api/dashboard/events`: tells an open dashboard when its user's dashboard changed
//! (`changed` events carrying a version number); the page then asks for its rows again.
//! The session is checked here (this route is not a server function). A stream counts
//! against the user's stream limit and ends with the browser or a shutdown.

use std::convert::Infallible;
use std::time::Duration;

use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use backend::dashboard::push;
use futures_util::stream;
use tower_sessions::Session;

/// The SSE handler.
pub async fn stream(State(state): State<AppState>, session: Session) -> Response {
    let user = match crate::caller::signed_in(&state, &session).await {
        Ok(user) => user,
        Err(refused) => return refused,
    };
    let Some(permit) = state.backend.job_bus.open_stream(&user.id) else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "\"too many live pages are open; close some\"",
        )
            .into_response();
    };
    let changes = push::watch(&state.backend, &user);
    let bus = state.backend.job_bus.clone();
    let events = stream::unfold(
        (changes, permit, bus),
        |(mut changes, permit, bus)| async move {
            let version = tokio::select! {
                version = changes.next() => version?,
                () = bus.closing() => return None,
            };
            let event = Event::default().event("changed").data(version.to_string());
            Some((Ok::<_, Infallible>(event), (changes, permit, bus)))
        },
    );
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
