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

/// Errors found in the browser while the user types (provided by a form that checks
/// itself); each [`FieldError`] inside shows the one for its field.
#[derive(Clone, Copy)]
pub struct LiveFieldErrors(pub RwSignal<Vec<model::FieldError>>);

/// The message under the input named `field`: the live check's, else the server's.
#[component]
pub fn FieldError(
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into)] field: String,
) -> impl IntoView {
    let live = use_context::<LiveFieldErrors>();
    move || {
        let field = field.clone();
        let live_message = live.and_then(|live| {
            live.0
                .get()
                .into_iter()
                .find(|e| e.field == field)
                .map(|e| e.message)
        });
        let server_message = error
            .get()
            .filter(|e| e.field() == Some(field.as_str()))
            .map(|e| e.to_string());
        live_message.or(server_message).map(|message| {
            view! {
                <span class="field-error" role="alert" data-field=field>
                    {message}
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

/// A new password typed twice: `{label} (at least 12 characters)` and `{label} again`.
#[component]
pub fn NewPasswordFields(
    #[prop(into)] error: Signal<Option<AppError>>,
    /// The first input's name; the second is `repeat_name`.
    name: &'static str,
    repeat_name: &'static str,
    label: &'static str,
) -> impl IntoView {
    view! {
        <label>
            {format!("{label} (at least 12 characters)")}
            <input name=name type="password" autocomplete="new-password" required minlength="12" />
            <FieldError error field=name />
        </label>
        <label>
            {format!("{label} again")}
            <input name=repeat_name type="password" autocomplete="new-password" required />
            <FieldError error field=repeat_name />
        </label>
    }
}

/// The submit button of a form whose server side tests a node first (it takes seconds).
#[component]
pub fn TestAndSaveButton(pending: Memo<bool>) -> impl IntoView {
    view! {
        <button type="submit" class="primary" disabled=move || pending.get()>
            {move || if pending.get() { "Testing…" } else { "Test and save" }}
        </button>
    }
}

/// `Some("yes")` once the page is hydrated, for a `data-live` attribute: tests and users'
/// scripts can tell that forms now act in place.
pub fn live_marker() -> impl Fn() -> Option<&'static str> + Copy + 'static {
    let live = RwSignal::new(false);
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| live.set(true));
    move || live.get().then_some("yes")
}

/// The `confirm` field of a destructive form: the user types `name` to go ahead
/// ("Type web-01 to destroy it and its disks"); the server compares it again.
#[component]
pub fn TypedConfirmation(
    /// What must be typed.
    name: String,
    /// What typing it does, after the name ("to confirm").
    purpose: &'static str,
    /// Shown under the input, inside the label (such as the field's error).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <label>
            <span>"Type " <b>{name}</b> " " {purpose}</span>
            <input name="confirm" required autocomplete="off" />
            {children.map(|children| children())}
        </label>
    }
}
