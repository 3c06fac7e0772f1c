//! The Configure step: node, OS template, resources, network, features, tags, keys. The
//! node's offerings (templates, storages, bridges) load when the node is chosen, and the
//! VMID is checked against the node as it is typed.

use leptos::prelude::*;
use model::ids::NodeId;
use model::provision::{ContainerForm, NodeOfferings};

use crate::api::nodes::list_nodes;
use crate::api::wizard::{check_vmid, fetch_node_offerings};
use crate::components::Field;
use crate::error::AppError;

/// `<option>`s whose value is also their label (storage and bridge names), `current`
/// selected.
fn same_name_options(names: &[String], current: &str) -> impl IntoView {
    names
        .iter()
        .map(|name| {
            view! { <option value=name.clone() selected=current == name>{name.clone()}</option> }
        })
        .collect_view()
}

/// A checkbox posted as `on` when ticked.
fn checkbox(name: &'static str, label: &'static str, value: &str) -> impl IntoView {
    let ticked = value == "on";
    view! {
        <label class="check">
            <input type="checkbox" name=format!("form[{name}]") value="on" checked=ticked />
            {label}
        </label>
    }
}

/// Node, template, resources, network, features, tags, keys.
#[component]
pub(super) fn Configure(form: ContainerForm, error: Signal<Option<AppError>>) -> impl IntoView {
    let node = RwSignal::new(form.node_id.clone());
    let vmid = RwSignal::new(form.vmid.clone());
    let nodes = crate::resource::new(|| (), |_| list_nodes());
    let offerings = crate::resource::new(
        move || NodeId::parse(&node.get()),
        |node| async move {
            match node {
                Some(node) => fetch_node_offerings(node).await,
                None => Ok(NodeOfferings::default()),
            }
        },
    );
    // Live check (the server checks everything again on Next).
    let vmid_state = crate::resource::new(
        move || (NodeId::parse(&node.get()), vmid.get()),
        |(node, vmid)| async move {
            match node {
                Some(node) if !vmid.trim().is_empty() => Some(check_vmid(node, vmid).await),
                _ => None,
            }
        },
    );
    let current_node = form.node_id.clone();
    let node_select = move || {
        let current = current_node.clone();
        Suspend::new(async move {
            let list = nodes.await.unwrap_or_default();
            view! {
                <select name="form[node_id]" on:change=move |ev| node.set(event_target_value(&ev))>
                    {list.into_iter().map(|n| {
                        let is = n.id.as_str() == current;
                        view! { <option value=n.id.to_string() selected=is>{n.name.clone()}</option> }
                    }).collect_view()}
                </select>
            }
        })
    };
    let (template, storage, bridge) = (
        form.ostemplate.clone(),
        form.rootfs_storage.clone(),
        form.bridge.clone(),
    );
    let node_dependent = move || {
        let (template, storage, bridge) = (template.clone(), storage.clone(), bridge.clone());
        Suspend::new(async move {
            match offerings.await {
                Ok(offered) => view! {
                    <Field label="OS template" field="ostemplate" error>
                        <select name="form[ostemplate]" required>
                            <option value="">"Choose…"</option>
                            {offered.templates.iter().map(|t| {
                                let label = t.rsplit('/').next().unwrap_or(t).to_owned();
                                view! { <option value=t.clone() selected=template == *t>{label}</option> }
                            }).collect_view()}
                        </select>
                    </Field>
                    <div class="row">
                        <Field label="Root disk storage" field="rootfs_storage" error>
                            <select name="form[rootfs_storage]" required>
                                {same_name_options(&offered.storages, &storage)}
                            </select>
                        </Field>
                        <Field label="Bridge" field="bridge" error>
                            <select name="form[bridge]" required>
                                {same_name_options(&offered.bridges, &bridge)}
                            </select>
                        </Field>
                    </div>
                }.into_any(),
                Err(error) => view! {
                    <p class="error" role="alert">{format!("Cannot read this node's templates and storages: {error}")}</p>
                }.into_any(),
            }
        })
    };
    let vmid_badge = move || {
        Suspend::new(async move {
            match vmid_state.await {
                Some(Ok(true)) => view! { <span class="ok-text" data-testid="vmid-state">"free"</span> }.into_any(),
                Some(Ok(false)) => view! { <span class="field-error" data-testid="vmid-state">"taken"</span> }.into_any(),
                // A malformed VMID: the field's own message says so already.
                Some(Err(AppError::Validation { .. })) | None => ().into_any(),
                Some(Err(error)) => view! { <span class="field-error" data-testid="vmid-state">{error.to_string()}</span> }.into_any(),
            }
        })
    };
    let from_template = form.template.as_ref().map(|t| {
        let name = t.name.clone();
        view! {
            <p class="muted" data-testid="from-template">
                "From template " <b>{name}</b> ": its sizes, features and tags are filled in."
            </p>
        }
    });
    view! {
        <h2>"Configure"</h2>
        {from_template}
        <div class="row">
            <Field label="Node" field="node_id" error>
                <Suspense fallback=|| view! { <span class="muted">"…"</span> }>{node_select}</Suspense>
            </Field>
            <button type="submit" name="go" value="stay" class="secondary" formnovalidate=true>
                "Load this node's choices"
            </button>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Reading the node…"</p> }>{node_dependent}</Suspense>
        <div class="row">
            <Field label="Hostname" field="hostname" error>
                <input name="form[hostname]" required value=form.hostname.clone() />
            </Field>
            <Field label="VMID" field="vmid" error>
                <input name="form[vmid]" inputmode="numeric" required value=form.vmid.clone()
                    on:input=move |ev| vmid.set(event_target_value(&ev)) />
                <Transition fallback=|| ()>{vmid_badge}</Transition>
            </Field>
        </div>
        <div class="row">
            <Field label="Cores" field="cores" error>
                <input name="form[cores]" inputmode="numeric" value=form.cores.clone() />
            </Field>
            <Field label="Memory (MiB)" field="memory" error>
                <input name="form[memory]" inputmode="numeric" value=form.memory.clone() />
            </Field>
            <Field label="Swap (MiB)" field="swap" error>
                <input name="form[swap]" inputmode="numeric" value=form.swap.clone() />
            </Field>
            <Field label="Root disk (GiB)" field="rootfs_size" error>
                <input name="form[rootfs_size]" inputmode="numeric" value=form.rootfs_size.clone() />
            </Field>
        </div>
        <fieldset>
            <legend>"IPv4"</legend>
            <label class="check"><input type="radio" name="form[ipv4_mode]" value="dhcp" checked=form.ipv4_mode != "static" />"DHCP"</label>
            <label class="check"><input type="radio" name="form[ipv4_mode]" value="static" checked=form.ipv4_mode == "static" />"Static"</label>
            <div class="row">
                <Field label="Address/prefix" field="ipv4" error>
                    <input name="form[ipv4]" placeholder="192.0.2.10/24" value=form.ipv4.clone() />
                </Field>
                <Field label="Gateway" field="gateway4" error>
                    <input name="form[gateway4]" placeholder="192.0.2.1" value=form.gateway4.clone() />
                </Field>
            </div>
        </fieldset>
        <fieldset>
            <legend>"IPv6"</legend>
            <select name="form[ipv6_mode]" aria-label="IPv6 mode">
                {[("none", "None"), ("auto", "SLAAC"), ("dhcp", "DHCPv6"), ("static", "Static")].into_iter().map(|(v, l)| view! {
                    <option value=v selected=form.ipv6_mode == v>{l}</option>
                }).collect_view()}
            </select>
            <div class="row">
                <Field label="Address/prefix" field="ipv6" error>
                    <input name="form[ipv6]" placeholder="2001:db8::10/64" value=form.ipv6.clone() />
                </Field>
                <Field label="Gateway" field="gateway6" error>
                    <input name="form[gateway6]" value=form.gateway6.clone() />
                </Field>
            </div>
        </fieldset>
        <div class="row">
            <Field label="DNS servers" field="nameservers" error>
                <input name="form[nameservers]" placeholder="blank: the node's" value=form.nameservers.clone() />
            </Field>
            <Field label="Search domain" field="searchdomain" error>
                <input name="form[searchdomain]" value=form.searchdomain.clone() />
            </Field>
        </div>
        <div class="row checks">
            {checkbox("unprivileged", "Unprivileged", &form.unprivileged)}
            {checkbox("nesting", "Nesting", &form.nesting)}
            {checkbox("keyctl", "keyctl", &form.keyctl)}
            {checkbox("fuse", "FUSE", &form.fuse)}
        </div>
        <Field label="Tags" field="tags" error>
            <input name="form[tags]" placeholder="web, prod" value=form.tags.clone() />
        </Field>
        <Field label="SSH public keys for root (one per line)" field="ssh_keys" error>
            <textarea name="form[ssh_keys]" rows="3" placeholder="ssh-ed25519 AAAA… you@laptop">{form.ssh_keys.clone()}</textarea>
        </Field>
        <p class="muted">"No root password to type: Corral generates one and shows it once when the container is ready."</p>
    }
}
