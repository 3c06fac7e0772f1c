//! Pieces every form uses: a labelled field with its error, the error banner, the
//! message under a field, and what a page shows when its data did not load.

use leptos::prelude::*;

use super::live_form::LiveFieldErrors;
use crate::error::AppError;

/// The error of an action's last run, if it failed.
pub fn action_error<T>(value: Option<Result<T, AppError>>) -> Option<AppError> {
    value.and_then(Result::err)
}

/// The outcome of whichever of these actions answered last: each answer replaces the one
/// before in the browser; on the server (a page answering a plain form post) only the
/// posted action has one.
pub fn latest_outcome<const N: usize>(
    values: [Signal<Option<Result<String, AppError>>>; N],
) -> Signal<Option<Result<String, AppError>>> {
    let last = RwSignal::new(None::<Result<String, AppError>>);
    for value in values {
        Effect::new(move |_| {
            if let Some(outcome) = value.get() {
                last.set(Some(outcome));
            }
        });
    }
    Signal::derive(move || last.get().or_else(|| values.iter().find_map(|v| v.get())))
}

/// An action's answer as a plain signal (for [`latest_outcome`]).
pub fn outcome_of<F>(action: ServerAction<F>) -> Signal<Option<Result<String, AppError>>>
where
    F: leptos::server_fn::ServerFn<Output = String, Error = AppError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    Signal::derive(move || action.value().get())
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

/// A labelled form field: the label (with an optional hint in brackets), the input,
/// select or textarea given as children, and the message for `field` under it.
///
/// ```text
/// <Field label="Cores" field="cores" error>
///     <input name="form[cores]" inputmode="numeric" value=form.cores />
/// </Field>
/// ```
#[component]
pub fn Field(
    /// What the label says.
    #[prop(into)]
    label: String,
    /// The field the server's (and the live check's) errors name.
    #[prop(into)]
    field: String,
    #[prop(into)] error: Signal<Option<AppError>>,
    /// Said after the label in brackets, muted: "(optional)".
    #[prop(optional)]
    hint: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let label = match hint {
        Some(hint) => {
            view! { <span>{label} " " <span class="muted">{format!("({hint})")}</span></span> }
                .into_any()
        }
        None => label.into_any(),
    };
    view! {
        <label>
            {label}
            {children()}
            <FieldError error field />
        </label>
    }
}

/// What a page shows instead of its content when the data did not load: for
/// "not found", a card saying that no such thing is visible to you with a way back;
/// for any other error, the error.
#[component]
pub fn LoadFailed(
    error: AppError,
    /// The thing that was not found: "node", "job", …
    what: &'static str,
    /// Why it may be missing, in a sentence.
    explanation: &'static str,
    /// Where to go instead, and what the link says.
    back: (&'static str, &'static str),
    /// Inside a page that has its own `<h1>`: the card's heading is an `<h2>`.
    #[prop(optional)]
    nested: bool,
) -> impl IntoView {
    let heading = format!("No such {what}");
    match error {
        AppError::NotFound => view! {
            <section class="card empty-state">
                {if nested {
                    view! { <h2>{heading}</h2> }.into_any()
                } else {
                    view! { <h1>{heading}</h1> }.into_any()
                }}
                <p>{explanation}</p>
                <a class="button" href=back.0>{back.1}</a>
            </section>
        }
        .into_any(),
        other => view! { <p class="error" role="alert">{other.to_string()}</p> }.into_any(),
    }
}

/// The box a user ticks to trust fingerprints they compared with the node (`name` is
/// the checkbox's input name), with the error of the `confirm` field under it.
#[component]
pub fn TrustCheckbox(
    name: &'static str,
    label: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <label class="check confirm-box">
            <input type="checkbox" name=name required />
            {label}
        </label>
        <FieldError error field="confirm" />
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
        <Field label error field=name hint="at least 12 characters">
            <input name=name type="password" autocomplete="new-password" required minlength="12" />
        </Field>
        <Field label=format!("{label} again") error field=repeat_name>
            <input name=repeat_name type="password" autocomplete="new-password" required />
        </Field>
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
