//! Benchmark (not a test): two dashboard processes on one database.
//!
//! 1. Job events, runner → browser, across processes: process A runs a job whose script
//!    prints 1,000 lines, one every 10 ms; process B streams its progress over SSE
//!    through its own router. Per event: B's receive time − the time the event was
//!    stored. The change feed (LIVE SELECT) against the way before it (B reading the
//!    database once a second), over the same events.
//! 2. Dashboard push: a container started or stopped through process A (Proxmox's state
//!    changed) → process B's open dashboard stream says `changed` → B's rows show it.
//! 3. The engine's share: sign-in (cheap hashing, so the database part shows), the
//!    dashboard's warm render, and a job with 1,000 output lines (create → succeeded).
//!
//! The engine is the tests' (`backend::store::Database::for_tests`): in memory, the
//! embedded file engine with `CORRAL_TEST_DATABASE=surrealkv:///tmp/somewhere`, or a
//! SurrealDB server under `scripts/with-surreal.sh`. Two "processes" on an embedded
//! engine share one handle (it cannot be opened twice); on a server each has its own
//! connection. Run (see docs/performance.md):
//!
//!   cargo bench -p server --bench processes
//!   scripts/with-surreal.sh cargo bench -p server --bench processes

#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench fails loudly

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use backend::jobs::runner::{Runner, RunnerConfig};
use http_body_util::BodyExt;
use model::ids::JobId;
use pve_sim::{SimConfig, Simulator};
use support::{PASSWORD, TestServer, configure_form, form, scripts_form, server};
use tower::ServiceExt;

/// Lines the streamed job prints.
const LINES: usize = 1000;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0))
}

/// `2026-12-01T21:30:00.123Z` as milliseconds since the epoch.
fn epoch_ms(at: &str) -> i64 {
    let number = |range: std::ops::Range<usize>| at[range].parse::<i64>().unwrap();
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + number(11..13) * 3600 + number(14..16) * 60 + number(17..19);
    seconds * 1000 + number(20..23)
}

/// (p50, p95, max) of `values`.
fn spread(mut values: Vec<i64>) -> (i64, i64, i64) {
    values.sort_unstable();
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.95), *values.last().unwrap())
}

fn millis(values: Vec<Duration>) -> Vec<i64> {
    values
        .into_iter()
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .collect()
}

/// A job through the wizard on `server`: CT `vmid`, one script.
async fn job(server: &TestServer, cookie: &str, node_id: &str, vmid: u32, script: &str) -> String {
    let started = server.post("/api/wizard/start", "", Some(cookie)).await;
    let draft: String = serde_json::from_str(&started.body).unwrap();
    let configure = form(&configure_form(
        &draft,
        node_id,
        &format!("bench-{vmid}"),
        vmid,
    ));
    let saved = server
        .post("/api/wizard/save", &configure, Some(cookie))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let scripts = form(&scripts_form(&draft, "lines", script));
    let saved = server
        .post("/api/wizard/save", &scripts, Some(cookie))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let created = server
        .post(
            "/api/wizard/create",
            &form(&[("draft", draft)]),
            Some(cookie),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    serde_json::from_str(&created.body).unwrap()
}

/// Opens `path` (an SSE stream) on `server`.
async fn open_stream(server: &TestServer, path: &str, cookie: &str) -> Body {
    let request = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let response = server.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.into_body()
}

/// Reads SSE events (`event:` name and `data:`) from `body` into `seen` until `done`.
async fn read_events(body: &mut Body, mut on_event: impl FnMut(&str, &str) -> bool) {
    let mut buffer = String::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.unwrap().into_data() else {
            continue;
        };
        buffer.push_str(&String::from_utf8_lossy(&data));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let name = event
                .lines()
                .find_map(|l| l.strip_prefix("event: "))
                .unwrap_or("");
            let data = event
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .unwrap_or("");
            if on_event(name, data) {
                return;
            }
        }
    }
}

