//! The HTML document and the route table.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};

use crate::later;
use crate::layout::Layout;
use crate::pages::{DashboardPage, LoginPage, NotFoundPage};

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
///
/// Pages whose data must be in the first HTML (so they work without JavaScript) use
/// `SsrMode::Async`: the page is sent once its resources resolved, instead of streaming a
/// fallback and out-of-order chunks that only a script can move into place. (leptos_axum
/// 0.8 treats `PartiallyBlocked` like out-of-order streaming.)
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
                    <Route path=path!("/") view=DashboardPage ssr=SsrMode::Async />
                    <Route path=path!("/containers/new") view={Lazy::<later::WizardStart>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/containers/new/:draft/:step") view={Lazy::<later::Wizard>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/containers/:node/:vmid") view={Lazy::<later::Container>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/containers/:node/:vmid/credentials/:service") view={Lazy::<later::Credentials>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/containers/:node/:vmid/logs") view={Lazy::<later::Logs>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/jobs") view={Lazy::<later::Jobs>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/jobs/:id") view={Lazy::<later::JobProgress>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/templates") view={Lazy::<later::Templates>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/templates/new") view={Lazy::<later::NewTemplate>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/templates/buckets") view={Lazy::<later::Buckets>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/templates/import") view={Lazy::<later::ImportTemplates>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/templates/:id") view={Lazy::<later::Template>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/templates/:id/edit") view={Lazy::<later::EditTemplate>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings") view={Lazy::<later::Settings>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/nodes") view={Lazy::<later::Nodes>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/nodes/new") view={Lazy::<later::AddNode>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/nodes/:id") view={Lazy::<later::Node>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/account") view={Lazy::<later::Account>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/users") view={Lazy::<later::Users>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/audit") view={Lazy::<later::AuditLog>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/setup") view={Lazy::<later::Setup>::new()} ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}
