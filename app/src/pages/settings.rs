//! `/settings`: where nodes, the account and this server's facts live.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{LiveClock, ServerFacts};

/// Settings: links to the sections, and what this server is running.
#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings" />
        <div class="page-head">
            <h1>"Settings"</h1>
        </div>
        <div class="cards">
            <section class="card">
                <h2>"Sections"</h2>
                <ul class="links">
                    <li><a href="/settings/nodes">"Nodes"</a> <span class="muted">"— your Proxmox VE hosts"</span></li>
                    <li><a href="/account">"Account"</a> <span class="muted">"— password, sign out"</span></li>
                    <li><a href="/audit">"Audit log"</a> <span class="muted">"— what was done, by whom"</span></li>
                </ul>
            </section>
            <section class="card">
                <h2>"About this server"</h2>
                <ServerFacts />
            </section>
            <section class="card">
                <h2>"This page"</h2>
                <LiveClock />
            </section>
        </div>
    }
}
