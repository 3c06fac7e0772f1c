//! Benchmark (not a test): the dashboard served to one user, for each fleet size in
//! `CORRAL_BENCH_FLEETS` (default `10x50,50x100`: 10 simulated nodes × 50 containers, then
//! 50 × 100 = 5,000), every node answering 100 ms late. Reports the server-side render
//! time cold and warm (and its ratio to the nodes' latency), the bytes sent, warm pages
//! per second on this machine, and how many container lists each node is asked for while
//! 20 tabs are open.
//!
//! Run: `cargo bench -p server --bench dashboard` (release build; see docs/performance.md).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use app::state::SessionPolicy;
use axum::http::StatusCode;
use backend::inventory::{DEFAULT_FRESHNESS, Inventory};
use http_body_util::BodyExt;
use pve_sim::{SimConfig, Simulator};
use support::{TestServer, form, node_form, server_tuned};
use tower::ServiceExt;

/// A fleet: nodes × containers per node.
#[derive(Clone, Copy)]
struct Fleet {
    nodes: usize,
    per_node: usize,
}

impl Fleet {
    fn containers(self) -> usize {
        self.nodes * self.per_node
    }
}

/// `10x50,50x100` (the default) from `CORRAL_BENCH_FLEETS`.
fn fleets() -> Vec<Fleet> {
    let text = std::env::var("CORRAL_BENCH_FLEETS").unwrap_or_else(|_| "10x50,50x100".into());
    text.split(',')
        .filter_map(|pair| pair.split_once('x'))
        .map(|(nodes, per_node)| Fleet {
            nodes: nodes.trim().parse().unwrap(),
            per_node: per_node.trim().parse().unwrap(),
        })
        .collect()
}
/// Proxmox latency per request; `CORRAL_BENCH_LATENCY_MS` overrides it.
fn latency() -> Duration {
    let ms = std::env::var("CORRAL_BENCH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    Duration::from_millis(ms)
}
const TABS: usize = 20;
/// What Chromium sends in `Accept-Encoding`.
const BROWSER_ENCODINGS: &str = "gzip, deflate, br, zstd";
/// How often a hydrated dashboard tab asks for new data.
const TAB_POLL: Duration = Duration::from_secs(10);

/// One dashboard server with every simulated node added for its administrator.
struct Lab {
    server: TestServer,
    cookie: String,
    node_ids: Vec<model::ids::NodeId>,
}

impl Lab {
    async fn new(sim: &Simulator, inventory: Inventory) -> Lab {
        let server = server_tuned(SessionPolicy::default(), inventory).await;
        let cookie = server.setup_admin().await;
        let mut node_ids = Vec::new();
        for node in sim.node_names() {
            let created = server
                .post(
                    "/api/nodes/create",
                    &form(&node_form(sim, &node, &node)),
                    Some(&cookie),
                )
                .await;
            assert_eq!(created.status, StatusCode::OK, "{}", created.body);
            let view: serde_json::Value = serde_json::from_str(&created.body).unwrap();
            node_ids.push(view["id"].as_str().unwrap().parse().unwrap());
        }
        Lab {
            server,
            cookie,
            node_ids,
        }
    }

    /// Stores a discovery for every container of the fleet, as after a discovery run:
    /// nginx with a web UI, postgresql, and a system service that is folded away.
    async fn discover_all(&self, sim: &Simulator) {
        let owner: String = {
            let mut answer = self
                .server
                .state
                .backend
                .store
                .db()
                .query("SELECT VALUE record::id(id) FROM user LIMIT 1")
                .await
                .unwrap();
            answer.take::<Vec<String>>(0).unwrap().remove(0)
        };
        for (node, node_id) in sim.node_names().iter().zip(&self.node_ids) {
            let records: Vec<serde_json::Value> = sim
                .vmids_on(node)
                .into_iter()
                .map(|vmid| discovery_record(node_id, vmid))
                .collect();
            self.server
                .state
                .backend
                .store
                .db()
                .query(
                    "FOR $found IN $records {
                         UPSERT type::record('discovery', $found.key) CONTENT {
                             owner: type::record('user', $owner),
                             node: type::record('node', $found.node),
                             vmid: $found.vmid, discovered_at: time::now(),
                             services: $found.services
                         };
                     }",
                )
                .bind(("records", records))
                .bind(("owner", owner.clone()))
                .await
                .unwrap()
                .check()
                .unwrap();
        }
    }

    /// Renders `/` and checks that it shows containers.
    async fn page(&self) -> Duration {
        let started = Instant::now();
        let page = self.server.get("/", Some(&self.cookie)).await;
        let took = started.elapsed();
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<tr data-vmid="), "containers rendered");
        took
    }

    /// Renders `/` as a browser asks for it (compression accepted); answers the time, the
    /// encoding chosen and the bytes sent.
    async fn page_as_browser(&self) -> (Duration, String, usize) {
        let request = axum::http::Request::get("/")
            .header(axum::http::header::COOKIE, &self.cookie)
            .header(axum::http::header::ACCEPT_ENCODING, BROWSER_ENCODINGS)
            .body(axum::body::Body::empty())
            .unwrap();
        let started = Instant::now();
        let response = self.server.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let encoding = response
            .headers()
            .get(axum::http::header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_else(|| "identity".into());
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (started.elapsed(), encoding, body.len())
    }

    /// What a hydrated tab asks every 10 s.
    async fn poll(&self) {
        let answer = self
            .server
            .post(
                "/api/inventory/dashboard",
                "search=&sort=&page=1",
                Some(&self.cookie),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }

    /// Drops every node's cached answer and connection, and its backup ages.
    fn forget_all(&self) {
        for id in &self.node_ids {
            self.server.state.backend.inventory.forget(id);
            self.server.state.backend.backup_ages.forget(id);
        }
    }
}

/// A stored discovery of container `vmid` on `node_id` (see [`Lab::discover_all`]).
fn discovery_record(node_id: &model::ids::NodeId, vmid: u32) -> serde_json::Value {
    use model::service::{Service, ServiceKind, ServicePort, ServiceStatus, WebLink};
    let service = |name: &str, port: u16, is_system: bool| Service {
        name: name.to_owned(),
        kind: ServiceKind::Systemd,
        status: ServiceStatus::Running,
        ports: vec![ServicePort { port, local: false }],
        is_system,
        detail: format!("{name} server"),
        has_credentials: false,
        web: (port == 80)
            .then(|| WebLink {
                port,
                url: format!("http://10.0.{}.{}/", vmid / 250, vmid % 250),
                secure: false,
                title: Some("Welcome to nginx!".into()),
                self_signed: false,
            })
            .into_iter()
            .collect(),
    };
    let services = vec![
        service("nginx", 80, false),
        service("postgresql", 5432, false),
        service("ssh", 22, true),
    ];
    serde_json::json!({
        "key": format!("{node_id}_{vmid}"),
        "node": node_id.to_string(),
        "vmid": vmid,
        "services": serde_json::to_string(&services).unwrap(),
    })
}

/// Gives every container of the fleet a backup, from a few hours to ten days old.
fn back_up_all(sim: &Simulator) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for node in sim.node_names() {
        for vmid in sim.vmids_on(&node) {
            let age = u64::from(vmid % 10) * 86_400 + 3_600;
            sim.record_backup(vmid, now - age).unwrap();
        }
    }
}

/// Container-list requests each node has served so far.
/// Every node's container list asked at once by bare clients: how long until the last
/// answer is in (they must list `containers` in all).
async fn ask_all(clients: &[(String, pve::Client)], containers: usize) -> Duration {
    let started = Instant::now();
    let asked = clients
        .iter()
        .map(|(node, client)| async move { client.lxc_list(node).await.unwrap().len() });
    let listed: usize = futures_util::future::join_all(asked)
        .await
        .into_iter()
        .sum();
    assert_eq!(listed, containers);
    started.elapsed()
}

fn lists_per_node(sim: &Simulator) -> Vec<u64> {
    sim.node_names()
        .iter()
        .map(|node| sim.request_count_where(node, |path| path.ends_with("/lxc")))
        .collect()
}

fn delta(after: &[u64], before: &[u64]) -> Vec<u64> {
    after.iter().zip(before).map(|(a, b)| a - b).collect()
}

/// Min, median, 95th percentile and max of a sample, in ms.
struct Spread {
    min: f64,
    p50: f64,
    p95: f64,
    max: f64,
}

impl Spread {
    fn of(mut sample: Vec<Duration>) -> Spread {
        sample.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let at = |q: f64| ms(sample[((sample.len() - 1) as f64 * q).round() as usize]);
        Spread {
            min: ms(sample[0]),
            p50: at(0.5),
            p95: at(0.95),
            max: ms(sample[sample.len() - 1]),
        }
    }

    fn line(&self, label: &str, runs: usize) {
        let latency = latency().as_secs_f64() * 1000.0;
        println!(
            "{label:<44} {runs:>4} runs  min {:>7.1}  p50 {:>7.1}  p95 {:>7.1}  max {:>7.1} ms  p50/latency {:>5.2}",
            self.min,
            self.p50,
            self.p95,
            self.max,
            self.p50 / latency
        );
    }
}

#[tokio::main]
async fn main() {
    for fleet in fleets() {
        measure(fleet).await;
    }
}

/// Every measurement on one fleet.
async fn measure(fleet: Fleet) {
    let sim = Simulator::start(SimConfig {
        nodes: fleet.nodes,
        containers: fleet.containers(),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    // Warm: answers kept for an hour. Expired: every page asks the nodes again over the
    // connections it already has. Tabs: the shipped freshness.
    let warm = Lab::new(&sim, Inventory::new(Duration::from_secs(3600))).await;
    let expired = Lab::new(&sim, Inventory::new(Duration::ZERO)).await;
    let tabs = Lab::new(&sim, Inventory::new(DEFAULT_FRESHNESS)).await;
    back_up_all(&sim);
    for lab in [&warm, &expired, &tabs] {
        lab.discover_all(&sim).await;
    }
    for node in sim.node_names() {
        sim.set_latency(&node, latency());
    }
    println!(
        "\ndashboard: {} nodes × {} containers (each discovered, with a backup), {} ms latency per Proxmox request, {} worker threads",
        fleet.nodes,
        fleet.per_node,
        latency().as_millis(),
        tokio::runtime::Handle::current().metrics().num_workers()
    );

    // Cold, first visit: no answer and no connection (TLS handshakes included).
    let mut cold = Vec::new();
    for _ in 0..10 {
        warm.forget_all();
        cold.push(warm.page().await);
        // Let the background address lookups of this round finish.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let first_visit = Spread::of(cold);
    first_visit.line("SSR cold (no cache, new connections)", 10);

    // Cold data, kept connections: what a page sees every few seconds in steady use.
    expired.page().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let runs: Vec<Duration> = {
        let mut runs = Vec::new();
        for _ in 0..20 {
            runs.push(expired.page().await);
        }
        runs
    };
    let steady = Spread::of(runs);
    steady.line("SSR cold (cache expired, connections kept)", 20);

    // The same fetch without the page around it: what the nodes and the client cost.
    let admin = backend::accounts::login(
        &expired.server.state.backend,
        "admin",
        zeroize::Zeroizing::new(support::PASSWORD.to_owned()),
        None,
    )
    .await
    .expect("sign in");
    let fetch_all = |lab: &Lab| {
        let backend = lab.server.state.backend.clone();
        let admin = admin.clone();
        async move {
            let started = Instant::now();
            let snapshot = backend::inventory::for_user(
                &backend,
                &admin,
                backend::inventory::DEFAULT_NODE_TIMEOUT,
            )
            .await
            .unwrap();
            assert_eq!(snapshot.containers().count(), fleet.containers());
            started.elapsed()
        }
    };
    let mut runs = Vec::new();
    for _ in 0..10 {
        expired.forget_all();
        runs.push(fetch_all(&expired).await);
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    Spread::of(runs).line("inventory alone (no cache, new connections)", 10);
    let mut runs = Vec::new();
    for _ in 0..20 {
        runs.push(fetch_all(&expired).await);
    }
    Spread::of(runs).line("inventory alone (cache expired, connections kept)", 20);

    // One node's list on its own over a kept connection: the latency a node really has
    // (the delay plus its own work), which the page can also be measured against.
    let (view, access) = backend::nodes::accesses(&expired.server.state.backend, &admin)
        .await
        .unwrap()
        .remove(0);
    let client = access.client(Duration::from_secs(5)).unwrap();
    client.lxc_list(&view.pve_node).await.unwrap();
    let mut runs = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        client.lxc_list(&view.pve_node).await.unwrap();
        runs.push(started.elapsed());
    }
    let alone = Spread::of(runs);
    alone.line("one node's list alone (connection kept)", 20);
    println!(
        "  SSR cold (cache expired) / one node's list alone: {:.2}",
        steady.p50 / alone.p50
    );

    // Every node's list asked at once by bare clients (no Corral around them): how long
    // the slowest node takes to answer when all are asked together, which is what any
    // page over the whole fleet must wait for (here the nodes share this machine's cores).
    let accesses = backend::nodes::accesses(&expired.server.state.backend, &admin)
        .await
        .unwrap();
    let new_clients = || -> Vec<_> {
        accesses
            .iter()
            .map(|(view, access)| {
                let client = access.client(Duration::from_secs(5)).unwrap();
                (view.pve_node.clone(), client)
            })
            .collect()
    };
    let mut runs = Vec::new();
    for _ in 0..10 {
        runs.push(ask_all(&new_clients(), fleet.containers()).await);
    }
    let slowest_new = Spread::of(runs);
    slowest_new.line("slowest node, all asked at once, bare, new connections", 10);
    let clients = new_clients();
    ask_all(&clients, fleet.containers()).await;
    let mut runs = Vec::new();
    for _ in 0..20 {
        runs.push(ask_all(&clients, fleet.containers()).await);
    }
    let slowest = Spread::of(runs);
    slowest.line(
        "slowest node, all asked at once, bare, connections kept",
        20,
    );
    println!(
        "  SSR cold / slowest node asked with the others: first visit {:.2}, steady {:.2}",
        first_visit.p50 / slowest_new.p50,
        steady.p50 / slowest.p50
    );

    // Warm: every node's answer from the cache. The backup ages are read afresh first, so
    // that none falls due (a minute) and is read in the background while this is measured.
    warm.forget_all();
    warm.page().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    warm.page().await;
    let html = warm.server.get("/", Some(&warm.cookie)).await.body;
    let rows = html.matches("<tr data-vmid=").count();
    assert!(
        html.contains("Welcome to nginx!") && html.contains(" ago"),
        "rows show services, web UIs and backup ages: {}",
        &html[html.find("<tbody").unwrap_or(0)..][..3000]
    );
    println!(
        "page size: {} KiB of HTML for {rows} rows of {} ({} bytes per row)",
        html.len() / 1024,
        fleet.containers(),
        html.len() / rows
    );
    let mut runs = Vec::new();
    for _ in 0..200 {
        runs.push(warm.page().await);
    }
    Spread::of(runs).line("SSR warm (cached answers)", 200);

    // The same page as Chromium asks for it: the compression is part of serving it.
    let mut runs = Vec::new();
    let mut sent = (String::new(), 0);
    for _ in 0..50 {
        let (took, encoding, bytes) = warm.page_as_browser().await;
        runs.push(took);
        sent = (encoding, bytes);
    }
    Spread::of(runs).line("SSR warm, as a browser asks (compressed)", 50);
    println!(
        "  sent {} KiB with content-encoding {}",
        sent.1 / 1024,
        sent.0
    );

    let warm = Arc::new(warm);
    let served = Arc::new(AtomicU64::new(0));
    let window = Duration::from_secs(5);
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (warm, served) = (warm.clone(), served.clone());
        clients.spawn(async move {
            while started.elapsed() < window {
                warm.page().await;
                served.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    clients.join_all().await;
    let pages = served.load(Ordering::Relaxed);
    println!(
        "warm pages per second, 4 concurrent clients: {:.0} ({pages} pages, a fleet of {} containers, in {:.1} s)",
        pages as f64 / started.elapsed().as_secs_f64(),
        fleet.containers(),
        started.elapsed().as_secs_f64()
    );

    // 20 tabs opened at the same moment on an empty cache.
    let tabs = Arc::new(tabs);
    tabs.forget_all();
    let before = lists_per_node(&sim);
    let mut opened = tokio::task::JoinSet::new();
    for _ in 0..TABS {
        let tabs = tabs.clone();
        opened.spawn(async move { tabs.page().await });
    }
    opened.join_all().await;
    let burst = delta(&lists_per_node(&sim), &before);
    println!("{TABS} tabs opened at once: container lists per node {burst:?}");

    // 20 tabs polling every 10 s, evenly out of step, for 40 s.
    let before = lists_per_node(&sim);
    let started = Instant::now();
    let mut polling = tokio::task::JoinSet::new();
    for tab in 0..TABS {
        let tabs = tabs.clone();
        polling.spawn(async move {
            tokio::time::sleep(TAB_POLL * tab as u32 / TABS as u32).await;
            let polls = 4;
            for poll in 0..polls {
                if poll > 0 {
                    tokio::time::sleep(TAB_POLL).await;
                }
                tabs.poll().await;
            }
            polls
        });
    }
    let polls: u64 = polling.join_all().await.into_iter().sum();
    let elapsed = started.elapsed();
    let steady = delta(&lists_per_node(&sim), &before);
    let intervals = elapsed.as_secs_f64() / DEFAULT_FRESHNESS.as_secs_f64();
    let worst = steady.iter().copied().max().unwrap_or(0);
    println!(
        "{TABS} tabs polling every {} s for {:.0} s ({polls} polls): container lists per node {steady:?}",
        TAB_POLL.as_secs(),
        elapsed.as_secs_f64()
    );
    println!(
        "  = at most {worst} per node in {intervals:.1} freshness intervals of {} s ({:.2} per interval; {} without the shared cache)",
        DEFAULT_FRESHNESS.as_secs(),
        worst as f64 / intervals,
        polls
    );
}
