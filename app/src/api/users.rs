//! User administration (administrators only).

use leptos::prelude::*;
use model::account::UserView;

use crate::error::AppError;

/// Every account.
#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    use crate::auth::require_admin;
    use crate::state::app_state;

    let admin = require_admin().await?;
    let state = app_state()?;
    let users = backend::accounts::list(&state.backend, &admin).await?;
    Ok(users.iter().map(backend::accounts::User::view).collect())
}

/// Creates an account; `is_admin` is a checkbox (`on` when ticked).
#[server(endpoint = "users/create")]
pub async fn create_user(
    username: String,
    password: String,
    password_repeat: String,
    is_admin: Option<String>,
) -> Result<UserView, AppError> {
    use zeroize::Zeroizing;

    use crate::auth::require_admin;
    use crate::state::app_state;

    let admin = require_admin().await?;
    let state = app_state()?;
    let user = backend::accounts::create(
        &state.backend,
        &admin,
        &username,
        Zeroizing::new(password),
        Zeroizing::new(password_repeat),
        is_admin.is_some(),
    )
    .await?;
    leptos_axum::redirect(&format!("/users?created={}", user.username));
    Ok(user.view())
}

/// Disables (`disabled = true`) or re-enables another account.
#[server(endpoint = "users/set-disabled")]
pub async fn set_user_disabled(id: String, disabled: bool) -> Result<UserView, AppError> {
    use crate::auth::require_admin;
    use crate::state::app_state;

    let admin = require_admin().await?;
    let state = app_state()?;
    Ok(
        backend::accounts::set_disabled(&state.backend, &admin, &id, disabled)
            .await?
            .view(),
    )
}

/// Deletes another account and its nodes; `confirm` must repeat the username.
#[server(endpoint = "users/delete")]
pub async fn delete_user(id: String, confirm: String) -> Result<(), AppError> {
    use crate::auth::require_admin;
    use crate::state::app_state;

    let admin = require_admin().await?;
    let state = app_state()?;
    let target = backend::accounts::find(&state.backend, &id)
        .await?
        .ok_or_else(|| AppError::NotFound.with_status())?;
    if confirm.trim() != target.username {
        return Err(AppError::Validation {
            field: "confirm".into(),
            message: format!("type {} to confirm", target.username),
        }
        .with_status());
    }
    backend::accounts::delete(&state.backend, &admin, &id).await?;
    Ok(())
}
