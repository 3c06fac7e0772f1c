//! Signing in and out, first-run setup, the visitor's identity, password changes.

use leptos::prelude::*;
use model::account::Visitor;

use crate::action::{Anyone, Call, SignedIn, action};
use crate::error::AppError;

/// Who is visiting: a fresh install (setup needed), an anonymous visitor, or a user.
#[action]
#[server(endpoint = "auth/visitor")]
pub async fn current_visitor(call: Call<Anyone>) -> Result<Visitor, AppError> {
    Ok(backend::accounts::visitor(call.backend(), call.caller.user.as_ref()).await?)
}

/// Only same-origin paths are followed after signing in (no open redirects): a path
/// starting with one `/`, of visible ASCII only (browsers drop tabs and newlines, so
/// `/\t/evil.example` would become `//evil.example`; the browser percent-encodes the
/// rest), no backslash, not a server function, and short.
pub fn safe_next(next: Option<&str>) -> String {
    const MAX_LEN: usize = 2048;
    match next {
        Some(path)
            if path.len() <= MAX_LEN
                && path.starts_with('/')
                && !path.starts_with("//")
                && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
                && !path.starts_with("/api/") =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// First-run setup: creates the administrator and signs them in. Needs the one-time
/// setup code from the server log; refused once any account exists.
#[action]
#[server(endpoint = "auth/setup")]
pub async fn setup(
    call: Call<Anyone>,
    setup_code: String,
    username: String,
    password: String,
    password_repeat: String,
) -> Result<(), AppError> {
    use backend::accounts::SetupForm;
    use zeroize::Zeroizing;

    let form = SetupForm {
        setup_code: &setup_code,
        username: &username,
        password: Zeroizing::new(password),
        repeated: Zeroizing::new(password_repeat),
    };
    let user = backend::accounts::setup(call.backend(), form, call.client_address()).await?;
    crate::auth::sign_in(call.state(), &call.session().await?, &user).await?;
    crate::redirect::to("/settings/nodes");
    Ok(())
}

/// Signs in and continues to `next` (a local path) or the dashboard.
#[action]
#[server(endpoint = "auth/login")]
pub async fn login(
    call: Call<Anyone>,
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use zeroize::Zeroizing;

    let user = backend::accounts::login(
        call.backend(),
        &username,
        Zeroizing::new(password),
        call.client_address(),
    )
    .await?;
    crate::auth::sign_in(call.state(), &call.session().await?, &user).await?;
    crate::redirect::to(&safe_next(next.as_deref()));
    Ok(())
}

/// Signs out: the session is deleted and the cookie cleared.
#[action]
#[server(endpoint = "auth/logout")]
pub async fn logout(call: Call<SignedIn>) -> Result<(), AppError> {
    crate::auth::sign_out(&call.session().await?).await?;
    backend::accounts::logout(call.backend(), &call.caller, call.client_address()).await;
    crate::redirect::to("/login?signed_out=1");
    Ok(())
}

/// Changes the caller's password; every other session of theirs ends.
#[action]
#[server(endpoint = "auth/change-password")]
pub async fn change_password(
    call: Call<SignedIn>,
    current_password: String,
    new_password: String,
    new_password_repeat: String,
) -> Result<(), AppError> {
    use zeroize::Zeroizing;

    let valid_after = backend::accounts::change_password(
        call.backend(),
        &call.caller,
        Zeroizing::new(current_password),
        Zeroizing::new(new_password),
        Zeroizing::new(new_password_repeat),
    )
    .await?;
    let session = call.session().await?;
    crate::auth::refresh(call.state(), &session, &call.caller, valid_after).await?;
    crate::redirect::to("/account?changed=1");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/settings/nodes")), "/settings/nodes");
        assert_eq!(safe_next(Some("/jobs/x?y=1")), "/jobs/x?y=1");
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/api/auth/logout",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/\u{0}x",
            "/\u{2028}/evil.example",
            "",
            "evil.example",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
