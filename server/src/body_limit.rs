//! The largest request body Corral reads: 8 MiB (a wizard step with twenty 64 KiB
//! scripts, form-encoded, stays well below). A declared larger body is refused at once
//! with 413; a body that turns out larger while it streams stops being read there (the
//! server function then answers 400), so no request can make the server buffer without
//! end.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The limit, in bytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The middleware.
pub async fn limit(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is larger than 8 MiB",
        )
            .into_response();
    }
    let (parts, body) = request.into_parts();
    let limited = Body::new(http_body_util::Limited::new(body, MAX_BODY_BYTES));
    next.run(Request::from_parts(parts, limited)).await
}
