//! `/settings`: server information (node management joins it later).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::ServerFacts;

/// Settings, starting with what this server is running.
#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings" />
        <div class="page-head">
            <h1>"Settings"</h1>
        </div>
        <section class="card narrow">
            <h2>"About this server"</h2>
            <ServerFacts />
        </section>
    }
}
