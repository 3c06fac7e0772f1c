//! `/settings/nodes/{id}`: one node: test connection, edit, default, re-pin, delete.
//! "Test" and "Re-pin" are links (`?test=1`, `?repin=1`) so they work without
//! JavaScript; the changes are form posts.

use leptos::prelude::*;

use crate::pages::{HistorySection, Subject};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use model::ids::NodeId;
use model::node::{NodeView, RepinView};

use super::add::SshFields;
use crate::api::nodes::{
    DeleteNode, RepinNode, SetDefaultNode, UpdateNode, get_node, repin_check, test_node,
};
use crate::components::{
    Field, FieldError, FormError, LoadFailed, Notice, TestAndSaveButton, TrustCheckbox,
    TypedConfirmation, action_error,
};
use crate::error::AppError;
use crate::pages::{load_named, route_param};

/// The node page.
#[component]
pub fn NodePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || route_param::<NodeId>(params, "id");
    let set_default = ServerAction::<SetDefaultNode>::new();
    let update = ServerAction::<UpdateNode>::new();
    let repin = ServerAction::<RepinNode>::new();
    // Reload the node after any change made on this page.
    let changes = move || {
        (
            set_default.version().get(),
            update.version().get(),
            repin.version().get(),
        )
    };
    let node = crate::resource::new(
        move || (id(), changes()),
        |(id, _)| load_named(id, get_node),
    );
    let flag = move |name: &'static str| move || query.read().get(name).is_some();
    view! {
        <Title text="Node" />
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match node.await {
                    Ok(node) => view! {
                        <NodeHead node=node.clone() set_default />
                        <Show when=flag("saved")>
                            <Notice>"Saved: the token, its permissions and SSH all work."</Notice>
                        </Show>
                        <Show when=flag("repinned")>
                            <Notice>"The new fingerprints are pinned."</Notice>
                        </Show>
                        <div class="cards">
                            <ConnectionCard id=node.id.clone() />
                            <PinsCard node=node.clone() repin />
                        </div>
                        <HistorySection
                            subject=Subject::Node(node.id.clone())
                            path=format!("/settings/nodes/{}", node.id)
                        />
                        <EditCard node=node.clone() update />
                        <DeleteCard node />
                    }.into_any(),
                    Err(error) => view! {
                        <LoadFailed
                            error
                            what="node"
                            explanation="It does not exist or belongs to someone else."
                            back=("/settings/nodes", "Back to nodes")
                        />
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NodeHead(node: NodeView, set_default: ServerAction<SetDefaultNode>) -> impl IntoView {
    view! {
        <div class="page-head">
            <h1>
                {node.name.clone()}
                {node.demo.then(|| view! { " " <span class="badge demo">"demo"</span> })}
                {node.is_default.then(|| view! { " " <span class="badge">"default"</span> })}
            </h1>
            <div class="actions">
                {(!node.is_default).then(|| view! {
                    <ActionForm action=set_default attr:class="inline">
                        <input type="hidden" name="id" value=node.id.to_string() />
                        <button type="submit">"Make default"</button>
                    </ActionForm>
                })}
                <a href="/settings/nodes">"All nodes"</a>
            </div>
        </div>
    }
}

/// "Test connection": runs when the URL has `?test=1`.
#[component]
fn ConnectionCard(id: NodeId) -> impl IntoView {
    let query = use_query_map();
    let wanted = move || query.read().get("test").is_some();
    let node_id = id.clone();
    let report = crate::resource::new(wanted, move |wanted| {
        let id = node_id.clone();
        async move {
            if wanted {
                test_node(id).await.map(Some)
            } else {
                Ok(None)
            }
        }
    });
    view! {
        <section class="card">
            <h2>"Connection"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Testing…"</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(Some(report)) => view! {
                            <dl class="facts" data-testid="connection-report">
                                <dt>"Proxmox VE"</dt><dd class="mono" data-testid="pve-version">{report.version}</dd>
                                <dt>"API round trip"</dt><dd>{format!("{:.0} ms", report.api_latency_ms)}</dd>
                                <dt>"Containers"</dt><dd>{report.containers}</dd>
                                <dt>"SSH (pct list)"</dt><dd>{format!("{:.0} ms", report.ssh_latency_ms)}</dd>
                            </dl>
                        }.into_any(),
                        Ok(None) => view! { <p class="muted">"Checks the token, its permissions and SSH."</p> }.into_any(),
                        Err(error) => view! {
                            <p class="error" role="alert" data-testid="connection-error">{error.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <a class="button" href="?test=1" data-testid="test-connection">"Test connection"</a>
        </section>
    }
}

/// The pinned fingerprints and, with `?repin=1`, the re-pin flow.
#[component]
fn PinsCard(node: NodeView, repin: ServerAction<RepinNode>) -> impl IntoView {
    let query = use_query_map();
    let wanted = move || query.read().get("repin").is_some();
    let node_id = node.id.clone();
    let check = crate::resource::new(wanted, move |wanted| {
        let id = node_id.clone();
        async move {
            if wanted {
                repin_check(id).await.map(Some)
            } else {
                Ok(None)
            }
        }
    });
    view! {
        <section class="card">
            <h2>"Pinned identity"</h2>
            <dl class="facts">
                <dt>"TLS certificate"</dt><dd class="mono fingerprint">{node.tls_fingerprint.clone()}</dd>
                <dt>"SSH host key"</dt><dd class="mono fingerprint">{node.ssh_host_key.clone()}</dd>
            </dl>
            <Suspense fallback=|| view! { <p class="muted">"Probing…"</p> }>
                {move || Suspend::new(async move {
                    match check.await {
                        Ok(Some(view)) => view! { <RepinForm view repin /> }.into_any(),
                        Ok(None) => view! {
                            <a class="button" href="?repin=1">"Re-pin after a certificate or host-key change…"</a>
                        }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn RepinForm(view: RepinView, repin: ServerAction<RepinNode>) -> impl IntoView {
    let error = Signal::derive(move || action_error(repin.value().get()));
    let RepinView { node, probe } = view;
    let new_tls = probe.tls.clone().map(|c| c.fingerprint);
    let new_ssh = probe.ssh_host_key.clone();
    let unchanged = new_tls.as_deref() == Ok(node.tls_fingerprint.as_str())
        && new_ssh.as_deref() == Ok(node.ssh_host_key.as_str());
    let shown = |value: &Result<String, String>| match value {
        Ok(v) => v.clone(),
        Err(e) => e.clone(),
    };
    view! {
        <table class="grid compare" data-testid="repin-compare">
            <thead><tr><th></th><th>"Pinned"</th><th>"Presented now"</th></tr></thead>
            <tbody>
                <tr><th>"TLS"</th><td class="mono fingerprint">{node.tls_fingerprint.clone()}</td><td class="mono fingerprint">{shown(&new_tls)}</td></tr>
                <tr><th>"SSH"</th><td class="mono fingerprint">{node.ssh_host_key.clone()}</td><td class="mono fingerprint">{shown(&new_ssh)}</td></tr>
            </tbody>
        </table>
        {if unchanged {
            view! { <p class="muted">"Nothing changed: the node presents the pinned identity."</p> }.into_any()
        } else if let (Ok(tls), Ok(ssh)) = (new_tls, new_ssh) {
            view! {
                <ActionForm action=repin attr:class="stack">
                    <FormError error />
                    <input type="hidden" name="id" value=node.id.to_string() />
                    <input type="hidden" name="tls_fingerprint" value=tls />
                    <input type="hidden" name="ssh_host_key" value=ssh />
                    <TrustCheckbox
                        name="confirm"
                        label="I checked the new fingerprints on the node and trust them"
                        error
                    />
                    <button type="submit" class="danger">"Pin the new identity"</button>
                </ActionForm>
            }.into_any()
        } else {
            view! { <p class="error">"The node could not be probed; try again when it is reachable."</p> }.into_any()
        }}
    }
}

#[component]
fn EditCard(node: NodeView, update: ServerAction<UpdateNode>) -> impl IntoView {
    let error: Signal<Option<AppError>> =
        Signal::derive(move || action_error(update.value().get()));
    let pending = update.pending();
    view! {
        <section class="card narrow">
            <h2>"Edit"</h2>
            <p class="muted">"Secrets are never shown; leave a secret empty to keep the stored one. Saving tests the node again."</p>
            <ActionForm action=update attr:class="stack" attr:data-testid="edit-form">
                <FormError error />
                <input type="hidden" name="id" value=node.id.to_string() />
                <Field label="Display name" field="name" error>
                    <input name="form[name]" required maxlength="64" value=node.name.clone() />
                </Field>
                <Field label="Proxmox node name" field="pve_node" error>
                    <input name="form[pve_node]" maxlength="64" value=node.pve_node.clone() />
                </Field>
                <div class="row">
                    <Field label="Host" field="host" error>
                        <input name="form[host]" required value=node.host.clone() />
                    </Field>
                    <Field label="API port" field="port" error>
                        <input name="form[port]" inputmode="numeric" value=node.port.to_string() />
                    </Field>
                    <Field label="SSH port" field="ssh_port" error>
                        <input name="form[ssh_port]" inputmode="numeric" value=node.ssh_port.to_string() />
                    </Field>
                </div>
                <Field label="API token id" field="token_id" error>
                    <input name="form[token_id]" required value=node.token_id.clone() autocomplete="off" />
                </Field>
                <Field label="API token secret" field="token_secret" error>
                    <input name="form[token_secret]" type="password" autocomplete="off" placeholder="stored — leave empty to keep" />
                </Field>
                <Field label="Resource pool" hint="optional" field="pool" error>
                    <input name="form[pool]" maxlength="64" value=node.pool.clone().unwrap_or_default() />
                </Field>
                <SshFields error editing=true ssh_user=node.ssh_user.clone() ssh_auth=node.ssh_auth />
                <TestAndSaveButton pending />
            </ActionForm>
        </section>
    }
}

#[component]
fn DeleteCard(node: NodeView) -> impl IntoView {
    let delete = ServerAction::<DeleteNode>::new();
    let error = Signal::derive(move || action_error(delete.value().get()));
    view! {
        <section class="card narrow danger-zone">
            <h2>"Remove from Corral"</h2>
            <p class="muted">"The node's containers stay on Proxmox; only Corral forgets the node and its credentials."</p>
            <ActionForm action=delete attr:class="stack">
                <FormError error />
                <input type="hidden" name="id" value=node.id.to_string() />
                <TypedConfirmation name=node.name.clone() purpose="to confirm">
                    <FieldError error field="confirm" />
                </TypedConfirmation>
                <button type="submit" class="danger">"Remove node"</button>
            </ActionForm>
        </section>
    }
}
