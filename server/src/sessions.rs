//! Sessions: tower-sessions stored in SurrealDB (`sessions` table), a strict cookie, and
//! the background task that deletes expired sessions.

use app::state::SessionPolicy;
use backend::store::Store;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_surrealdb_store::SurrealSessionStore;

/// The session cookie's name.
pub const COOKIE: &str = "corral_session";

/// The store over Corral's database.
pub fn store(store: &Store) -> SurrealSessionStore<Any> {
    let db: Surreal<Any> = store.db().clone();
    SurrealSessionStore::new(db, "sessions".into())
}

/// The layer: HttpOnly, SameSite=Strict, Secure behind https, inactivity expiry.
pub fn layer(
    sessions: SurrealSessionStore<Any>,
    policy: SessionPolicy,
    secure: bool,
) -> SessionManagerLayer<SurrealSessionStore<Any>> {
    SessionManagerLayer::new(sessions)
        .with_name(COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(Duration::seconds(
            policy.inactivity_secs,
        )))
}

/// Deletes expired sessions every minute until the task is aborted.
pub fn spawn_cleanup(sessions: SurrealSessionStore<Any>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(error) = sessions
            .continuously_delete_expired(tokio::time::Duration::from_secs(60))
            .await
        {
            tracing::error!(%error, "expired-session cleanup stopped");
        }
    })
}
