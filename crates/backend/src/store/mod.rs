//! The one database handle: SurrealDB chosen by URL, with migrations applied on open,
//! and the one place that classifies its errors ([`QueryFailure`]).
//!
//! `mem://` gives a fresh in-memory database (tests), `surrealkv://<path>` the embedded
//! file engine (the default), `ws://host:port` a SurrealDB server shared by several
//! Corral processes ([`Database`] says which, and where inside it).

mod database;
mod failure;
mod migrations;

use std::future::IntoFuture;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use surrealdb::Surreal;
use surrealdb::engine::any::{self, Any};
use surrealdb::opt::auth::Root;

pub use database::{Database, DatabaseCredentials};
pub use failure::{LEASE_LOST, QueryFailure, last_value, retry_conflicts};
pub use migrations::{MIGRATIONS, Migration, MigrationReport};

use model::ids::{Id, Table};

/// What can go wrong while opening or using the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names an engine this build does not know.
    #[error("unsupported database URL `{0}`: use mem://, surrealkv://<path> or ws://host:port")]
    UnsupportedUrl(String),
    /// The database could not be reached or opened.
    #[error("cannot open the database at {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: Box<surrealdb::Error>,
    },
    /// A schema migration failed; nothing of that migration was applied.
    #[error("migration {version:04} `{name}` failed: {message}")]
    Migration {
        version: u32,
        name: String,
        message: String,
    },
    /// The recorded schema does not match the migrations this binary carries.
    #[error("database schema mismatch: {0}")]
    SchemaMismatch(String),
    /// The embedded database did not shut down in time (or is still in use elsewhere).
    #[error("the database did not close: {0}")]
    Close(String),
    /// A query failed; what it means is classified.
    #[error("database error: {0}")]
    Query(QueryFailure),
    /// A stored value cannot be read back (a malformed id, unreadable JSON).
    #[error("unreadable stored data: {0}")]
    Corrupt(String),
}

impl From<surrealdb::Error> for StoreError {
    fn from(error: surrealdb::Error) -> Self {
        StoreError::Query(QueryFailure::of(&error))
    }
}

impl StoreError {
    /// Whether running the same transaction again may succeed.
    pub fn is_write_conflict(&self) -> bool {
        matches!(self, StoreError::Query(failure) if failure.is_write_conflict())
    }
}

/// A record id read back from the database as the typed id of table `T`.
pub fn record_id<T: Table>(key: &str) -> Result<Id<T>, StoreError> {
    Id::parse(key)
        .ok_or_else(|| StoreError::Corrupt(format!("{}:{key} is not a record id", T::NAME)))
}

/// The shared database handle. Cloning is cheap and shares one SurrealDB session.
#[derive(Clone)]
pub struct Store {
    db: Arc<Surreal<Any>>,
    engine: &'static str,
    /// For the embedded file engine: its lock file, released once the engine has shut down.
    lock_file: Option<PathBuf>,
}

impl Store {
    /// Opens `database` and applies every pending migration of [`MIGRATIONS`].
    pub async fn open(database: &Database) -> Result<(Self, MigrationReport), StoreError> {
        Self::open_with_migrations(database, MIGRATIONS).await
    }

    /// Like [`Store::open`] with an explicit migration list (tests use this).
    pub async fn open_with_migrations(
        database: &Database,
        migrations: &[Migration],
    ) -> Result<(Self, MigrationReport), StoreError> {
        let url = database.url.as_str();
        let engine = engine_of(url).ok_or_else(|| StoreError::UnsupportedUrl(url.to_owned()))?;
        let connect_error = |source| StoreError::Connect {
            url: url.to_owned(),
            source: Box::new(source),
        };
        let db = any::connect(url).await.map_err(connect_error)?;
        if let Some(credentials) = &database.credentials {
            db.signin(Root {
                username: credentials.username.clone(),
                password: credentials.password.clone(),
            })
            .await
            .map_err(connect_error)?;
        }
        // On a server, the first use defines the namespace and the database; processes
        // (or test runs) defining theirs in one namespace at once can lose a write
        // conflict, which is worth another try.
        retry_conflicts(
            || {
                db.use_ns(database.namespace.as_str())
                    .use_db(database.name.as_str())
                    .into_future()
            },
            |error| QueryFailure::of(error) == QueryFailure::WriteConflict,
        )
        .await
        .map_err(connect_error)?;
        let store = Store {
            db: Arc::new(db),
            engine,
            lock_file: url
                .strip_prefix("surrealkv://")
                .map(|path| PathBuf::from(path).join("LOCK")),
        };
        match migrations::apply(&store.db, migrations).await {
            Ok(report) => Ok((store, report)),
            Err(error) => {
                if let Err(close_error) = store.close().await {
                    tracing::warn!(%close_error, "closing after a failed migration");
                }
                Err(error)
            }
        }
    }

    /// The SurrealDB client, for the backend's repositories.
    pub fn db(&self) -> &Surreal<Any> {
        &self.db
    }

    /// The engine in use: `mem`, `surrealkv`, `ws` or `wss`.
    pub fn engine(&self) -> &'static str {
        self.engine
    }

    /// Answers whether the database responds to a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.query("RETURN true").await?.check()?;
        Ok(())
    }
}

impl Store {
    /// Shuts the database down and, for the embedded file engine, waits until its files
    /// are released, so the same directory can be opened again at once. Every other clone
    /// of this store must be on its way out (background tasks being stopped): their end is
    /// waited for, up to [`CLOSE_TIMEOUT`].
    pub async fn close(self) -> Result<(), StoreError> {
        let deadline = Instant::now() + CLOSE_TIMEOUT;
        while Arc::strong_count(&self.db) > 1 {
            if Instant::now() >= deadline {
                return Err(StoreError::Close(
                    "other handles to the database are still open".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let Store { db, lock_file, .. } = self;
        // The engine shuts down when its last handle goes away; that happens in the background.
        drop(db);
        let Some(lock_file) = lock_file else {
            return Ok(());
        };
        while !lock_is_free(&lock_file) {
            if Instant::now() >= deadline {
                return Err(StoreError::Close(format!(
                    "{} is still locked after {CLOSE_TIMEOUT:?}",
                    lock_file.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(())
    }
}

/// How long [`Store::close`] waits for the embedded engine to release its files.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether nobody holds the engine's lock (a missing lock file counts as free).
fn lock_is_free(lock_file: &std::path::Path) -> bool {
    match std::fs::File::open(lock_file) {
        Ok(file) => file.try_lock().is_ok(),
        Err(_) => true,
    }
}

/// The engine named by a database URL, if this build supports it.
fn engine_of(url: &str) -> Option<&'static str> {
    let (scheme, _) = url.split_once("://")?;
    ["mem", "surrealkv", "ws", "wss"]
        .into_iter()
        .find(|known| *known == scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_are_recognised_by_scheme() {
        assert_eq!(engine_of("mem://"), Some("mem"));
        assert_eq!(
            engine_of("surrealkv:///var/lib/corral/db"),
            Some("surrealkv")
        );
        assert_eq!(engine_of("ws://127.0.0.1:8000"), Some("ws"));
        assert_eq!(engine_of("rocksdb://x"), None);
        assert_eq!(engine_of("postgres://x"), None);
        assert_eq!(engine_of("no scheme"), None);
    }
}
