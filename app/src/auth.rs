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

/// What the session stores: whose it is, since when, and when it was last used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SessionRecord {
    user_id: UserId,
    /// Unix seconds.
    signed_in_at: i64,
    /// Unix seconds of the last recorded use (0 in sessions from before it was kept:
    /// then the sign-in time counts).
    #[serde(default)]
    seen_at: i64,
}

impl SessionRecord {
    fn last_seen(&self) -> i64 {
        if self.seen_at == 0 {
            self.signed_in_at
        } else {
            self.seen_at
        }
    }
}

/// How stale the recorded use may get before a request records it again: often enough
/// that a session in use never reaches its idle limit, rarely enough that a page view is
/// not a database write (a twelfth of the idle limit, at most an hour).
fn touch_interval(inactivity_secs: i64) -> i64 {
    (inactivity_secs / 12).clamp(1, 3600)
}

/// The client's address as the server resolved it (the TCP peer, or the address a
/// trusted reverse proxy forwarded); the server inserts it into every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub std::net::IpAddr);

/// The request's session (the session layer wraps every route).
pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| AppError::internal(format!("no session layer: {e}")))
}

/// The user behind the session, if it is still valid: the account exists and is
/// enabled, its password has not changed since, it was used within the idle limit and
/// the absolute limit has not passed. An invalid session is flushed; a valid one records
/// this use now and then, so the idle limit slides with use.
pub async fn current_user(state: &AppState, session: &Session) -> Result<Option<User>, AppError> {
    let Some(signed) = session
        .get::<SessionRecord>(SESSION_KEY)
        .await
        .map_err(AppError::internal)?
    else {
        return Ok(None);
    };
    let now = state.clock.now();
    let idle = now - signed.last_seen();
    let user = accounts::find(&state.backend, &signed.user_id).await?;
    let valid = user.filter(|user| {
        !user.disabled
            && signed.signed_in_at >= user.sessions_valid_after
            && idle < state.sessions.inactivity_secs
            && now - signed.signed_in_at < state.sessions.absolute_limit_secs
    });
    match &valid {
        None => session.flush().await.map_err(AppError::internal)?,
        Some(_) if idle >= touch_interval(state.sessions.inactivity_secs) => {
            let seen = SessionRecord {
                seen_at: now,
                ..signed
            };
            session
                .insert(SESSION_KEY, seen)
                .await
                .map_err(AppError::internal)?;
        }
        Some(_) => {}
    }
    Ok(valid)
}

/// Starts a session for `user` under a new id (session fixation defence).
pub async fn sign_in(state: &AppState, session: &Session, user: &User) -> Result<(), AppError> {
    session.cycle_id().await.map_err(AppError::internal)?;
    let signed_in_at = state.clock.now().max(user.sessions_valid_after);
    remember(session, user, signed_in_at).await
}

/// Keeps the caller signed in after a password change ended every older session: the
/// session gets a new id (a copy of the old cookie is worthless) and a new sign-in time.
pub async fn refresh(
    state: &AppState,
    session: &Session,
    user: &User,
    valid_after: i64,
) -> Result<(), AppError> {
    session.cycle_id().await.map_err(AppError::internal)?;
    remember(session, user, state.clock.now().max(valid_after)).await
}

async fn remember(session: &Session, user: &User, signed_in_at: i64) -> Result<(), AppError> {
    let signed = SessionRecord {
        user_id: user.id.clone(),
        signed_in_at,
        seen_at: signed_in_at,
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

/// The client's address, for rate limits and the audit log: what the server resolved
/// ([`ClientAddress`]), else the TCP peer.
pub fn client_address() -> Option<String> {
    use_context::<axum::http::request::Parts>().and_then(|parts| {
        let resolved = parts.extensions.get::<ClientAddress>().map(|a| a.0);
        resolved
            .or_else(|| {
                parts
                    .extensions
                    .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                    .map(|info| info.0.ip())
            })
            .map(|ip| ip.to_string())
    })
}
