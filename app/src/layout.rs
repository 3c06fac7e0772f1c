//! The frame around every page: the sidebar with the main sections and the top bar.
//! Visitors who are not signed in (login, setup) get the page alone.
//!
//! The page (`children`, holding the routes) is rendered outside any `Suspense`, so the
//! server's route list sees every route; only the signed-in chrome waits for the visitor.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::A;
use model::account::{UserView, Visitor};

use crate::api::auth::{Logout, current_visitor};

/// Sidebar, top bar and the page itself in `children`.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let visitor = crate::resource::blocking(current_visitor);
    let signed_in = move || async move {
        match visitor.await {
            Ok(Visitor::SignedIn(user)) => Some(user),
            _ => None,
        }
    };
    view! {
        <div class="frame">
            <Suspense>
                {move || Suspend::new(async move { signed_in().await.map(|user| view! { <Sidebar user /> }) })}
            </Suspense>
            <div class="main">
                <Suspense>
                    {move || Suspend::new(async move { signed_in().await.map(|user| view! { <TopBar user /> }) })}
                </Suspense>
                <main class="content">{children()}</main>
            </div>
        </div>
    }
}

#[component]
fn Sidebar(user: UserView) -> impl IntoView {
    view! {
        <aside class="sidebar">
            <a class="brand" href="/">
                <img src="/favicon.svg" alt="" width="22" height="22" />
                <span>"Corral"</span>
            </a>
            <nav aria-label="Main">
                <A href="/" exact=true>"Dashboard"</A>
                <A href="/templates">"Templates"</A>
                <A href="/jobs">"Jobs"</A>
                <A href="/settings/nodes">"Nodes"</A>
                <A href="/audit">"Audit log"</A>
                {user.is_admin.then(|| view! { <A href="/users">"Users"</A> })}
                <A href="/settings" exact=true>"Settings"</A>
            </nav>
            <p class="sidebar-foot">"LXC on Proxmox VE"</p>
        </aside>
    }
}

#[component]
fn TopBar(user: UserView) -> impl IntoView {
    view! {
        <header class="topbar">
            <span class="topbar-title">"Containers across your Proxmox nodes"</span>
            <span class="topbar-user">
                <a href="/account" data-testid="current-user">{user.username}</a>
                <form method="post" action=Logout::PATH class="inline">
                    <button type="submit" class="link">"Sign out"</button>
                </form>
                <span class="topbar-version">{concat!("v", env!("CARGO_PKG_VERSION"))}</span>
            </span>
        </header>
    }
}
