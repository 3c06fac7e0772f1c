//! The server's own status, shown in Settings.

use serde::{Deserialize, Serialize};

/// What the server reports about itself: version, database and uptime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemStatus {
    pub version: String,
    /// `mem`, `surrealkv` or `ws`.
    pub database_engine: String,
    pub database_up: bool,
    /// Newest applied schema migration; 0 when the database did not answer.
    pub schema_version: i64,
    /// When this installation was first started (RFC 3339), if the database answered.
    pub installed_at: Option<String>,
    pub uptime_seconds: u64,
}
