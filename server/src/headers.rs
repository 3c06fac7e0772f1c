//! The headers a careful operator checks, on every answer: a Content-Security-Policy with a
//! fresh nonce per request (Leptos puts it on the hydration scripts it writes inline;
//! everything else, scripts, WebAssembly, styles, comes from this origin), no framing,
//! no MIME sniffing, no referrer to other sites. And the last line of defence: a panic in
//! a handler answers 500 with an error reference instead of dropping the connection.

use std::any::Any;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::middleware::Next;

/// The nonce of this request's inline scripts, for the page renderer.
#[derive(Debug, Clone)]
pub struct CspNonce(pub Arc<str>);

/// The policy for a page whose inline scripts carry `nonce`.
///
/// `wasm-unsafe-eval` lets the page compile its own WebAssembly (from `'self'`); it
/// allows no JavaScript `eval`. Styles and images come from this origin; forms post only
/// here; no page may frame Corral.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The middleware: a nonce for the renderer, the headers on the answer.
pub async fn security_headers(mut request: Request, next: Next) -> Response<Body> {
    let nonce: Arc<str> = backend::ids::random_token().into();
    request
        .extensions_mut()
        .insert(CspNonce(Arc::clone(&nonce)));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&content_security_policy(&nonce)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// The answer to a panic in a handler: 500, with a reference to find the details (the
/// panic message) in the server log.
pub fn panic_answer(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    let reference = backend::ids::error_reference();
    tracing::error!(%reference, panic = %message, "a request handler panicked");
    let mut response = Response::new(Body::from(format!(
        "Internal error (reference {reference}). The details are in the server log."
    )));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
