//! `/settings/nodes`: the user's nodes and, in demo mode, the demo cluster.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::node::{DemoView, NodeView};

use crate::api::nodes::{AddDemoNode, demo_info, list_nodes};
use crate::components::{FormError, Notice, action_error};

/// Every node of the signed-in user.
#[component]
pub fn NodesPage() -> impl IntoView {
    let nodes = crate::resource::new(|| (), |_| list_nodes());
    let demo = crate::resource::new(|| (), |_| demo_info());
    let query = use_query_map();
    let deleted = move || query.read().get("deleted").is_some();
    view! {
        <Title text="Nodes" />
        <div class="page-head">
            <h1>"Nodes"</h1>
            <a class="button primary" href="/settings/nodes/new">"Add a node"</a>
        </div>
        <Show when=deleted>
            <Notice>"The node was removed from Corral. Its containers on Proxmox are untouched."</Notice>
        </Show>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let demo = demo.await.ok().flatten();
                match nodes.await {
                    Ok(nodes) => view! {
                        {demo.map(|demo| view! { <DemoPanel demo /> })}
                        <NodeTable nodes />
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NodeTable(nodes: Vec<NodeView>) -> impl IntoView {
    if nodes.is_empty() {
        return view! {
            <section class="card empty-state">
                <h2>"No nodes yet"</h2>
                <p>"Add a Proxmox VE node: Corral checks its certificate, API token and SSH login before saving it."</p>
                <a class="button primary" href="/settings/nodes/new">"Add a node"</a>
            </section>
        }
        .into_any();
    }
    let rows = nodes
        .into_iter()
        .map(|node| {
            view! {
                <tr data-node=node.name.clone()>
                    <td>
                        <a href=format!("/settings/nodes/{}", node.id)>{node.name.clone()}</a>
                        {node.demo.then(|| view! { " " <span class="badge demo">"demo"</span> })}
                        {node.is_default.then(|| view! { " " <span class="badge">"default"</span> })}
                    </td>
                    <td class="mono">{format!("{}:{}", node.host, node.port)}</td>
                    <td class="mono">{node.pve_node.clone()}</td>
                    <td class="mono">{node.token_id.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <table class="grid" data-testid="node-table">
                <thead>
                    <tr><th>"Name"</th><th>"Address"</th><th>"Proxmox node"</th><th>"API token"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
    .into_any()
}

/// `corral --demo`: one click adds the simulated node; its throwaway credentials are
/// shown for trying the add flow by hand.
#[component]
fn DemoPanel(demo: DemoView) -> impl IntoView {
    let add = ServerAction::<AddDemoNode>::new();
    let error = Signal::derive(move || action_error(add.value().get()));
    view! {
        <section class="card demo-panel">
            <h2>"Demo cluster " <span class="badge demo">"demo"</span></h2>
            <p class="muted">
                "This server runs a simulated Proxmox VE node for trying Corral out. Nothing here touches a real cluster."
            </p>
            <ActionForm action=add>
                <FormError error />
                <button type="submit" class="primary">"Add the demo node"</button>
            </ActionForm>
            <details>
                <summary>"Or add it by hand with these details"</summary>
                <dl class="facts" data-testid="demo-credentials">
                    <dt>"Host"</dt><dd class="mono" data-key="host">{demo.host}</dd>
                    <dt>"API port"</dt><dd class="mono" data-key="port">{demo.port}</dd>
                    <dt>"SSH port"</dt><dd class="mono" data-key="ssh_port">{demo.ssh_port}</dd>
                    <dt>"Proxmox node"</dt><dd class="mono" data-key="pve_node">{demo.pve_node}</dd>
                    <dt>"API token id"</dt><dd class="mono" data-key="token_id">{demo.token_id}</dd>
                    <dt>"API token secret"</dt><dd class="mono" data-key="token_secret">{demo.token_secret}</dd>
                    <dt>"SSH user / password"</dt><dd class="mono">"root / " <span data-key="ssh_password">{demo.ssh_password}</span></dd>
                </dl>
            </details>
        </section>
    }
}
