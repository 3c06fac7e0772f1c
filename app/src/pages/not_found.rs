//! The page for any path the router does not know, served with status 404.

use leptos::prelude::*;
use leptos_meta::Title;

/// "Page not found", with a way back.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <div class="empty-state" data-testid="not-found">
            <p class="code">"404"</p>
            <h1>"Page not found"</h1>
            <p>"Nothing lives at this address. It may have moved, or the link is mistyped."</p>
            <a class="button" href="/">"Back to the dashboard"</a>
        </div>
    }
}
