//! This installation: when it was set up, which schema it runs, and the status Settings
//! shows (version, database, uptime).

use std::time::Instant;

use model::system::SystemStatus;
use surrealdb::types::SurrealValue;

use crate::store::{Store, StoreError};

/// What the database records about this installation.
#[derive(Debug, Clone, PartialEq, Eq, SurrealValue)]
pub struct InstallationFacts {
    /// When the first start created the database (RFC 3339, UTC).
    pub installed_at: String,
    /// The newest applied schema migration.
    pub schema_version: i64,
}

/// Reads the installation record written by the first migration (the table is still
/// called `instance`).
pub async fn facts(store: &Store) -> Result<InstallationFacts, StoreError> {
    let facts: Option<InstallationFacts> = store
        .db()
        .query(
            "RETURN {
                installed_at: <string> (SELECT VALUE installed_at FROM ONLY instance:this),
                schema_version: math::max(SELECT VALUE version FROM schema_migration) ?? 0,
            }",
        )
        .await?
        .check()?
        .take(0)?;
    facts.ok_or_else(|| StoreError::SchemaMismatch("the installation record is missing".into()))
}

/// The server's status: this build's version, the database engine and whether it
/// answers, and how long this process (started at `started_at`) has run.
pub async fn status(store: &Store, started_at: Instant) -> SystemStatus {
    let facts = facts(store)
        .await
        .inspect_err(|error| tracing::warn!(%error, "server status: the database did not answer"))
        .ok();
    SystemStatus {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database_engine: store.engine().to_owned(),
        database_up: facts.is_some(),
        schema_version: facts.as_ref().map_or(0, |f| f.schema_version),
        installed_at: facts.map(|f| f.installed_at),
        uptime_seconds: started_at.elapsed().as_secs(),
    }
}
