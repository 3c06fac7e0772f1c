//! `/`: every container on every node, with each node's health. Search (`?q=`), sort
//! (`?sort=`) and page (`?page=`, 50 rows each; search, sort and counts cover the whole
//! fleet) live in the URL and work without JavaScript; once hydrated, the server
//! pushes a note when the user's dashboard changed (`/api/dashboard/events`) and the
//! page asks for its rows again; while that stream is down it asks every 10 s instead
//! (only while the tab is visible either way).

use std::time::Duration;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use model::inventory::{BackupAge, ContainerRow, Dashboard, NodeHealth, Paging, SortKey};
use model::service::ServiceLink;

use crate::api::containers::{DeleteContainer, Power, SetTags};
use crate::api::inventory::fetch_dashboard;
use crate::components::{
    FieldError, FormError, LifecycleButtons, LifecycleTarget, Notice, action_error,
    dispatch_submit, latest_outcome, lifecycle_submit, outcome_of,
};
use crate::system::human_duration;

/// How often the hydrated page asks again while the push stream is down.
const REFRESH: Duration = Duration::from_secs(10);

/// The dashboard.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let sort = move || query.read().get("sort").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .map_or(1, |text| Paging::parse_page(&text))
    };
    let tick = RwSignal::new(0_u64);
    let since = RwSignal::new(0_u64);
    let live = Live {
        streaming: RwSignal::new(false),
        stale: RwSignal::new(false),
    };
    let power = ServerAction::<Power>::new();
    let delete = ServerAction::<DeleteContainer>::new();
    let tags = ServerAction::<SetTags>::new();
    let changes = move || {
        (
            tick.get(),
            power.version().get(),
            delete.version().get(),
            tags.version().get(),
        )
    };
    let data = crate::resource::new(
        move || (search(), sort(), page(), changes()),
        |(q, s, p, _)| fetch_dashboard(q, s, p),
    );
    // The outcome of whichever action ended last (browser; without JavaScript the page
    // reloads and an error comes back through the URL).
    let last = latest_outcome([outcome_of(power), outcome_of(delete), outcome_of(tags)]);
    let error = Signal::derive(move || action_error(last.get()));
    let done = move || last.get().and_then(Result::ok);

    // Browser only: count seconds since the data; refresh when a push said so (once the
    // tab is visible), or every 10 s while the push stream is down.
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                since.update(|s| *s += 1);
                let polling =
                    !live.streaming.get_untracked() && since.get_untracked() >= REFRESH.as_secs();
                if (live.stale.get_untracked() || polling) && !tab_hidden() {
                    live.stale.set(false);
                    since.set(0);
                    tick.update(|t| *t += 1);
                }
            },
            Duration::from_secs(1),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });
    follow_pushes(live, tick, since);

    view! {
        <Title text="Dashboard" />
        <div class="page-head">
            <h1>"Dashboard"</h1>
            <a class="button primary" href="/containers/new">"New container"</a>
            <span class="muted" data-testid="updated" data-push=move || if live.streaming.get() { "on" } else { "off" }>
                {move || match since.get() {
                    0 => "updated just now".to_owned(),
                    s => format!("updated {s} s ago"),
                }}
                // Pushed: nothing has changed since then (the server looks every 3 s).
                {move || live.streaming.get().then_some(" · live")}
            </span>
        </div>
        {move || done().map(|message| view! { <Notice>{message}</Notice> })}
        <FormError error />
        <FieldError error field="confirm" />
        <form method="get" action="/" class="search">
            <input
                name="q"
                type="search"
                value=search
                placeholder="Search: status:running node:pve1 tag:web svc:nginx backup:>7d words"
                aria-label="Search containers"
            />
            <input type="hidden" name="sort" value=sort />
            <button type="submit">"Search"</button>
        </form>
        // Rows' tag forms are dispatched here (the table's own listener takes power and delete).
        <div on:submit=dispatch_submit(tags)>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(dashboard) => view! { <Overview dashboard search=search() sort=sort() power delete /> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// The push stream's state, as the page sees it.
#[derive(Clone, Copy)]
struct Live {
    /// The stream is open: no need to poll.
    streaming: RwSignal<bool>,
    /// A change was pushed while the tab was hidden: refresh when it shows again.
    stale: RwSignal<bool>,
}

/// Browser only: opens the push stream; a `changed` event refreshes the rows at once (or
/// once the tab is visible). The browser reconnects a broken stream by itself; meanwhile
/// the page polls.
fn follow_pushes(live: Live, tick: RwSignal<u64>, since: RwSignal<u64>) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let Ok(source) = web_sys::EventSource::new("/api/dashboard/events") else {
            return;
        };
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            live.streaming.set(true);
        });
        let on_changed = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| {
            if tab_hidden() {
                live.stale.set(true);
            } else {
                since.set(0);
                tick.update(|t| *t += 1);
            }
        });
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            live.streaming.set(false);
        });
        let _ = source.add_event_listener_with_callback("open", on_open.as_ref().unchecked_ref());
        let _ =
            source.add_event_listener_with_callback("changed", on_changed.as_ref().unchecked_ref());
        let _ = source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
        on_open.forget();
        on_changed.forget();
        on_error.forget();
        let closing = send_wrapper::SendWrapper::new(source);
        on_cleanup(move || closing.close());
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (live, tick, since);
}

