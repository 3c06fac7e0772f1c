//! What happens to a server function written without `#[action]`: the authorization
//! test's completeness check names it, and the gate refuses every call to it, signed in
//! or not, before its body can run. (A test binary of its own: the function registers
//! only here.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use std::sync::atomic::{AtomicBool, Ordering};

use app::error::AppError;
use axum::http::StatusCode;
use leptos::prelude::*;
use support::server;

/// Set if the body ever runs.
static RAN: AtomicBool = AtomicBool::new(false);

/// A server function as someone might add it, forgetting `#[action]`.
#[server(endpoint = "test/forgotten")]
pub async fn forgotten() -> Result<String, AppError> {
    RAN.store(true, Ordering::SeqCst);
    Ok("ran without a caller".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undeclared_server_function_is_named_and_refused() {
    let server = server().await;
    assert_eq!(app::action::undeclared(), ["/api/test/forgotten"]);
    let admin = server.setup_admin().await;
    for cookie in [None, Some(admin.as_str())] {
        let answer = server.post("/api/test/forgotten", "", cookie).await;
        assert_eq!(
            answer.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            answer.body
        );
        assert!(answer.body.contains("Internal"), "{}", answer.body);
        assert!(!answer.body.contains("ran without"), "{}", answer.body);
    }
    assert!(!RAN.load(Ordering::SeqCst), "the body never ran");
}
