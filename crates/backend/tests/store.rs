//! The store opens by URL and applies migrations exactly once, atomically.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use backend::store::{Database, MIGRATIONS, Migration, Store, StoreError};
use surrealdb::types::SurrealValue;

const GOOD: Migration = Migration {
    version: 1,
    name: "gadgets",
    sql: "DEFINE TABLE gadget SCHEMAFULL; DEFINE FIELD label ON gadget TYPE string;",
};

/// A database that keeps its data between opens: a database of its own on the test
/// server when the suite runs against one, else the embedded file engine in a temporary
/// directory (kept while the answer's first half lives).
fn kept_database() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let database = if Database::tests_use_a_server() {
        Database::for_tests()
    } else {
        Database::at(format!("surrealkv://{}", dir.path().join("db").display()))
    };
    (dir, database)
}

/// The engine [`Database::for_tests`] and [`kept_database`] answer.
fn engine(kept: bool) -> &'static str {
    match (Database::tests_use_a_server(), kept) {
        (true, _) => "ws",
        (false, true) => "surrealkv",
        (false, false) => "mem",
    }
}

async fn count(store: &Store, table: &str) -> usize {
    let rows: Vec<surrealdb::types::Value> = store
        .db()
        .query(format!("SELECT * FROM {table}"))
        .await
        .unwrap()
        .check()
        .unwrap()
        .take(0)
        .unwrap();
    rows.len()
}

#[tokio::test]
async fn a_fresh_memory_database_gets_every_migration() {
    let (store, report) = Store::open(&Database::for_tests()).await.unwrap();
    let all: Vec<u32> = MIGRATIONS.iter().map(|m| m.version).collect();
    assert_eq!(report.applied, all);
    assert_eq!(report.current_version, MIGRATIONS.len() as u32);
    assert_eq!(store.engine(), engine(false));
    store.ping().await.unwrap();
    assert_eq!(count(&store, "instance").await, 1);
}

#[tokio::test]
async fn a_second_start_applies_nothing() {
    let (_dir, database) = kept_database();
    let (store, first) = Store::open(&database).await.unwrap();
    assert_eq!(first.applied.len(), MIGRATIONS.len());
    assert_eq!(store.engine(), engine(true));
    store.close().await.unwrap();
    let (store, second) = Store::open(&database).await.unwrap();
    assert!(second.applied.is_empty(), "applied again: {second:?}");
    assert_eq!(second.current_version, MIGRATIONS.len() as u32);
    assert_eq!(count(&store, "instance").await, 1, "instance created twice");
}

#[tokio::test]
async fn a_syntax_error_stops_start_up_with_a_clear_message() {
    let bad = Migration {
        version: 2,
        name: "broken",
        sql: "DEFINE TABLE oops SCHEMAFULL; DEFINE FELD x ON oops TYPE string;",
    };
    let error = Store::open_with_migrations(&Database::for_tests(), &[GOOD, bad])
        .await
        .err()
        .expect("a broken migration must stop start-up");
    let message = error.to_string();
    assert!(
        matches!(error, StoreError::Migration { version: 2, .. }),
        "{error:?}"
    );
    assert!(
        message.starts_with("migration 0002 `broken` failed: "),
        "{message}"
    );
}

#[tokio::test]
async fn a_failing_migration_leaves_nothing_behind() {
    let (_dir, database) = kept_database();
    let failing = Migration {
        version: 2,
        name: "half",
        sql: "DEFINE TABLE half SCHEMALESS; CREATE half:one; THROW 'the second step broke';",
    };
    let error = Store::open_with_migrations(&database, &[GOOD, failing])
        .await
        .err()
        .expect("a failing migration must stop start-up");
    assert!(
        error.to_string().contains("the second step broke"),
        "{error}"
    );

    // Reopen with only the good migration: it is recorded, the failed one left no rows.
    let (store, report) = Store::open_with_migrations(&database, &[GOOD])
        .await
        .unwrap();
    assert!(report.applied.is_empty());
    assert_eq!(report.current_version, 1);
    assert_eq!(count(&store, "schema_migration").await, 1);
    // Not even the table the failed migration defined before it broke exists.
    let error = store
        .db()
        .query("SELECT * FROM half")
        .await
        .unwrap()
        .check()
        .unwrap_err();
    assert!(
        error.to_string().contains("'half' does not exist"),
        "{error}"
    );
}

#[tokio::test]
async fn an_edited_migration_is_refused() {
    let (_dir, database) = kept_database();
    Store::open_with_migrations(&database, &[GOOD])
        .await
        .unwrap()
        .0
        .close()
        .await
        .unwrap();
    let edited = Migration {
        sql: "DEFINE TABLE gadget SCHEMALESS;",
        ..GOOD
    };
    let error = Store::open_with_migrations(&database, &[edited])
        .await
        .err()
        .expect("an edited migration must be refused");
    assert!(matches!(error, StoreError::SchemaMismatch(_)), "{error:?}");
    assert!(
        error.to_string().contains("must never be edited"),
        "{error}"
    );
}

#[tokio::test]
async fn a_database_from_a_newer_build_is_refused() {
    let (_dir, database) = kept_database();
    let newer = Migration {
        version: 2,
        name: "future",
        sql: "DEFINE TABLE future SCHEMALESS;",
    };
    Store::open_with_migrations(&database, &[GOOD, newer])
        .await
        .unwrap()
        .0
        .close()
        .await
        .unwrap();
    let error = Store::open_with_migrations(&database, &[GOOD])
        .await
        .err()
        .expect("a newer schema must be refused");
    assert!(
        error.to_string().contains("newer than this Corral build"),
        "{error}"
    );
}

