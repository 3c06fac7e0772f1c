//! The HTML document and the route table.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, SsrMode, lazy_route, path};

use crate::layout::Layout;
use crate::pages::{
    AccountPage, AddNodePage, AuditLogPage, BucketsPage, ContainerPage, CredentialsPage,
    DashboardPage, EditTemplatePage, ImportTemplatesPage, JobProgressPage, JobsPage, LoginPage,
    LogsPage, NewTemplatePage, NodePage, NodesPage, NotFoundPage, SettingsPage, SetupPage,
    TemplatePage, TemplatesPage, UsersPage, WizardPage, WizardStartPage,
};

/// Each page as a lazily loaded route: in a split build (`cargo leptos build --split`)
/// its code is a WebAssembly module of its own, fetched with the page (the server
/// names it in a `modulepreload` link) or on the first visit to the route, so the first
/// download holds the shell, the router and what pages share.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        #[doc = concat!("[`", stringify!($page), "`], loaded with its route.")]
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    Dashboard => DashboardPage,
    WizardStart => WizardStartPage,
    Wizard => WizardPage,
    Container => ContainerPage,
    Credentials => CredentialsPage,
    Logs => LogsPage,
    Jobs => JobsPage,
    JobProgress => JobProgressPage,
    Templates => TemplatesPage,
    NewTemplate => NewTemplatePage,
    Buckets => BucketsPage,
    ImportTemplates => ImportTemplatesPage,
    Template => TemplatePage,
    EditTemplate => EditTemplatePage,
    Settings => SettingsPage,
    Nodes => NodesPage,
    AddNode => AddNodePage,
    Node => NodePage,
    Account => AccountPage,
    Users => UsersPage,
    AuditLog => AuditLogPage,
    Login => LoginPage,
    Setup => SetupPage,
}

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
                    <Route path=path!("/") view={Lazy::<Dashboard>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/containers/new") view={Lazy::<WizardStart>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/containers/new/:draft/:step") view={Lazy::<Wizard>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/containers/:node/:vmid") view={Lazy::<Container>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/containers/:node/:vmid/credentials/:service") view={Lazy::<Credentials>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/containers/:node/:vmid/logs") view={Lazy::<Logs>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/jobs") view={Lazy::<Jobs>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/jobs/:id") view={Lazy::<JobProgress>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/templates") view={Lazy::<Templates>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/templates/new") view={Lazy::<NewTemplate>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/templates/buckets") view={Lazy::<Buckets>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/templates/import") view={Lazy::<ImportTemplates>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/templates/:id") view={Lazy::<Template>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/templates/:id/edit") view={Lazy::<EditTemplate>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings") view={Lazy::<Settings>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/nodes") view={Lazy::<Nodes>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/nodes/new") view={Lazy::<AddNode>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/nodes/:id") view={Lazy::<Node>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/account") view={Lazy::<Account>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/users") view={Lazy::<Users>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/audit") view={Lazy::<AuditLog>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/login") view={Lazy::<Login>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/setup") view={Lazy::<Setup>::new()} ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}