/// Whether the browser tab is in the background (never on the server).
fn tab_hidden() -> bool {
    let document = js_sys::Reflect::get(&js_sys::global(), &"document".into()).ok();
    document
        .and_then(|d| js_sys::Reflect::get(&d, &"hidden".into()).ok())
        .and_then(|hidden| hidden.as_bool())
        .unwrap_or(false)
}

#[component]
fn Overview(
    dashboard: Dashboard,
    search: String,
    sort: String,
    power: ServerAction<Power>,
    delete: ServerAction<DeleteContainer>,
) -> impl IntoView {
    let failing: Vec<_> = dashboard
        .nodes
        .iter()
        .filter(|n| n.health != NodeHealth::Ok)
        .cloned()
        .collect();
    let nodes_ok = dashboard.nodes.len() - failing.len();
    if dashboard.nodes.is_empty() {
        return view! {
            <section class="card empty-state" data-testid="no-nodes">
                <h2>"No nodes yet"</h2>
                <p>"Add a Proxmox VE node in Settings; its containers appear here."</p>
                <a class="button primary" href="/settings/nodes">"Add a node"</a>
            </section>
        }
        .into_any();
    }
    let banners = failing
        .into_iter()
        .map(|node| {
            view! {
                <p class="banner" role="alert" data-testid="node-failure">
                    <a href=format!("/settings/nodes/{}", node.node_id)>{node.node_name}</a>
                    ": " <b>{node.health.describe()}</b>
                    {node.message.map(|m| format!(" — {m}"))}
                </p>
            }
        })
        .collect_view();
    let summary = view! {
        <dl class="summary" data-testid="summary">
            <div><dt>"Containers"</dt><dd>{dashboard.total}</dd></div>
            <div><dt>"Running"</dt><dd>{dashboard.running}</dd></div>
            <div><dt>"Stopped"</dt><dd>{dashboard.stopped}</dd></div>
            <div><dt>"Nodes ok"</dt><dd>{format!("{nodes_ok} / {}", dashboard.nodes.len())}</dd></div>
        </dl>
    };
    // Containers whose backups are still being read match no `backup:` search yet.
    let reading = dashboard.backup_ages_reading;
    let backups_unknown = (reading > 0 && dashboard.backup_search).then(|| {
        let nodes = if reading == 1 { "1 node".to_owned() } else { format!("{reading} nodes") };
        view! {
            <p class="muted" role="status" data-testid="backup-ages-reading">
                {format!("Backups are still being read on {nodes}; their containers join this search once they are known.")}
            </p>
        }
    });
    let table = if dashboard.containers.is_empty() {
        let text = if dashboard.total == 0 {
            "No containers on your nodes yet."
        } else {
            "Nothing matches this search."
        };
        view! { <section class="card empty-state"><p>{text}</p></section> }.into_any()
    } else {
        let paging = dashboard.paging;
        let pager = |place: &'static str| {
            view! { <Pager paging total=dashboard.total search=search.clone() sort=sort.clone() place /> }
        };
        view! {
            {pager("above")}
            <ContainerTable rows=dashboard.containers search=search.clone() sort=sort.clone() power delete />
            {(paging.pages > 1).then(|| pager("below"))}
        }
        .into_any()
    };
    let jobs =
        (!dashboard.jobs.is_empty()).then(|| view! { <ActiveJobs jobs=dashboard.jobs.clone() /> });
    view! {
        {banners}
        {summary}
        {jobs}
        {backups_unknown}
        {table}
    }
    .into_any()
}

