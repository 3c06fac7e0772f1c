//! Facts about this installation: when it was set up and which schema it runs.

use surrealdb::types::SurrealValue;

use crate::store::{Store, StoreError};

/// What the database records about this installation.
#[derive(Debug, Clone, PartialEq, Eq, SurrealValue)]
pub struct InstanceFacts {
    /// When the first start created the database (RFC 3339, UTC).
    pub installed_at: String,
    /// The newest applied schema migration.
    pub schema_version: i64,
}

/// Reads the installation record written by the first migration.
pub async fn facts(store: &Store) -> Result<InstanceFacts, StoreError> {
    let facts: Option<InstanceFacts> = store
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
    facts.ok_or_else(|| StoreError::SchemaMismatch("the instance record is missing".into()))
}