async fn job_state(server: &TestServer, job: &str, cookie: &str) -> String {
    let page = server
        .post(
            "/api/jobs/get",
            &form(&[("id", job.to_owned()), ("before", "1".into())]),
            Some(cookie),
        )
        .await;
    let page: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    page["job"]["state"].as_str().unwrap_or_default().to_owned()
}

async fn until_ended(server: &TestServer, job: &str, cookie: &str) -> String {
    loop {
        let state = job_state(server, job, cookie).await;
        if state != "Running" && state != "Queued" {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// 1: event latency across processes, the change feed against a 1 s database poll.
async fn event_latency(a: &TestServer, b: &TestServer, cookie: &str, node_id: &str) {
    let script = format!("for i in $(seq {LINES}); do echo \"line $i\"; sleep 0.01; done\n");
    let job_id = job(a, cookie, node_id, 150, &script).await;
    let mut stream = open_stream(b, &format!("/api/jobs/{job_id}/events"), cookie).await;
    let user = backend::accounts::find_by_username(&b.state.backend, "admin")
        .await
        .unwrap()
        .unwrap();
    let polled = {
        let backend = b.state.backend.clone();
        let id = JobId::parse(&job_id).unwrap();
        tokio::spawn(async move {
            let mut last = 0;
            let mut latencies = Vec::new();
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let events = backend::jobs::events_after(&backend, &user, &id, last)
                    .await
                    .unwrap();
                let received = now_ms();
                for event in &events {
                    last = event.seq;
                    if event.message.starts_with("line ") {
                        latencies.push(received - epoch_ms(&event.at));
                    }
                }
                let state = backend::jobs::get(&backend, &user, &id)
                    .await
                    .unwrap()
                    .state;
                if state.finished() && events.is_empty() {
                    return latencies;
                }
            }
        })
    };
    let mut here = open_stream(a, &format!("/api/jobs/{job_id}/events"), cookie).await;
    let (across, local) = tokio::join!(line_latencies(&mut stream), line_latencies(&mut here));
    let polled = polled.await.unwrap();
    for (how, latencies) in [
        ("events, change feed, other process", across),
        ("events, change feed, same process ", local),
        ("events, 1 s poll, other process   ", polled),
    ] {
        let (p50, p95, max) = spread(latencies.clone());
        println!(
            "{how}: {} lines, p50 {p50} ms, p95 {p95} ms, max {max} ms",
            latencies.len()
        );
    }
}

/// Per `line …` event of a job's progress stream: its receive time − its stored time.
async fn line_latencies(stream: &mut Body) -> Vec<i64> {
    let mut latencies = Vec::new();
    read_events(stream, |name, data| {
        if name == "progress" {
            let event: serde_json::Value = serde_json::from_str(data).unwrap();
            if event["message"]
                .as_str()
                .unwrap_or_default()
                .starts_with("line ")
            {
                latencies.push(now_ms() - epoch_ms(event["at"].as_str().unwrap()));
            }
        }
        name == "end"
    })
    .await;
    latencies
}

/// Whether CT `vmid`'s dashboard row on `server` says `status`.
async fn row_says(server: &TestServer, cookie: &str, vmid: u32, status: &str) -> bool {
    let page = server.get("/", Some(cookie)).await;
    let row = page
        .body
        .split(&format!("<tr data-vmid=\"{vmid}\""))
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .unwrap_or_default()
        .to_owned();
    row.contains(&format!(">{status}<"))
}

/// 2: dashboard push latency, a change through A to B's rows.
async fn push_latency(
    a: &TestServer,
    b: &TestServer,
    cookie: &str,
    node_id: &str,
    sim: &Simulator,
) {
    let vmids: Vec<u32> = (100..200)
        .filter(|v| sim.container_state(*v).is_some())
        .collect();
    let power = |vmid: u32, action: &'static str| {
        form(&[
            ("node_id", node_id.to_owned()),
            ("vmid", vmid.to_string()),
            ("action", action.into()),
        ])
    };
    for vmid in &vmids {
        if sim.container_state(*vmid).is_some_and(|(_, on)| on) {
            a.post("/api/containers/power", &power(*vmid, "stop"), Some(cookie))
                .await;
        }
    }
    let mut stream = open_stream(b, "/api/dashboard/events", cookie).await;
    let (mut pushed, mut shown) = (Vec::new(), Vec::new());
    for round in 0..20_u64 {
        let (action, status) = if round % 2 == 0 {
            ("start", "running")
        } else {
            ("stop", "stopped")
        };
        // Changes at any moment of the refresher's interval, not just after its tick.
        tokio::time::sleep(Duration::from_millis(round * 1237 % 3000)).await;
        let answered = a
            .post(
                "/api/containers/power",
                &power(vmids[0], action),
                Some(cookie),
            )
            .await;
        assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
        let changed = Instant::now();
        let mut first = None;
        loop {
            read_events(&mut stream, |name, _| name == "changed").await;
            first.get_or_insert(changed.elapsed());
            if row_says(b, cookie, vmids[0], status).await {
                break;
            }
        }
        if std::env::var("BENCH_DEBUG").is_ok() {
            println!(
                "round {round}: first push {:?}, shown {:?}",
                first,
                changed.elapsed()
            );
        }
        pushed.push(first.unwrap());
        shown.push(changed.elapsed());
    }
    let (p50, p95, max) = spread(millis(pushed));
    println!(
        "dashboard push, change → `changed` event: p50 {p50} ms, p95 {p95} ms, max {max} ms (3 s interval)"
    );
    let (p50, p95, max) = spread(millis(shown));
    println!("dashboard push, change → rows rendered:  p50 {p50} ms, p95 {p95} ms, max {max} ms");
}

/// 3: what the engine costs: sign-in, the warm dashboard, a job with 1,000 lines.
async fn engine_share(a: &TestServer, cookie: &str, node_id: &str) {
    let mut logins = Vec::new();
    for _ in 0..50 {
        let started = Instant::now();
        let answer = a
            .post(
                "/api/auth/login",
                &format!("username=admin&password={PASSWORD}"),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        logins.push(started.elapsed());
    }
    let (p50, p95, _) = spread(millis(logins));
    println!("sign-in (hashing cheap): p50 {p50} ms, p95 {p95} ms");
    a.get("/", Some(cookie)).await;
    let mut renders = Vec::new();
    for _ in 0..50 {
        let started = Instant::now();
        let page = a.get("/", Some(cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        renders.push(started.elapsed());
    }
    let (p50, p95, _) = spread(millis(renders));
    println!("dashboard warm render (SSR): p50 {p50} ms, p95 {p95} ms");
    let mut jobs = Vec::new();
    for vmid in 160..163 {
        let started = Instant::now();
        let script = format!("seq {LINES} | sed 's/^/line /'\n");
        let id = job(a, cookie, node_id, vmid, &script).await;
        assert_eq!(until_ended(a, &id, cookie).await, "Succeeded");
        jobs.push(started.elapsed());
    }
    let (p50, _, max) = spread(millis(jobs));
    println!(
        "job with {LINES} output lines, create → succeeded: p50 {p50} ms, max {max} ms (3 runs)"
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let engine = backend::store::Database::for_tests().url;
    println!("engine: {}", engine.split("://").next().unwrap_or("mem"));
    let sim = Simulator::start(SimConfig {
        containers: 6,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let a = server().await;
    let cookie = a.setup_admin().await;
    let node_id = a.add_node(&sim, "pve", "bench", &cookie).await;
    let b = a.sibling().await;
    let _runner = Runner::start(
        a.state.backend.clone(),
        RunnerConfig {
            poll: Duration::from_millis(50),
            task_poll: Duration::from_millis(20),
            ..RunnerConfig::default()
        },
    );
    event_latency(&a, &b, &cookie, &node_id).await;
    push_latency(&a, &b, &cookie, &node_id, &sim).await;
    engine_share(&a, &cookie, &node_id).await;
}
