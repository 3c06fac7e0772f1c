//! `GET /healthz`: is the server up and does its database answer?

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use app::state::AppState;

/// The body of `/healthz`.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: &'static str,
    /// `up` or `down`.
    pub database: &'static str,
}

/// 200 when the database answers a query, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    match state.backend.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database: "up",
            }),
        ),
        Err(error) => {
            tracing::warn!(%error, "health check: database did not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "degraded",
                    database: "down",
                }),
            )
        }
    }
}
