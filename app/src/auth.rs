//! Sessions: who is signed in, signing in and out (server builds only). The action gate
//! ([`crate::action`]) and the page gate resolve callers with [`current_user`].

use backend::accounts::{self, User};
use leptos::prelude::use_context;
use model::ids::UserId;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::error::AppError;
use crate::state::AppState;

/// The session key holding [`SessionRecord`].
const SESSION_KEY: &str = "signed_in";

/// What the session stores: whose it is and since when. Nothing else lives there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SessionRecord {
    user_id: UserId,
    /// Unix seconds.
    signed_in_at: i64,
}

/// The request's session (the session layer wraps every route).
pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| AppError::internal(format!("no session layer: {e}")))
}

/// The user behind the session, if it is still valid: the account exists and is
/// enabled, its password has not changed since, and the absolute limit has not passed.
/// An invalid session is flushed.
pub async fn current_user(state: &AppState, session: &Session) -> Result<Option<User>, AppError> {
    let Some(signed) = session
        .get::<SessionRecord>(SESSION_KEY)
        .await
        .map_err(AppError::internal)?
    else {
        return Ok(None);
    };
    let user = accounts::find(&state.backend, &signed.user_id).await?;
    let valid = user.filter(|user| {
        !user.disabled
            && signed.signed_in_at >= user.sessions_valid_after
            && state.clock.now() - signed.signed_in_at < state.sessions.absolute_limit_secs
    });
    if valid.is_none() {
        session.flush().await.map_err(AppError::internal)?;
    }
    Ok(valid)
}

/// Starts a session for `user` under a new id (session fixation defence).
pub async fn sign_in(state: &AppState, session: &Session, user: &User) -> Result<(), AppError> {
    session.cycle_id().await.map_err(AppError::internal)?;
    let signed_in_at = state.clock.now().max(user.sessions_valid_after);
    remember(session, user, signed_in_at).await
}

/// Marks the caller's own session as signed in now (after a password change ended every
/// older session).
pub async fn refresh(
    state: &AppState,
    session: &Session,
    user: &User,
    valid_after: i64,
) -> Result<(), AppError> {
    remember(session, user, state.clock.now().max(valid_after)).await
}

async fn remember(session: &Session, user: &User, signed_in_at: i64) -> Result<(), AppError> {
    let signed = SessionRecord {
        user_id: user.id.clone(),
        signed_in_at,
    };
    session
        .insert(SESSION_KEY, signed)
        .await
        .map_err(AppError::internal)
}

/// Ends the session: data deleted, cookie cleared.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(AppError::internal)
}

/// The client's address, for rate limits and the audit log.
pub fn client_address() -> Option<String> {
    use_context::<axum::http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip().to_string())
    })
}
