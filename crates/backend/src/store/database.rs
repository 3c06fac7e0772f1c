//! Where the database is: its URL, the root credentials a SurrealDB server wants, and the
//! namespace and database inside it (several Corral installs, or test runs, can share one
//! server, each in its own database).

use std::sync::atomic::{AtomicU64, Ordering};

/// The namespace and database name Corral uses unless told otherwise.
pub const DEFAULT_NAME: &str = "corral";

/// Test suites: a SurrealDB server's URL (`ws://127.0.0.1:PORT`) to run against instead
/// of the in-memory engine; `scripts/with-surreal.sh` starts one and sets these.
pub const TEST_URL_VARIABLE: &str = "CORRAL_TEST_DATABASE";
/// See [`TEST_URL_VARIABLE`]: the server's root user.
pub const TEST_USER_VARIABLE: &str = "CORRAL_TEST_DATABASE_USER";
/// See [`TEST_URL_VARIABLE`]: the server's root password.
pub const TEST_PASSWORD_VARIABLE: &str = "CORRAL_TEST_DATABASE_PASSWORD";

/// Root credentials for a SurrealDB server (`ws://`); embedded engines need none.
#[derive(Clone)]
pub struct DatabaseCredentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for DatabaseCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A database to open: engine and place by URL, credentials, namespace and name.
#[derive(Debug, Clone)]
pub struct Database {
    pub url: String,
    pub credentials: Option<DatabaseCredentials>,
    pub namespace: String,
    pub name: String,
}

impl Database {
    /// The database at `url`, without credentials, in namespace and database `corral`.
    pub fn at(url: impl Into<String>) -> Database {
        Database {
            url: url.into(),
            credentials: None,
            namespace: DEFAULT_NAME.to_owned(),
            name: DEFAULT_NAME.to_owned(),
        }
    }

    /// The same database, signed in to with `credentials`.
    pub fn with_credentials(mut self, credentials: Option<DatabaseCredentials>) -> Database {
        self.credentials = credentials;
        self
    }

    /// The same server, another namespace and database inside it.
    pub fn named(mut self, namespace: impl Into<String>, name: impl Into<String>) -> Database {
        self.namespace = namespace.into();
        self.name = name.into();
        self
    }

    /// For test suites: a database of its own on the SurrealDB server named by
    /// `CORRAL_TEST_DATABASE` (with `CORRAL_TEST_DATABASE_USER`/`_PASSWORD`), in a new
    /// folder under it when that is a `surrealkv://` path (benchmarks), or a fresh
    /// in-memory one when it is not set. Each call answers a new, empty database.
    pub fn for_tests() -> Database {
        static NEXT_FOLDER: AtomicU64 = AtomicU64::new(0);
        match std::env::var(TEST_URL_VARIABLE) {
            Ok(url) if url.starts_with("surrealkv://") => Database::at(format!(
                "{}/t{}_{}",
                url.trim_end_matches('/'),
                std::process::id(),
                NEXT_FOLDER.fetch_add(1, Ordering::Relaxed)
            )),
            Ok(url) if !url.is_empty() && url != "mem://" => {
                static NEXT: AtomicU64 = AtomicU64::new(0);
                let credentials = DatabaseCredentials {
                    username: std::env::var(TEST_USER_VARIABLE).unwrap_or_else(|_| "root".into()),
                    password: std::env::var(TEST_PASSWORD_VARIABLE).unwrap_or_default(),
                };
                let name = format!(
                    "t{}_{}_{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed),
                    crate::ids::random_token().get(..8).unwrap_or("x")
                );
                Database::at(url)
                    .with_credentials(Some(credentials))
                    .named("corral_test", name)
            }
            _ => Database::at("mem://"),
        }
    }

    /// Whether [`Database::for_tests`] answers databases on a server (not in memory).
    pub fn tests_use_a_server() -> bool {
        Database::for_tests().url.starts_with("ws")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_print_the_password() {
        let credentials = DatabaseCredentials {
            username: "root".into(),
            password: "hunter2-secret".into(),
        };
        assert!(!format!("{credentials:?}").contains("hunter2"));
        let database = Database::at("ws://db:8000").with_credentials(Some(credentials));
        assert!(!format!("{database:?}").contains("hunter2"));
    }

    #[test]
    fn defaults_to_corral_inside_the_server() {
        let database = Database::at("ws://db:8000");
        assert_eq!(
            (database.namespace.as_str(), database.name.as_str()),
            ("corral", "corral")
        );
        let named = database.named("team", "prod");
        assert_eq!(
            (named.namespace.as_str(), named.name.as_str()),
            ("team", "prod")
        );
    }
}
