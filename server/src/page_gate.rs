//! The page gate: page requests without a valid session go to the sign-in page (or to
//! setup on a fresh install). Server functions have their own gate (`app::action`); this
//! keeps pages from rendering for nobody.

use app::auth::current_user;
use app::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use backend::accounts::User;
use tower_sessions::Session;

/// Paths that are not pages: API, assets, health.
fn is_page(path: &str) -> bool {
    !(path.starts_with("/api/")
        || path.starts_with("/pkg/")
        || path == "/healthz"
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.')))
}

/// Where a visitor goes instead of the page they asked for, if anywhere.
async fn detour(
    state: &AppState,
    user: Option<&User>,
    path_and_query: &str,
) -> Result<Option<String>, String> {
    let path = path_and_query.split('?').next().unwrap_or("/");
    if user.is_some() {
        return Ok(matches!(path, "/login" | "/setup").then(|| "/".to_owned()));
    }
    let fresh = !backend::accounts::any_user_exists(&state.backend)
        .await
        .map_err(|e| e.to_string())?;
    Ok(match (fresh, path) {
        (true, "/setup") | (false, "/login") => None,
        (true, _) => Some("/setup".to_owned()),
        (false, "/setup") | (false, "/") => Some("/login".to_owned()),
        (false, _) => Some(format!("/login?next={}", encode(path_and_query))),
    })
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The axum middleware: runs inside the session layer. A page it lets through renders
/// with the caller attached, so its server functions need not ask the session again.
pub async fn gate(
    State(state): State<AppState>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or("/".to_owned(), |p| p.as_str().to_owned());
    if !matches!(*request.method(), Method::GET | Method::HEAD) || !is_page(request.uri().path()) {
        return next.run(request).await;
    }
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "no session layer").into_response();
    };
    let user = match current_user(&state, &session).await {
        Ok(user) => user,
        Err(error) => return unavailable(&error.to_string()),
    };
    match detour(&state, user.as_ref(), &path_and_query).await {
        Ok(None) => {
            app::action::attach_caller(&mut request, user);
            next.run(request).await
        }
        Ok(Some(target)) => Redirect::to(&target).into_response(),
        Err(error) => unavailable(&error),
    }
}

/// The database did not answer: no page can be shown.
fn unavailable(error: &str) -> Response {
    tracing::error!(%error, "page gate");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "the database is not answering",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pages_are_gated() {
        for page in ["/", "/settings/nodes", "/settings/nodes/abc", "/login"] {
            assert!(is_page(page), "{page}");
        }
        for other in [
            "/api/auth/login",
            "/pkg/corral.wasm",
            "/healthz",
            "/favicon.svg",
        ] {
            assert!(!is_page(other), "{other}");
        }
        assert_eq!(
            encode("/settings/nodes?test=1"),
            "/settings/nodes%3Ftest%3D1"
        );
    }
}
