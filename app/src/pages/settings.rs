//! `/settings`: where nodes, the account and this server's facts live.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::settings::{SetNodeRanges, node_ranges};
use crate::components::{Field, FormError, LiveClock, Notice, ServerFacts, action_error};

/// Settings: links to the sections, and what this server is running.
#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings" />
        <div class="page-head">
            <h1>"Settings"</h1>
        </div>
        <div class="cards">
            <section class="card">
                <h2>"Sections"</h2>
                <ul class="links">
                    <li><a href="/settings/nodes">"Nodes"</a> <span class="muted">"— your Proxmox VE hosts"</span></li>
                    <li><a href="/account">"Account"</a> <span class="muted">"— password, sign out"</span></li>
                    <li><a href="/audit">"Audit log"</a> <span class="muted">"— what was done, by whom"</span></li>
                </ul>
            </section>
            <NodeRangesCard />
            <section class="card">
                <h2>"About this server"</h2>
                <ServerFacts />
            </section>
            <section class="card">
                <h2>"This page"</h2>
                <LiveClock />
            </section>
        </div>
    }
}

/// For administrators: the address ranges nodes may be added in. Other users see nothing
/// (the setting is refused to them).
#[component]
fn NodeRangesCard() -> impl IntoView {
    let current = crate::resource::new(|| (), |_| node_ranges());
    let action = ServerAction::<SetNodeRanges>::new();
    let error = Signal::derive(move || action_error(action.value().get()));
    let query = use_query_map();
    let saved = move || query.read().get("saved").as_deref() == Some("ranges");
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let Ok(view) = current.await else {
                    return ().into_any();
                };
                let fixed = view.fixed_by_flag;
                view! {
                    <section class="card" data-testid="node-ranges">
                        <h2>"Node addresses"</h2>
                        <p class="muted">
                            "Nodes may be added only at these addresses (ranges such as 10.0.0.0/8, comma-separated). Empty: anywhere."
                        </p>
                        <Show when=saved>
                            <Notice>"Saved."</Notice>
                        </Show>
                        <form method="post" action=SetNodeRanges::PATH class="stack">
                            <FormError error />
                            <Field label="Allowed ranges" field="ranges" error>
                                <input name="ranges" value=view.ranges maxlength="4096" disabled=fixed placeholder="anywhere" />
                            </Field>
                            {if fixed {
                                view! { <p class="muted">"Set by --node-address-ranges; change the flag to change them."</p> }.into_any()
                            } else {
                                view! { <button type="submit">"Save ranges"</button> }.into_any()
                            }}
                        </form>
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}
