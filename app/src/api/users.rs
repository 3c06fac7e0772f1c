//! User administration (administrators only).

use leptos::prelude::*;
use model::account::UserView;
use model::ids::UserId;

use crate::action::{Admin, Call, action};
use crate::error::AppError;

/// Every account.
#[action]
#[server(endpoint = "users/list")]
pub async fn list_users(call: Call<Admin>) -> Result<Vec<UserView>, AppError> {
    Ok(backend::accounts::list(call.backend(), &call.caller).await?)
}

/// Creates an account; `is_admin` is a checkbox (`on` when ticked).
#[action]
#[server(endpoint = "users/create")]
pub async fn create_user(
    call: Call<Admin>,
    username: String,
    password: String,
    password_repeat: String,
    is_admin: Option<String>,
) -> Result<UserView, AppError> {
    use zeroize::Zeroizing;

    let user = backend::accounts::create(
        call.backend(),
        &call.caller,
        &username,
        Zeroizing::new(password),
        Zeroizing::new(password_repeat),
        is_admin.is_some(),
    )
    .await?;
    crate::redirect::to(&format!("/users?created={}", user.username));
    Ok(user.view())
}

/// Disables (`disabled = true`) or re-enables another account.
#[action]
#[server(endpoint = "users/set-disabled")]
pub async fn set_user_disabled(
    call: Call<Admin>,
    id: UserId,
    disabled: bool,
) -> Result<UserView, AppError> {
    Ok(backend::accounts::set_disabled(call.backend(), &call.caller, &id, disabled).await?)
}

/// Deletes another account and its nodes; `confirm` must repeat the username.
#[action]
#[server(endpoint = "users/delete")]
pub async fn delete_user(call: Call<Admin>, id: UserId, confirm: String) -> Result<(), AppError> {
    Ok(backend::accounts::delete(call.backend(), &call.caller, &id, &confirm).await?)
}
