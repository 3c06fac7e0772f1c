//! Who calls the routes that are not server functions (event streams, file transfers):
//! the session's user, or the answer that refuses.

use app::state::AppState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use backend::accounts::User;
use tower_sessions::Session;

/// The signed-in user, or 401 (500 when the session cannot be read).
pub async fn signed_in(state: &AppState, session: &Session) -> Result<User, Response> {
    match app::auth::current_user(state, session).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err((StatusCode::UNAUTHORIZED, "\"Unauthenticated\"").into_response()),
        Err(_) => Err(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
    }
}
