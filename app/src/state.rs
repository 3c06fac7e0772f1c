//! What the server hands to every render and server function (server builds only).

use std::time::Instant;

use axum::extract::FromRef;
use backend::store::Store;
use leptos::prelude::LeptosOptions;

/// Shared state, provided as Leptos context and used as axum state.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    /// When this process started, for the uptime shown in Settings.
    pub started_at: Instant,
}
