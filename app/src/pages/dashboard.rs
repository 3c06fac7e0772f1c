//! `/`: the dashboard.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{LiveClock, ServerFacts};

/// The landing page: the server's health and this page's live state.
#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard" />
        <div class="page-head">
            <h1>"Dashboard"</h1>
        </div>
        <div class="cards">
            <section class="card">
                <h2>"Server"</h2>
                <ServerFacts />
            </section>
            <section class="card">
                <h2>"This page"</h2>
                <LiveClock />
            </section>
        </div>
    }
}