/// Containers being created, with their progress.
#[component]
fn ActiveJobs(jobs: Vec<model::job::JobView>) -> impl IntoView {
    let rows = jobs
        .into_iter()
        .map(|job| {
            view! {
                <tr>
                    <td><a href=format!("/jobs/{}", job.id)>{format!("CT {} ({})", job.vmid, job.hostname)}</a></td>
                    <td>{job.node_name.clone()}</td>
                    <td>{job.phase.title()}</td>
                    <td><progress max="100" value=job.percent></progress>" " {format!("{} %", job.percent)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" data-testid="active-jobs">
            <h2>"Being created"</h2>
            <table class="grid"><tbody>{rows}</tbody></table>
        </section>
    }
}

/// `12.5 GiB`, `512 MiB`.
pub fn bytes(value: u64) -> String {
    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
    let value = value as f64;
    if value >= GIB {
        format!("{:.1} GiB", value / GIB)
    } else {
        format!("{:.0} MiB", value / 1024.0 / 1024.0)
    }
}

#[component]
fn ContainerTable(
    rows: Vec<ContainerRow>,
    search: String,
    sort: String,
    power: ServerAction<Power>,
    delete: ServerAction<DeleteContainer>,
) -> impl IntoView {
    let (current, descending) = SortKey::parse(&sort);
    let header = |key: SortKey, word: &'static str, label: &'static str| {
        let next = if key == current && !descending {
            format!("-{word}")
        } else {
            word.to_owned()
        };
        let href = dashboard_href(&search, &next, 1);
        let marker = match (key == current, descending) {
            (true, false) => " ▲",
            (true, true) => " ▼",
            _ => "",
        };
        view! { <th><a href=href>{label}{marker}</a></th> }
    };
    let body = rows
        .into_iter()
        .map(|row| {
            let tags_cell = view! { <TagsCell row=row.clone() /> };
            // A week without a backup is worth noticing.
            let (backup, backup_class) = match row.backup_age {
                BackupAge::Reading => ("reading…".to_owned(), "muted"),
                BackupAge::Never => ("never".to_owned(), "stale"),
                BackupAge::Seconds(age) if age > 7 * 86_400 => (crate::system::ago(age), "stale"),
                BackupAge::Seconds(age) => (crate::system::ago(age), ""),
            };
            let name = row.name.clone().unwrap_or_else(|| format!("CT {}", row.vmid));
            let status_class = if row.status.is_running() { "badge ok" } else { "badge" };
            let address = match row.addresses.as_slice() {
                [] => "—".to_owned(),
                [one] => one.clone(),
                [first, rest @ ..] => format!("{first} +{}", rest.len()),
            };
            let all_addresses = row.addresses.join(", ");
            view! {
                <tr data-vmid=row.vmid.get()>
                    <td><a href=format!("/containers/{}/{}", row.node_id, row.vmid)>{name}</a></td>
                    <td class="num mono">{row.vmid.get()}</td>
                    <td>{row.node_name.clone()}</td>
                    <td>
                        <span class=status_class>{row.status.as_str()}</span>
                        {row.lock.clone().map(|l| view! { " " <span class="badge warn">{l}</span> })}
                    </td>
                    <td class="mono" data-testid="ip" title=all_addresses>{address}</td>
                    <td class="num">{format!("{:.1} %", row.cpu * 100.0)}</td>
                    <td class="num">{format!("{} / {}", bytes(row.mem), bytes(row.maxmem))}</td>
                    <td class="num">{format!("{} / {}", bytes(row.disk), bytes(row.maxdisk))}</td>
                    <td>{if row.uptime == 0 { "—".to_owned() } else { human_duration(row.uptime) }}</td>
                    <td data-testid="services">{services_cell(&row)}</td>
                    <td data-testid="backup" class=backup_class>{backup}</td>
                    <td data-testid="tags">{tags_cell}</td>
                    <td><div class="row-actions"><LifecycleButtons target=lifecycle_target(&row) /></div></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
        <table class="grid" data-testid="containers" on:submit=lifecycle_submit(power, delete)>
            <thead>
                <tr>
                    {header(SortKey::Name, "name", "Name")}
                    {header(SortKey::Vmid, "vmid", "VMID")}
                    {header(SortKey::Node, "node", "Node")}
                    {header(SortKey::Status, "status", "Status")}
                    <th>"IP"</th>
                    {header(SortKey::Cpu, "cpu", "CPU")}
                    {header(SortKey::Memory, "memory", "Memory")}
                    {header(SortKey::Disk, "disk", "Disk")}
                    {header(SortKey::Uptime, "uptime", "Uptime")}
                    <th>"Services"</th>
                    <th title="Its newest backup on any backup storage of its node">"Backup"</th>
                    <th>"Tags"</th>
                    <th>"Actions"</th>
                </tr>
            </thead>
            <tbody>{body}</tbody>
        </table>
        </div>
    }
}

/// The dashboard at `page` of `search` sorted by `sort`.
fn dashboard_href(search: &str, sort: &str, page: usize) -> String {
    let mut href = format!(
        "/?q={}&sort={}",
        crate::url::query_value(search),
        crate::url::query_value(sort)
    );
    if page > 1 {
        href.push_str(&format!("&page={page}"));
    }
    href
}

/// Which rows are shown of how many, and links to the other pages (plain links and a
/// page-number form: paging works without JavaScript; hydrated, the router fetches only
/// the new page's rows).
#[component]
fn Pager(
    paging: Paging,
    total: usize,
    search: String,
    sort: String,
    /// `above` or `below` the table (test ids).
    place: &'static str,
) -> impl IntoView {
    let rows = paging.range();
    let shown = format!(
        "Showing {}–{} of {}",
        grouped(rows.start + 1),
        grouped(rows.end),
        grouped(paging.matched)
    );
    let whole = (paging.matched != total).then(|| format!(" matching ({} in all)", grouped(total)));
    let link = |page: usize, label: &'static str, rel: &'static str, enabled: bool| {
        if enabled {
            view! { <a href=dashboard_href(&search, &sort, page) rel=rel>{label}</a> }.into_any()
        } else {
            view! { <span class="muted" aria-disabled="true">{label}</span> }.into_any()
        }
    };
    let (page, pages) = (paging.page, paging.pages);
    let links = (pages > 1).then(|| {
        view! {
            {link(1, "« First", "first", page > 1)}
            {link(page.saturating_sub(1), "‹ Previous", "prev", page > 1)}
            <form method="get" action="/" class="inline">
                <input type="hidden" name="q" value=search.clone() />
                <input type="hidden" name="sort" value=sort.clone() />
                <label>"Page "
                    <input class="page-number" name="page" type="number" min="1" max=pages value=page aria-label="Page number" />
                    {format!(" of {pages}")}
                </label>
                " " <button type="submit">"Go"</button>
            </form>
            {link(page + 1, "Next ›", "next", page < pages)}
            {link(pages, "Last »", "last", page < pages)}
        }
    });
    view! {
        <nav class="pager" aria-label="Pages" data-testid=format!("pager-{place}")>
            <span class="muted" data-testid="showing">{shown}{whole}</span>
            {links}
        </nav>
    }
}

/// `5,000`.
fn grouped(count: usize) -> String {
    let digits = count.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// What a row's lifecycle buttons need.
fn lifecycle_target(row: &ContainerRow) -> LifecycleTarget {
    LifecycleTarget {
        node_id: row.node_id.clone(),
        vmid: row.vmid,
        confirm_name: row.name.clone().unwrap_or_else(|| row.vmid.to_string()),
        running: row.status.is_running(),
    }
}

/// Up to three service names and how many more: `nginx, redis +2`.
/// A row's tags and, folded, a form that replaces them.
#[component]
fn TagsCell(row: ContainerRow) -> impl IntoView {
    let shown = row.tags.join(", ");
    view! {
        <span>{shown.clone()}</span>
        <details class="confirm tags-edit">
            <summary>"Tags…"</summary>
            <form class="inline" method="post" action=SetTags::url()>
                <input type="hidden" name="node_id" value=row.node_id.to_string() />
                <input type="hidden" name="vmid" value=row.vmid.to_string() />
                <input name="tags" value=shown aria-label="Tags" placeholder="web, prod" />
                <button type="submit">"Save tags"</button>
            </form>
        </details>
    }
}

/// Items a row's Services cell shows before "+N".
const SERVICES_SHOWN: usize = 3;

/// Up to three web links (while the container runs), then the names of services without
/// one, and how many more there are.
fn services_cell(row: &ContainerRow) -> impl IntoView + use<> {
    let links: Vec<ServiceLink> = if row.status.is_running() {
        row.web.clone()
    } else {
        Vec::new()
    };
    let linked: Vec<&str> = links.iter().map(|l| l.service.as_str()).collect();
    let plain: Vec<String> = row
        .services
        .iter()
        .filter(|name| !linked.contains(&name.as_str()))
        .cloned()
        .collect();
    let total = links.len() + plain.len();
    let shown_links: Vec<ServiceLink> = links.into_iter().take(SERVICES_SHOWN).collect();
    let room = SERVICES_SHOWN - shown_links.len();
    let names = plain.into_iter().take(room).collect::<Vec<_>>().join(", ");
    let shown = shown_links.len() + names.split(", ").filter(|n| !n.is_empty()).count();
    let links = shown_links
        .into_iter()
        .map(|link| {
            let title = format!("{} — {}", link.service, link.link.url);
            view! {
                <a class="service-link" href=link.link.url.clone() target="_blank" rel="noopener noreferrer" title=title>{link.label()}</a>
                {link.link.self_signed.then(|| view! { <span class="badge warn" title="self-signed certificate">"!"</span> })}
                " "
            }
        })
        .collect_view();
    let more = total.saturating_sub(shown);
    view! {
        {links}
        {names}
        {(more > 0).then(|| format!(" +{more}"))}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_and_links_keep_the_search() {
        assert_eq!(super::grouped(5), "5");
        assert_eq!(super::grouped(5000), "5,000");
        assert_eq!(super::grouped(1_234_567), "1,234,567");
        assert_eq!(
            super::dashboard_href("tag:web x", "-cpu", 1),
            "/?q=tag%3Aweb%20x&sort=-cpu"
        );
        assert_eq!(super::dashboard_href("", "", 3), "/?q=&sort=&page=3");
    }
}
