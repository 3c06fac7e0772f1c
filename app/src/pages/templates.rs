//! `/templates`: the user's container templates.

use leptos::prelude::*;
use leptos_meta::Title;

/// The template library; empty until templates can be created or imported.
#[component]
pub fn TemplatesPage() -> impl IntoView {
    view! {
        <Title text="Templates" />
        <div class="page-head">
            <h1>"Templates"</h1>
        </div>
        <div class="empty-state">
            <h2>"No templates yet"</h2>
            <p>
                "A template bundles a container's size, network and features with the packages, "
                "scripts and files that provision it, so a new container is one click away."
            </p>
        </div>
    }
}
