//! The HTML document and the route table.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::layout::Layout;
use crate::pages::{DashboardPage, NotFoundPage, SettingsPage, TemplatesPage};

/// The whole HTML document; the server renders it around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: stylesheet, title and routes inside the common layout.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/corral.css" />
        <Title formatter=|page: String| {
            if page.is_empty() { "Corral".to_owned() } else { format!("{page} · Corral") }
        } />
        <Router>
            <Layout>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=DashboardPage />
                    <Route path=path!("/templates") view=TemplatesPage />
                    <Route path=path!("/settings") view=SettingsPage />
                </Routes>
            </Layout>
        </Router>
    }
}
