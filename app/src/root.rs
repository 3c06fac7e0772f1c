//! The HTML document and the route table.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::layout::Layout;
use crate::pages::{
    AccountPage, AddNodePage, AuditLogPage, BucketsPage, ContainerPage, CredentialsPage,
    DashboardPage, EditTemplatePage, ImportTemplatesPage, JobProgressPage, JobsPage, LoginPage,
    LogsPage, NewTemplatePage, NodePage, NodesPage, NotFoundPage, SettingsPage, SetupPage,
    TemplatePage, TemplatesPage, UsersPage, WizardPage, WizardStartPage,
};

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
                    <Route path=path!("/containers/new") view=WizardStartPage ssr=SsrMode::Async />
                    <Route path=path!("/containers/new/:draft/:step") view=WizardPage ssr=SsrMode::Async />
                    <Route path=path!("/containers/:node/:vmid") view=ContainerPage ssr=SsrMode::Async />
                    <Route path=path!("/containers/:node/:vmid/credentials/:service") view=CredentialsPage ssr=SsrMode::Async />
                    <Route path=path!("/containers/:node/:vmid/logs") view=LogsPage ssr=SsrMode::Async />
                    <Route path=path!("/jobs") view=JobsPage ssr=SsrMode::Async />
                    <Route path=path!("/jobs/:id") view=JobProgressPage ssr=SsrMode::Async />
                    <Route path=path!("/templates") view=TemplatesPage ssr=SsrMode::Async />
                    <Route path=path!("/templates/new") view=NewTemplatePage ssr=SsrMode::Async />
                    <Route path=path!("/templates/buckets") view=BucketsPage ssr=SsrMode::Async />
                    <Route path=path!("/templates/import") view=ImportTemplatesPage ssr=SsrMode::Async />
                    <Route path=path!("/templates/:id") view=TemplatePage ssr=SsrMode::Async />
                    <Route path=path!("/templates/:id/edit") view=EditTemplatePage ssr=SsrMode::Async />
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/nodes") view=NodesPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/nodes/new") view=AddNodePage ssr=SsrMode::Async />
                    <Route path=path!("/settings/nodes/:id") view=NodePage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/users") view=UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/audit") view=AuditLogPage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}
