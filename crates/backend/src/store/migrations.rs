//! Versioned schema migrations (`crates/backend/migrations/NNNN_name.surql`).
//!
//! Each pending migration runs in its own transaction together with the record that marks
//! it applied, so a failing migration leaves no trace and stops start-up. Applied
//! migrations are fingerprinted: editing one after release is caught, not ignored.

use sha2::{Digest, Sha256};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::SurrealValue;

use super::{QueryFailure, StoreError};

/// One schema step. Versions start at 1 and increase by one.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// The migrations this build carries, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "instance",
        sql: include_str!("../../migrations/0001_instance.surql"),
    },
    Migration {
        version: 2,
        name: "accounts_nodes_audit",
        sql: include_str!("../../migrations/0002_accounts_nodes_audit.surql"),
    },
    Migration {
        version: 3,
        name: "drafts_jobs",
        sql: include_str!("../../migrations/0003_drafts_jobs.surql"),
    },
    Migration {
        version: 4,
        name: "audit_subjects",
        sql: include_str!("../../migrations/0004_audit_subjects.surql"),
    },
    Migration {
        version: 5,
        name: "hardening",
        sql: include_str!("../../migrations/0005_hardening.surql"),
    },
    Migration {
        version: 6,
        name: "templates",
        sql: include_str!("../../migrations/0006_templates.surql"),
    },
    Migration {
        version: 7,
        name: "discovery",
        sql: include_str!("../../migrations/0007_discovery.surql"),
    },
    Migration {
        version: 8,
        name: "discovery address",
        sql: include_str!("../../migrations/0008_discovery_address.surql"),
    },
    Migration {
        version: 9,
        name: "job template",
        sql: include_str!("../../migrations/0009_job_template.surql"),
    },
];

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// Versions applied by this call, in order.
    pub applied: Vec<u32>,
    /// The schema version after this call.
    pub current_version: u32,
}

#[derive(Debug, SurrealValue)]
struct AppliedMigration {
    version: i64,
    name: String,
    checksum: String,
}

const BOOKKEEPING: &str = "
DEFINE TABLE IF NOT EXISTS schema_migration SCHEMAFULL;
DEFINE FIELD IF NOT EXISTS version ON schema_migration TYPE int;
DEFINE FIELD IF NOT EXISTS name ON schema_migration TYPE string;
DEFINE FIELD IF NOT EXISTS checksum ON schema_migration TYPE string;
DEFINE FIELD IF NOT EXISTS applied_at ON schema_migration TYPE datetime DEFAULT time::now();
";

/// Applies every migration in `migrations` that the database has not recorded yet.
pub async fn apply(
    db: &Surreal<Any>,
    migrations: &[Migration],
) -> Result<MigrationReport, StoreError> {
    check_sequence(migrations)?;
    db.query(BOOKKEEPING).await?.check()?;
    let applied: Vec<AppliedMigration> = db
        .query("SELECT version, name, checksum FROM schema_migration ORDER BY version")
        .await?
        .check()?
        .take(0)?;
    check_applied_match(&applied, migrations)?;

    let mut report = MigrationReport {
        applied: Vec::new(),
        current_version: applied.last().map_or(0, |m| m.version as u32),
    };
    for migration in migrations.iter().skip(applied.len()) {
        run_one(db, migration).await?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied schema migration"
        );
        report.applied.push(migration.version);
        report.current_version = migration.version;
    }
    Ok(report)
}

async fn run_one(db: &Surreal<Any>, migration: &Migration) -> Result<(), StoreError> {
    let failed = |message: String| StoreError::Migration {
        version: migration.version,
        name: migration.name.to_owned(),
        message,
    };
    let sql = format!(
        "BEGIN TRANSACTION;\n{}\n;\nCREATE type::record('schema_migration', $version) \
         CONTENT {{ version: $version, name: $name, checksum: $checksum }};\nCOMMIT TRANSACTION;",
        migration.sql
    );
    let mut response = db
        .query(sql)
        .bind(("version", i64::from(migration.version)))
        .bind(("name", migration.name.to_owned()))
        .bind(("checksum", checksum(migration.sql)))
        .await
        .map_err(|error| failed(error.to_string()))?;
    match QueryFailure::of_response(&mut response) {
        None => Ok(()),
        Some(cause) => Err(failed(cause.to_string())),
    }
}

fn check_sequence(migrations: &[Migration]) -> Result<(), StoreError> {
    for (index, migration) in migrations.iter().enumerate() {
        if migration.version as usize != index + 1 {
            return Err(StoreError::SchemaMismatch(format!(
                "migration `{}` has version {} but should be {} (versions count up from 1)",
                migration.name,
                migration.version,
                index + 1
            )));
        }
    }
    Ok(())
}

fn check_applied_match(
    applied: &[AppliedMigration],
    migrations: &[Migration],
) -> Result<(), StoreError> {
    if applied.len() > migrations.len() {
        let newest = applied.last().map_or(0, |m| m.version);
        return Err(StoreError::SchemaMismatch(format!(
            "the database is at schema version {newest}, newer than this Corral build knows \
             ({}); run a newer Corral or restore a backup",
            migrations.len()
        )));
    }
    for (recorded, known) in applied.iter().zip(migrations) {
        if recorded.version != i64::from(known.version) || recorded.checksum != checksum(known.sql)
        {
            return Err(StoreError::SchemaMismatch(format!(
                "migration {:04} `{}` differs from the one applied to this database \
                 (applied as `{}`); released migrations must never be edited",
                known.version, known.name, recorded.name
            )));
        }
    }
    Ok(())
}

fn checksum(sql: &str) -> String {
    Sha256::digest(sql.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
