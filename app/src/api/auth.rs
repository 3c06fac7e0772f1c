//! Signing in and out, first-run setup, the visitor's identity, password changes.

use leptos::prelude::*;
use model::account::Visitor;

use crate::error::AppError;

/// Who is visiting: a fresh install (setup needed), an anonymous visitor, or a user.
#[server(endpoint = "auth/visitor")]
pub async fn current_visitor() -> Result<Visitor, AppError> {
    use crate::auth::{current_user, session};
    use crate::state::app_state;

    let state = app_state()?;
    if let Some(user) = current_user(&state, &session().await?).await? {
        return Ok(Visitor::SignedIn(user.view()));
    }
    if backend::accounts::any_user_exists(&state.backend).await? {
        Ok(Visitor::Anonymous)
    } else {
        Ok(Visitor::FreshInstall)
    }
}

/// Only local paths are followed after signing in (no open redirects).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.starts_with("/api/") =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// First-run setup: creates the administrator and signs them in. Refused once any
/// account exists.
#[server(endpoint = "auth/setup")]
pub async fn setup(
    username: String,
    password: String,
    password_repeat: String,
) -> Result<(), AppError> {
    use zeroize::Zeroizing;

    use crate::auth::{client_address, session, sign_in};
    use crate::state::app_state;

    let state = app_state()?;
    let user = backend::accounts::setup(
        &state.backend,
        &username,
        Zeroizing::new(password),
        Zeroizing::new(password_repeat),
        client_address(),
    )
    .await?;
    sign_in(&session().await?, &user).await?;
    leptos_axum::redirect("/settings/nodes");
    Ok(())
}

/// Signs in and continues to `next` (a local path) or the dashboard.
#[server(endpoint = "auth/login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use zeroize::Zeroizing;

    use crate::auth::{client_address, session, sign_in};
    use crate::state::app_state;

    let state = app_state()?;
    let user = backend::accounts::login(
        &state.backend,
        &username,
        Zeroizing::new(password),
        client_address(),
    )
    .await?;
    sign_in(&session().await?, &user).await?;
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

/// Signs out: the session is deleted and the cookie cleared.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::auth::{client_address, require_user, session, sign_out};
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    sign_out(&session().await?).await?;
    backend::accounts::logout(&state.backend, &user, client_address()).await;
    leptos_axum::redirect("/login?signed_out=1");
    Ok(())
}

/// Changes the caller's password; every other session of theirs ends.
#[server(endpoint = "auth/change-password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_repeat: String,
) -> Result<(), AppError> {
    use zeroize::Zeroizing;

    use crate::auth::{refresh, require_user, session};
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let valid_after = backend::accounts::change_password(
        &state.backend,
        &user,
        Zeroizing::new(current_password),
        Zeroizing::new(new_password),
        Zeroizing::new(new_password_repeat),
    )
    .await?;
    refresh(&session().await?, &user, valid_after).await?;
    leptos_axum::redirect("/account?changed=1");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/settings/nodes")), "/settings/nodes");
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/api/auth/logout",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
