//! A container's Services section (on its page) and the page that shows one service's
//! credentials (`/containers/{node id}/{vmid}/credentials/{service}`): what discovery
//! found, when, Refresh, Open buttons for web UIs, links to each service's logs, and
//! credentials only on request (every showing is audited, and nothing keeps them: a
//! reload asks the server again).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use model::ids::{NodeId, Vmid};
use model::service::{Discovery, Service, ServiceKind, ServiceStatus, WebLink};

use crate::api::services::{RefreshServices, get_services, service_credentials};
use crate::components::{CopyButton, FormError, LoadFailed, action_error};
use crate::pages::{load_named, route_param};
use crate::system::{Ago, short_utc};

/// Where a container's (or one service's) logs are.
pub(crate) fn logs_href(node_id: &NodeId, vmid: Vmid, unit: Option<&str>) -> String {
    match unit {
        Some(unit) => format!("/containers/{node_id}/{vmid}/logs?unit={unit}"),
        None => format!("/containers/{node_id}/{vmid}/logs"),
    }
}

/// The Services section of a container's page; `running` tells whether what it shows
/// can be opened now.
#[component]
pub fn ServicesSection(node_id: NodeId, vmid: Vmid, running: bool) -> impl IntoView {
    let refresh = ServerAction::<RefreshServices>::new();
    let error = Signal::derive(move || action_error(refresh.value().get()));
    let (node, ct) = (node_id.clone(), vmid);
    let found = crate::resource::new(
        move || refresh.version().get(),
        move |_| get_services(node.clone(), ct),
    );
    let node_text = node_id.to_string();
    let vmid_text = vmid.to_string();
    let all_logs = logs_href(&node_id, vmid, None);
    view! {
        <section class="card" id="services" data-testid="services">
            <div class="row">
                <h2>"Services"</h2>
                <ActionForm action=refresh attr:class="inline">
                    <input type="hidden" name="node_id" value=node_text />
                    <input type="hidden" name="vmid" value=vmid_text />
                    <button type="submit" disabled=move || refresh.pending().get()>
                        {move || if refresh.pending().get() { "Refreshing…" } else { "Refresh" }}
                    </button>
                </ActionForm>
                <a class="button secondary" href=all_logs>"Container log"</a>
            </div>
            {move || refresh.pending().get().then(|| view! {
                <p class="muted" role="status">"Reading what runs in the container and probing its web ports (a few seconds)…"</p>
            })}
            <FormError error />
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    let node_id = node_id.clone();
                    Suspend::new(async move {
                        match found.await {
                            Ok(Some(discovery)) => view! { <Found discovery node_id vmid running /> }.into_any(),
                            Ok(None) => view! {
                                <p class="muted">"Not looked at yet: Refresh reads what runs in the container."</p>
                            }.into_any(),
                            Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn Found(discovery: Discovery, node_id: NodeId, vmid: Vmid, running: bool) -> impl IntoView {
    let (system, own): (Vec<Service>, Vec<Service>) =
        discovery.services.into_iter().partition(|s| s.is_system);
    let rows = |services: Vec<Service>| {
        services
            .into_iter()
            .map(|service| view! { <ServiceRow service node_id=node_id.clone() vmid running /> })
            .collect_view()
    };
    let table = |services: Vec<Service>| {
        view! {
            <table class="grid">
                <thead><tr><th>"Service"</th><th>"Kind"</th><th>"Status"</th><th>"Ports"</th><th>"Web"</th><th>"Runs"</th><th></th></tr></thead>
                <tbody>{rows(services)}</tbody>
            </table>
        }
    };
    let system_count = system.len();
    let duration_ms = discovery.duration_ms;
    let address = discovery.address.clone();
    let checked = (!discovery.discovered_at.is_empty()).then(|| {
        view! {
            "Last checked " <Ago timestamp=discovery.discovered_at.clone() />
            {format!(" ({duration_ms} ms)")}
            {address.map(|a| format!(", web ports probed on {a}"))}
            "."
        }
    });
    let stopped = (!running).then(|| {
        view! {
            <p class="notice" data-testid="services-stopped">
                "The container is stopped: these are the services found when it last ran."
            </p>
        }
    });
    let failed = discovery.last_error.map(|error| {
        let at = discovery
            .failed_at
            .as_deref()
            .map(short_utc)
            .unwrap_or_default();
        view! {
            <p class="error" role="alert" data-testid="services-error">
                {format!("The last attempt ({at}) failed: {error}. Shown: the result before.")}
            </p>
        }
    });
    let notes = discovery
        .notes
        .into_iter()
        .map(|note| view! { <li>{note}</li> })
        .collect_view();
    view! {
        <p class="muted" data-testid="services-checked">{checked}</p>
        {stopped}
        {failed}
        {if own.is_empty() {
            view! { <p class="muted">"No services of its own."</p> }.into_any()
        } else {
            table(own).into_any()
        }}
        {(system_count > 0).then(|| view! {
            <details>
                <summary>{format!("{system_count} system services")}</summary>
                {table(system)}
            </details>
        })}
        <ul class="muted">{notes}</ul>
    }
}

/// An Open button for a web UI (a new tab), marked when its certificate signs itself.
#[component]
pub(crate) fn OpenLink(link: WebLink, label: String) -> impl IntoView {
    let title = format!(
        "{} ({})",
        link.url,
        if link.secure { "HTTPS" } else { "HTTP" }
    );
    view! {
        <a class="button secondary" href=link.url.clone() target="_blank" rel="noopener noreferrer" title=title data-testid="open">
            {label}
        </a>
        {link.self_signed.then(|| view! {
            " " <span class="badge warn" title="The browser will warn: the certificate is issued by the service itself">"self-signed"</span>
        })}
    }
}

#[component]
fn ServiceRow(service: Service, node_id: NodeId, vmid: Vmid, running: bool) -> impl IntoView {
    let kind = match service.kind {
        ServiceKind::Systemd => "systemd",
        ServiceKind::Openrc => "OpenRC",
        ServiceKind::Docker => "Docker",
        ServiceKind::Process => "process",
    };
    let (class, status) = match service.status {
        ServiceStatus::Running => ("badge ok", "running"),
        ServiceStatus::Stopped => ("badge", "stopped"),
        ServiceStatus::Unknown => ("badge", "unknown"),
    };
    let ports = service
        .ports
        .iter()
        .map(|p| {
            if p.local {
                format!("{} (local)", p.port)
            } else {
                p.port.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let credentials = service.has_credentials.then(|| {
        let href = format!("/containers/{node_id}/{vmid}/credentials/{}", service.name);
        view! { <a href=href>"Show credentials"</a> }
    });
    let logs = matches!(service.kind, ServiceKind::Systemd | ServiceKind::Openrc).then(|| {
        view! { <a href=logs_href(&node_id, vmid, Some(&service.name))>"Logs"</a> }
    });
    let web = if !running || service.status != ServiceStatus::Running {
        None
    } else {
        Some(
            service
                .web
                .iter()
                .map(|link| {
                    let label = match &link.title {
                        Some(title) => format!("Open {title}"),
                        None => format!("Open :{}", link.port),
                    };
                    view! { <OpenLink link=link.clone() label /> " " }
                })
                .collect_view(),
        )
    };
    view! {
        <tr data-service=service.name.clone()>
            <td>{service.name.clone()}</td>
            <td>{kind}</td>
            <td><span class=class>{status}</span></td>
            <td class="mono">{ports}</td>
            <td data-testid="web">{web}</td>
            <td class="muted">{service.detail.clone()}</td>
            <td><div class="row-actions">{logs} {credentials}</div></td>
        </tr>
    }
}

/// `/containers/{node id}/{vmid}/credentials/{service}`: one service's credentials,
/// opened on the server for this page view (audited), never cached.
#[component]
pub fn CredentialsPage() -> impl IntoView {
    let params = use_params_map();
    let node_id = move || route_param::<NodeId>(params, "node");
    let vmid = move || route_param::<Vmid>(params, "vmid");
    let service = move || params.read().get("service").unwrap_or_default();
    let pairs = crate::resource::new(
        move || (node_id(), vmid(), service()),
        |(node, vmid, service)| {
            load_named(node.zip(vmid), async move |(node, vmid)| {
                service_credentials(node, vmid, service).await
            })
        },
    );
    let back = move || match (node_id(), vmid()) {
        (Some(node), Some(vmid)) => format!("/containers/{node}/{vmid}#services"),
        _ => "/".to_owned(),
    };
    view! {
        <Title text="Credentials" />
        <div class="page-head">
            <h1>"Credentials of " {service}</h1>
            <a href=back>"Back to the container"</a>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Opening…"</p> }>
            {move || Suspend::new(async move {
                match pairs.await {
                    Ok(pairs) => {
                        let rows = pairs
                            .into_iter()
                            .map(|(key, value)| view! {
                                <dt>{key}</dt>
                                <dd><span class="mono secret">{value.clone()}</span> " " <CopyButton value /></dd>
                            })
                            .collect_view();
                        view! {
                            <section class="card">
                                <p class="muted">"Shown for this page view only (it was recorded in the audit log); they are not kept in the page."</p>
                                <dl class="facts" data-testid="credentials">{rows}</dl>
                            </section>
                        }.into_any()
                    }
                    Err(error) => view! {
                        <LoadFailed
                            error
                            what="service credentials"
                            explanation="Discovery has not found credentials for this service, or the container is not yours."
                            back=("/", "Back to the dashboard")
                        />
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
