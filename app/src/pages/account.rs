//! `/account`: the signed-in user's password and sign-out.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{ChangePassword, Logout};
use crate::components::{Field, FormError, NewPasswordFields, Notice, action_error};

/// Change password (ends every other session) and sign out.
#[component]
pub fn AccountPage() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || action_error(action.value().get()));
    let query = use_query_map();
    let changed = move || query.read().get("changed").is_some();
    view! {
        <Title text="Account" />
        <div class="page-head">
            <h1>"Account"</h1>
        </div>
        <div class="cards">
            <section class="card">
                <h2>"Change password"</h2>
                <Show when=changed>
                    <Notice>"Password changed. Your other sessions have been signed out."</Notice>
                </Show>
                <form method="post" action=ChangePassword::PATH class="stack">
                    <FormError error />
                    <Field label="Current password" field="current_password" error>
                        <input name="current_password" type="password" autocomplete="current-password" required />
                    </Field>
                    <NewPasswordFields error name="new_password" repeat_name="new_password_repeat" label="New password" />
                    <button type="submit" class="primary">"Change password"</button>
                </form>
            </section>
            <section class="card">
                <h2>"Session"</h2>
                <p class="muted">"Signing out ends this session on the server."</p>
                <form method="post" action=Logout::PATH>
                    <button type="submit">"Sign out"</button>
                </form>
            </section>
        </div>
    }
}