#[tokio::test]
async fn unknown_engines_are_named_in_the_error() {
    let error = Store::open(&Database::at("rocksdb:///tmp/x"))
        .await
        .err()
        .unwrap();
    assert!(
        error.to_string().contains("unsupported database URL"),
        "{error}"
    );
}

#[tokio::test]
async fn the_instance_records_when_it_was_installed() {
    let (store, _) = Store::open(&Database::for_tests()).await.unwrap();
    let facts = backend::installation::facts(&store).await.unwrap();
    assert_eq!(facts.schema_version, MIGRATIONS.len() as i64);
    assert!(facts.installed_at.starts_with("20"), "{facts:?}");
}

#[tokio::test]
async fn failures_are_classified_from_the_engine_itself() {
    use backend::store::QueryFailure;
    let (store, _) = Store::open_with_migrations(&Database::for_tests(), &[GOOD])
        .await
        .unwrap();
    let failure = |sql: &'static str| {
        let store = store.clone();
        async move {
            let mut response = store.db().query(sql).await.unwrap();
            QueryFailure::of_response(&mut response)
        }
    };
    assert_eq!(
        failure(
            "DEFINE INDEX gadget_label ON gadget FIELDS label UNIQUE; CREATE gadget SET label = 'a'"
        )
        .await,
        None
    );
    assert_eq!(
        failure("CREATE gadget SET label = 'a'").await,
        Some(QueryFailure::Duplicate {
            index: "gadget_label".into()
        })
    );
    assert_eq!(
        failure("CREATE gadget:one SET label = 'b'; CREATE gadget:one SET label = 'c'").await,
        Some(QueryFailure::RecordExists {
            table: "gadget".into()
        })
    );
    assert_eq!(
        failure("THROW 'no way'").await,
        Some(QueryFailure::Thrown("no way".into()))
    );
    assert_eq!(
        failure("THROW 'the job is held by another runner'").await,
        Some(QueryFailure::LeaseLost)
    );
    // In a failed transaction the cause is reported, not "not executed".
    assert_eq!(
        failure(
            "BEGIN TRANSACTION; CREATE gadget SET label = 'z'; THROW 'stop'; COMMIT TRANSACTION;"
        )
        .await,
        Some(QueryFailure::Thrown("stop".into()))
    );
    assert_eq!(
        count(&store, "gadget").await,
        2,
        "nothing of the failed transaction stays"
    );
}

#[tokio::test]
async fn audit_entries_from_before_migration_4_learn_their_node_vmid_and_job() {
    let (_dir, database) = kept_database();
    let (store, _) = Store::open_with_migrations(&database, &MIGRATIONS[..3])
        .await
        .unwrap();
    store
        .db()
        .query(
            "CREATE user:alice CONTENT { username: 'alice', password_hash: 'x' };
             CREATE node:n1 CONTENT {
                 owner: user:alice, name: 'pve lab', pve_node: 'pve', host: 'h', port: 8006,
                 token_id: 't', token_secret: 's', ssh_user: 'root', ssh_port: 22,
                 tls_fingerprint: 'f', ssh_host_key: 'k'
             };
             CREATE audit CONTENT { actor: user:alice, actor_name: 'alice', action: 'ct.start',
                 target: 'CT 105 (web) on pve lab', outcome: 'ok', detail: 'OK' };
             CREATE audit CONTENT { actor: user:alice, actor_name: 'alice', action: 'job.create',
                 target: 'CT 120 (db) on pve lab', outcome: 'ok', detail: 'job abc123' };
             CREATE audit CONTENT { actor: user:alice, actor_name: 'alice', action: 'ct.stop',
                 target: 'CT 7000 (x) on a node since deleted', outcome: 'ok' };
             CREATE audit CONTENT { actor: user:alice, actor_name: 'alice', action: 'login',
                 target: 'user alice', outcome: 'ok' };",
        )
        .await
        .unwrap()
        .check()
        .unwrap();
    store.close().await.unwrap();

    let (store, report) = Store::open_with_migrations(&database, &MIGRATIONS[..4])
        .await
        .unwrap();
    assert_eq!(report.applied, [4]);
    #[derive(Debug, PartialEq, SurrealValue)]
    struct Subject {
        action: String,
        node_id: Option<String>,
        vmid: Option<i64>,
        job_id: Option<String>,
    }
    let subjects: Vec<Subject> = store
        .db()
        .query("SELECT action, node_id, vmid, job_id, at FROM audit ORDER BY at")
        .await
        .unwrap()
        .check()
        .unwrap()
        .take(0)
        .unwrap();
    let subject =
        |action: &str, node: Option<&str>, vmid: Option<i64>, job: Option<&str>| Subject {
            action: action.into(),
            node_id: node.map(Into::into),
            vmid,
            job_id: job.map(Into::into),
        };
    assert_eq!(
        subjects,
        [
            subject("ct.start", Some("n1"), Some(105), None),
            subject("job.create", Some("n1"), Some(120), Some("abc123")),
            subject("ct.stop", None, Some(7000), None),
            subject("login", None, None, None),
        ]
    );
}
