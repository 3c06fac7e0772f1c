//! The minute-by-minute chores that keep memory and the database bounded: forgetting
//! idle rate-limiter keys and auditing the sign-in refusals counted since the last round.

use std::time::{Duration, Instant};

use crate::{Backend, accounts};

/// How often the chores run.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// One round of chores.
pub async fn run_once(backend: &Backend, now: Instant) {
    backend.login_limiter.forget_idle();
    accounts::report_refusals(backend, now).await;
}

/// Runs the chores every [`INTERVAL`] until the task is aborted.
pub fn spawn(backend: Backend) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            run_once(&backend, Instant::now()).await;
        }
    })
}
