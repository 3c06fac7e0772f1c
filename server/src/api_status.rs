//! Real statuses for requests that never reached a server function: leptos answers a
//! malformed request (missing or unreadable arguments) with 500; API clients get 400.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

/// Error bodies are small; anything larger is passed on untouched.
const LIMIT: usize = 64 * 1024;

/// The axum middleware for `/api/` routes.
pub async fn malformed_is_400(request: Request<Body>, next: Next) -> Response {
    let response = next.run(request).await;
    let is_server_fn_error = response
        .headers()
        .contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER);
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !is_server_fn_error {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, LIMIT).await else {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(app::error::AppError::Request(_)) = serde_json::from_slice(&bytes) {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}
