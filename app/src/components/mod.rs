//! Reusable pieces of pages.

mod live_clock;
mod server_facts;

pub use live_clock::LiveClock;
pub use server_facts::ServerFacts;
