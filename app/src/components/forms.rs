//! Pieces every form uses: the error banner and the message under a field.

use leptos::prelude::*;

use crate::error::AppError;

/// The error of an action's last run, if it failed.
pub fn action_error<T>(value: Option<Result<T, AppError>>) -> Option<AppError> {
    value.and_then(Result::err)
}

/// The form-wide message: shown for errors that do not belong to one field.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error
            .get()
            .filter(|e| e.field().is_none())
            .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
    }
}

/// The message under the input named `field`, when the error points at it.
#[component]
pub fn FieldError(
    #[prop(into)] error: Signal<Option<AppError>>,
    field: &'static str,
) -> impl IntoView {
    move || {
        error.get().filter(|e| e.field() == Some(field)).map(|e| {
            view! {
                <span class="field-error" role="alert" data-field=field>
                    {e.to_string()}
                </span>
            }
        })
    }
}

/// A notice for a finished action, e.g. after a redirect with `?saved=1`.
#[component]
pub fn Notice(children: Children) -> impl IntoView {
    view! { <p class="notice" role="status">{children()}</p> }
}
