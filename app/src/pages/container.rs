//! `/containers/{node id}/{vmid}`: one container — overview (status, uptime, CPU and
//! memory kept current while the tab is visible), configuration, addresses, services,
//! actions and its events.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use model::audit::AuditOutcome;
use model::container::ContainerDetail;
use model::ids::{NodeId, Vmid};

use crate::api::containers::{
    DeleteContainer, EditContainer, GrowDisk, Power, container_live, get_container,
};
use crate::components::{
    FieldError, FormError, LifecycleButtons, LifecycleTarget, LoadFailed, Notice, action_error,
    latest_outcome, lifecycle_submit, live_marker, outcome_of,
};
use crate::pages::dashboard::bytes;
use crate::pages::{
    BackupsSection, HistorySection, ResourcesSection, ServicesSection, SnapshotsSection, Subject,
    load_named, route_param,
};
use crate::system::{human_duration, short_utc};

/// The container page.
#[component]
pub fn ContainerPage() -> impl IntoView {
    let params = use_params_map();
    let node_id = move || route_param::<NodeId>(params, "node");
    let vmid = move || route_param::<Vmid>(params, "vmid");
    let power = ServerAction::<Power>::new();
    let delete = ServerAction::<DeleteContainer>::new();
    let edit = ServerAction::<EditContainer>::new();
    let grow = ServerAction::<GrowDisk>::new();
    let reloaded = RwSignal::new(0_u32);
    let detail = crate::resource::new(
        move || {
            (
                node_id(),
                vmid(),
                power.version().get(),
                delete.version().get(),
                edit.version().get(),
                grow.version().get(),
                reloaded.get(),
            )
        },
        |(node, vmid, ..)| {
            load_named(node.zip(vmid), async |(node, vmid)| {
                get_container(node, vmid).await
            })
        },
    );
    let latest = latest_outcome([outcome_of(power), outcome_of(edit), outcome_of(grow)]);
    let error = Signal::derive(move || {
        action_error(latest.get()).or_else(|| action_error(delete.value().get()))
    });
    let done = move || latest.get().and_then(Result::ok);
    view! {
        <Title text="Container" />
        {move || done().map(|message| view! { <Notice>{message}</Notice> })}
        <FormError error />
        <FieldError error field="confirm" />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <Detail detail power delete edit grow reloaded /> }.into_any(),
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

/// How often an open, visible container page asks for its figures.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const LIVE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// The figures that change while one looks at a container.
#[derive(Debug, Clone, PartialEq)]
struct Figures {
    running: bool,
    status: &'static str,
    uptime: u64,
    cpu: f64,
    mem: u64,
    maxmem: u64,
    /// Why the last refresh failed, if it did.
    stale: Option<String>,
}

/// Status, uptime, CPU and memory, asked again every [`LIVE_INTERVAL`] while the tab is
/// visible (hydrated only; the server's answer comes from the dashboard's short per-node
/// cache, so open pages cost one Proxmox request per node per interval). A change of
/// status reloads the page's data (its actions depend on it).
#[component]
fn LiveFigures(
    node_id: NodeId,
    vmid: Vmid,
    figures: Figures,
    reloaded: RwSignal<u32>,
) -> impl IntoView {
    let figures = RwSignal::new(figures);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let node_id = node_id.clone();
        let poll = move || {
            if document().visibility_state() != web_sys::VisibilityState::Visible {
                return;
            }
            let node_id = node_id.clone();
            leptos::task::spawn_local(async move {
                match container_live(node_id, vmid).await {
                    Ok(Some(row)) => {
                        let was_running = figures.get_untracked().running;
                        figures.set(Figures {
                            running: row.status.is_running(),
                            status: row.status.as_str(),
                            uptime: row.uptime,
                            cpu: row.cpu,
                            mem: row.mem,
                            maxmem: row.maxmem,
                            stale: None,
                        });
                        if was_running != row.status.is_running() {
                            reloaded.update(|n| *n += 1);
                        }
                    }
                    Ok(None) => {
                        figures.update(|f| f.stale = Some("its node no longer lists it".into()))
                    }
                    Err(error) => figures.update(|f| f.stale = Some(error.to_string())),
                }
            });
        };
        if let Ok(handle) = set_interval_with_handle(poll, LIVE_INTERVAL) {
            on_cleanup(move || handle.clear());
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (node_id, vmid, reloaded, container_live);
    let status_class = move || {
        if figures.get().running {
            "badge ok"
        } else {
            "badge"
        }
    };
    view! {
        <dt>"Status"</dt>
        <dd data-testid="live-status">
            <span class=status_class>{move || figures.get().status}</span>
            {move || figures.get().stale.map(|why| view! { " " <span class="muted" title=why>"(not current)"</span> })}
        </dd>
        <dt>"Uptime"</dt>
        <dd data-testid="live-uptime">{move || { let f = figures.get(); if f.uptime == 0 { "—".to_owned() } else { human_duration(f.uptime) } }}</dd>
        <dt>"CPU"</dt><dd data-testid="live-cpu">{move || format!("{:.1} %", figures.get().cpu * 100.0)}</dd>
        <dt>"Memory"</dt><dd data-testid="live-memory">{move || { let f = figures.get(); format!("{} / {}", bytes(f.mem), bytes(f.maxmem)) }}</dd>
    }
}

#[component]
fn Detail(
    detail: ContainerDetail,
    power: ServerAction<Power>,
    delete: ServerAction<DeleteContainer>,
    edit: ServerAction<EditContainer>,
    grow: ServerAction<GrowDisk>,
    reloaded: RwSignal<u32>,
) -> impl IntoView {
    let title = detail
        .hostname
        .clone()
        .unwrap_or_else(|| format!("CT {}", detail.vmid));
    let lifecycle_name = detail
        .hostname
        .clone()
        .unwrap_or_else(|| detail.vmid.to_string());
    let lifecycle = LifecycleTarget {
        node_id: detail.node_id.clone(),
        vmid: detail.vmid,
        confirm_name: detail
            .hostname
            .clone()
            .unwrap_or_else(|| detail.vmid.to_string()),
        running: detail.status.is_running(),
    };
    let figures = Figures {
        running: detail.status.is_running(),
        status: detail.status.as_str(),
        uptime: detail.uptime,
        cpu: detail.cpu,
        mem: detail.mem,
        maxmem: detail.maxmem,
        stale: None,
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
                    <LiveFigures node_id=detail.node_id.clone() vmid=detail.vmid figures reloaded />
                    <dt>"Node"</dt><dd><a href=format!("/settings/nodes/{}", detail.node_id)>{detail.node_name.clone()}</a> " " <span class="mono muted">{detail.pve_node.clone()}</span></dd>
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
                    <dt>"Created by"</dt>
                    <dd data-testid="created-by">
                        {match &detail.created_by {
                            Some(job) => view! { <a href=format!("/jobs/{job}")>"its creation job"</a> }.into_any(),
                            None => view! { <span class="muted">"not made by Corral"</span> }.into_any(),
                        }}
                    </dd>
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
        <ServicesSection node_id=detail.node_id.clone() vmid=detail.vmid running=detail.status.is_running() />
        <ResourcesSection detail=detail.clone() edit grow />
        <SnapshotsSection node_id=detail.node_id.clone() vmid=detail.vmid />
        <BackupsSection node_id=detail.node_id.clone() vmid=detail.vmid name=lifecycle_name.clone() />
        <HistorySection
            subject=Subject::Container(detail.node_id.clone(), detail.vmid)
            path=format!("/containers/{}/{}", detail.node_id, detail.vmid)
        />
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
