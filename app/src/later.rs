//! The pages a visit seldom starts on, loaded as one WebAssembly module of their own.
//!
//! The site is always built with `cargo leptos build --split`. The first module holds the
//! shell, the router and the pages a visit starts on (dashboard and sign-in); every other
//! page (first-run setup too: once in a server's life) is reached through one split point,
//! [`later_page`], so their code loads with the first of them (the server names that module
//! in a preload link when a visit starts there). One split point, not one per page: the
//! splitter gives each *set* of split points that share code a module of its own, and one
//! per page made the dashboard load 299 modules (docs/performance.md).

use leptos::prelude::*;
use leptos_router::LazyRoute;

use crate::pages::{
    AccountPage, AddNodePage, AuditLogPage, BucketsPage, ContainerPage, CredentialsPage,
    EditTemplatePage, ImportTemplatesPage, JobProgressPage, JobsPage, LogsPage, NewTemplatePage,
    NodePage, NodesPage, SettingsPage, SetupPage, TemplatePage, TemplatesPage, UsersPage,
    WizardPage, WizardStartPage,
};

/// Declares, for each `Route => Page`, a route type (`Lazy::<Route>` in the route table)
/// whose view is `Page`, built by [`later_page`] in the later module.
macro_rules! later_pages {
    ($($route:ident => $page:ident),* $(,)?) => {
        /// A page in the later module.
        #[derive(Debug, Clone, Copy)]
        enum Later {
            $($route),*
        }

        /// The split point: the view of a later page.
        #[leptos::lazy]
        fn later_page(page: Later) -> AnyView {
            match page {
                $(Later::$route => view! { <$page /> }.into_any(),)*
            }
        }

        $(
            #[doc = concat!("The route of [`", stringify!($page), "`], a later page.")]
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_this: Self) -> AnyView {
                    later_page(Later::$route).await
                }

                /// Loads the later module: the router waits for it before hydrating a
                /// page that started here, so that the page is hydrated, not drawn again.
                async fn preload() {
                    #[cfg(feature = "hydrate")]
                    __preload_later_page().await;
                }
            }
        )*
    };
}

later_pages! {
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
    Setup => SetupPage,
}
