//! The frame around every page: the sidebar with the main sections and the top bar.

use leptos::prelude::*;
use leptos_router::components::A;

/// Sidebar, top bar and the page itself in `children`.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <div class="frame">
            <aside class="sidebar">
                <a class="brand" href="/">
                    <img src="/favicon.svg" alt="" width="22" height="22" />
                    <span>"Corral"</span>
                </a>
                <nav aria-label="Main">
                    <A href="/" exact=true>"Dashboard"</A>
                    <A href="/templates">"Templates"</A>
                    <A href="/settings">"Settings"</A>
                </nav>
                <p class="sidebar-foot">"LXC on Proxmox VE"</p>
            </aside>
            <div class="main">
                <header class="topbar">
                    <span class="topbar-title">"Containers across your Proxmox nodes"</span>
                    <span class="topbar-version">{concat!("v", env!("CARGO_PKG_VERSION"))}</span>
                </header>
                <main class="content">{children()}</main>
            </div>
        </div>
    }
}
