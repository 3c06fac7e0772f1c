//! `/containers/{node id}/{vmid}`: one container — overview, configuration, addresses,
//! actions and its events.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use model::audit::AuditOutcome;
use model::container::ContainerDetail;
use model::ids::{NodeId, Vmid};

use crate::api::containers::{DeleteContainer, Power, get_container};
use crate::components::{
    FieldError, FormError, LifecycleButtons, LifecycleTarget, LoadFailed, Notice, action_error,
    lifecycle_submit, live_marker,
};
use crate::pages::dashboard::bytes;
use crate::pages::{ServicesSection, load_named, route_param};
use crate::system::{human_duration, short_utc};

/// The container page.
#[component]
pub fn ContainerPage() -> impl IntoView {
    let params = use_params_map();
    let node_id = move || route_param::<NodeId>(params, "node");
    let vmid = move || route_param::<Vmid>(params, "vmid");
    let power = ServerAction::<Power>::new();
    let delete = ServerAction::<DeleteContainer>::new();
    let detail = Resource::new(
        move || {
            (
                node_id(),
                vmid(),
                power.version().get(),
                delete.version().get(),
            )
        },
        |(node, vmid, _, _)| {
            load_named(node.zip(vmid), async |(node, vmid)| {
                get_container(node, vmid).await
            })
        },
    );
    let error = Signal::derive(move || {
        action_error(power.value().get()).or_else(|| action_error(delete.value().get()))
    });
    let done = move || power.value().get().and_then(Result::ok);
    view! {
        <Title text="Container" />
        {move || done().map(|message| view! { <Notice>{message}</Notice> })}
        <FormError error />
        <FieldError error field="confirm" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <Detail detail power delete /> }.into_any(),
                    Err(error) => view! {
                        <LoadFailed
                            error
                            what="container"
                            explanation="It does not exist (any more), or its node is not yours."
                            back=("/", "Back to the dashboard")
                        />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(
    detail: ContainerDetail,
    power: ServerAction<Power>,
    delete: ServerAction<DeleteContainer>,
) -> impl IntoView {
    let title = detail
        .hostname
        .clone()
        .unwrap_or_else(|| format!("CT {}", detail.vmid));
    let lifecycle = LifecycleTarget {
        node_id: detail.node_id.clone(),
        vmid: detail.vmid,
        confirm_name: detail
            .hostname
            .clone()
            .unwrap_or_else(|| detail.vmid.to_string()),
        running: detail.status.is_running(),
    };
    let status_class = if detail.status.is_running() {
        "badge ok"
    } else {
        "badge"
    };
    let optional = |value: Option<String>| value.unwrap_or_else(|| "—".into());
    let networks = detail
        .networks
        .iter()
        .map(|net| {
            view! {
                <tr>
                    <td class="mono">{net.key.clone()}</td>
                    <td class="mono">{net.name.clone()}</td>
                    <td class="mono">{optional(net.bridge.clone())}</td>
                    <td class="mono">{optional(net.ip.clone())}</td>
                    <td class="mono">{optional(net.gw.clone())}</td>
                    <td class="mono">{optional(net.ip6.clone())}</td>
                    <td class="mono">{optional(net.hwaddr.clone())}</td>
                    <td>{net.vlan.map_or("—".to_owned(), |v| v.to_string())}</td>
                    <td>{if net.firewall { "on" } else { "off" }}</td>
                </tr>
            }
        })
        .collect_view();
    let events = detail
        .events
        .iter()
        .map(|e| {
            let class = if e.outcome == AuditOutcome::Ok {
                "badge ok"
            } else {
                "badge bad"
            };
            view! {
                <tr>
                    <td class="mono">{short_utc(&e.at)}</td>
                    <td>{e.actor.clone()}</td>
                    <td class="mono">{e.action.as_str()}</td>
                    <td><span class=class>{e.outcome.as_str()}</span></td>
                    <td><pre class="log">{e.detail.clone().unwrap_or_default()}</pre></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="page-head">
            <h1>{title} " " <span class="muted mono">{format!("CT {}", detail.vmid)}</span></h1>
            <div class="row-actions" data-testid="actions" data-live=live_marker() on:submit=lifecycle_submit(power, delete)><LifecycleButtons target=lifecycle /></div>
        </div>
        <div class="cards">
            <section class="card" data-testid="overview">
                <h2>"Overview"</h2>
                <dl class="facts">
                    <dt>"Status"</dt><dd><span class=status_class>{detail.status.as_str()}</span></dd>
                    <dt>"Node"</dt><dd><a href=format!("/settings/nodes/{}", detail.node_id)>{detail.node_name.clone()}</a> " " <span class="mono muted">{detail.pve_node.clone()}</span></dd>
                    <dt>"Uptime"</dt><dd>{if detail.uptime == 0 { "—".to_owned() } else { human_duration(detail.uptime) }}</dd>
                    <dt>"CPU"</dt><dd>{format!("{:.1} %", detail.cpu * 100.0)}</dd>
                    <dt>"Memory"</dt><dd>{format!("{} / {}", bytes(detail.mem), bytes(detail.maxmem))}</dd>
                    <dt>"Disk"</dt><dd>{format!("{} / {}", bytes(detail.disk), bytes(detail.maxdisk))}</dd>
                    <dt>"Addresses"</dt>
                    <dd class="mono" data-testid="addresses">
                        {if detail.addresses.is_empty() { "—".to_owned() } else { detail.addresses.join(", ") }}
                    </dd>
                </dl>
            </section>
            <section class="card" data-testid="configuration">
                <h2>"Configuration"</h2>
                <dl class="facts">
                    <dt>"Hostname"</dt><dd class="mono">{optional(detail.hostname.clone())}</dd>
                    <dt>"OS type"</dt><dd>{optional(detail.ostype.clone())}</dd>
                    <dt>"Cores"</dt><dd>{detail.cores.map_or("—".to_owned(), |c| c.to_string())}</dd>
                    <dt>"Memory / swap"</dt><dd>{format!("{} MiB / {} MiB", detail.memory_mib.unwrap_or(0), detail.swap_mib.unwrap_or(0))}</dd>
                    <dt>"Root disk"</dt><dd class="mono">{format!("{} {}", optional(detail.rootfs.clone()), detail.rootfs_size.clone().unwrap_or_default())}</dd>
                    <dt>"Unprivileged"</dt><dd>{if detail.unprivileged { "yes" } else { "no" }}</dd>
                    <dt>"Features"</dt><dd>{if detail.features.is_empty() { "—".to_owned() } else { detail.features.join(", ") }}</dd>
                    <dt>"Start at boot"</dt><dd>{if detail.onboot { "yes" } else { "no" }}</dd>
                    <dt>"Tags"</dt><dd>{detail.tags.join(", ")}</dd>
                </dl>
            </section>
        </div>
        <section class="card">
            <h2>"Network"</h2>
            <table class="grid" data-testid="networks">
                <thead><tr><th>"Key"</th><th>"Name"</th><th>"Bridge"</th><th>"IPv4"</th><th>"Gateway"</th><th>"IPv6"</th><th>"MAC"</th><th>"VLAN"</th><th>"Firewall"</th></tr></thead>
                <tbody>{networks}</tbody>
            </table>
        </section>
        <ServicesSection node_id=detail.node_id.clone() vmid=detail.vmid />
        <section class="card">
            <h2>"Events"</h2>
            {if detail.events.is_empty() {
                view! { <p class="muted">"No actions recorded for this container yet."</p> }.into_any()
            } else {
                view! {
                    <table class="grid" data-testid="events">
                        <thead><tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Outcome"</th><th>"Proxmox"</th></tr></thead>
                        <tbody>{events}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
