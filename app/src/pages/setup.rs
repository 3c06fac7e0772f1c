//! `/setup`: the one-time page that creates the first account (an administrator).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use crate::api::auth::Setup;
use crate::components::{Field, FormError, NewPasswordFields, action_error};

/// First-run setup. The server sends visitors here only while no account exists.
#[component]
pub fn SetupPage() -> impl IntoView {
    let action = ServerAction::<Setup>::new();
    let error = Signal::derive(move || action_error(action.value().get()));
    view! {
        <Title text="Set up" />
        <section class="card auth-card">
            <h1>"Welcome to Corral"</h1>
            <p class="muted">
                "Create the first account. It is an administrator and can add other users later."
            </p>
            <p class="muted">
                "The setup code proves you run this server: it was printed in the server's log when it started, and "
                <code>"corral setup-code"</code>
                " shows it again."
            </p>
            <form method="post" action=Setup::PATH class="stack">
                <FormError error />
                <Field label="Setup code" field="setup_code" error>
                    <input name="setup_code" autocomplete="off" spellcheck="false" required maxlength="32" autofocus />
                </Field>
                <Field label="Username" field="username" error>
                    <input name="username" autocomplete="username" required maxlength="64" />
                </Field>
                <NewPasswordFields error name="password" repeat_name="password_repeat" label="Password" />
                <button type="submit" class="primary">"Create the administrator"</button>
            </form>
        </section>
    }
}
