//! What the server hands to every render and server function (server builds only).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
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

/// The clock sessions are measured by: the system's, shifted by an offset that only tests
/// move (so a test of the absolute session limit need not wait for it).
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    /// Unix seconds now.
    pub fn now(&self) -> i64 {
        let system = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        system.saturating_add(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every clone of it) `seconds` ahead.
    pub fn advance(&self, seconds: i64) {
        self.offset_secs.fetch_add(seconds, Ordering::Relaxed);
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
    /// What session lifetimes are measured by.
    pub clock: Clock,
}
