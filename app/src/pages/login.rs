//! `/login`: sign in.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::Login;
use crate::components::{FormError, action_error};

/// Username and password; a plain form post, so it works without JavaScript.
#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let error = Signal::derive(move || action_error(action.value().get()));
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let signed_out = move || query.read().get("signed_out").is_some();
    view! {
        <Title text="Sign in" />
        <section class="card auth-card">
            <h1>"Sign in to Corral"</h1>
            <Show when=signed_out>
                <p class="notice" role="status">"You are signed out."</p>
            </Show>
            <form method="post" action=Login::PATH class="stack">
                <FormError error />
                <input type="hidden" name="next" value=next />
                <label>
                    "Username"
                    <input name="username" autocomplete="username" required maxlength="64" autofocus />
                </label>
                <label>
                    "Password"
                    <input name="password" type="password" autocomplete="current-password" required />
                </label>
                <button type="submit" class="primary">"Sign in"</button>
            </form>
        </section>
    }
}
