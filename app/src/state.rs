//! What the server hands to every render and server function (server builds only).

use std::time::Instant;

use axum::extract::FromRef;
use backend::Backend;
use backend::nodes::DemoCluster;
use leptos::prelude::LeptosOptions;

/// Session lifetimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused this long expires (the cookie and the stored record).
    pub inactivity_secs: i64,
    /// A session older than this ends even when in use.
    pub absolute_limit_secs: i64,
}

impl Default for SessionPolicy {
    /// 12 hours of inactivity; 7 days at most.
    fn default() -> Self {
        SessionPolicy {
            inactivity_secs: 12 * 3600,
            absolute_limit_secs: 7 * 86_400,
        }
    }
}

/// Shared state, provided as Leptos context and used as axum state.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub backend: Backend,
    pub sessions: SessionPolicy,
    /// The simulated cluster of `corral --demo`; `None` otherwise.
    pub demo: Option<DemoCluster>,
    /// When this process started, for the uptime shown in Settings.
    pub started_at: Instant,
}
