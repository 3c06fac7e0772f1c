//! Benchmark (not a test): the memory of a real `corral` process, idle and under load.
//!
//! For each binary named in `CORRAL_FOOTPRINT_BINS` (`label=/path/to/corral,…`; default:
//! the one this bench was built with), in one run on the same simulated fleet:
//! 1. **idle**: a fresh data folder (embedded SurrealKV), no node, 10 s after start;
//! 2. **load**: 50 simulated nodes × 100 containers (5,000) added, 20 signed-in sessions
//!    of one account (`CORRAL_FOOTPRINT_SESSIONS`), 16 with the dashboard's push stream
//!    open (the per-user limit), each reading a dashboard page every second (pages, sorts
//!    and searches vary), while 2 jobs run a
//!    script that sleeps — 60 s, resident memory sampled every 500 ms;
//! 3. **after**: 20 s after the load stopped (streams closed, jobs ended).
//!
//! Resident memory comes from `/proc/<pid>/status` (`VmRSS`, split into `RssAnon` — heap,
//! stacks — and `RssFile` — the binary's pages that were read). The simulator runs in
//! this bench's process, not in the measured one. Run:
//!
//!   cargo bench -p server --bench footprint
//!   CORRAL_FOOTPRINT_BINS=before=/tmp/corral-before,after=target/release/corral cargo bench -p server --bench footprint

#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench fails loudly

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pve_sim::{SimConfig, Simulator};
use support::process::{Corral, free_port};

const NODES: usize = 50;
const PER_NODE: usize = 100;
const LOAD: Duration = Duration::from_secs(60);
/// Open streams one account may hold (progress pages, log follows and dashboards).
const STREAMS_PER_USER: usize = 16;

/// Resident memory of a process, in KiB.
#[derive(Clone, Copy, Default)]
struct Resident {
    total: u64,
    anon: u64,
    file: u64,
}

impl Resident {
    fn of(pid: u32) -> Resident {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|kib| kib.parse().ok())
                .unwrap_or(0)
        };
        Resident {
            total: field("VmRSS:"),
            anon: field("RssAnon:"),
            file: field("RssFile:"),
        }
    }

    fn line(&self, label: &str) {
        let mib = |kib: u64| kib as f64 / 1024.0;
        println!(
            "  {label:<34} RSS {:>6.1} MiB  (anon {:>6.1}, file {:>5.1})",
            mib(self.total),
            mib(self.anon),
            mib(self.file)
        );
    }
}

fn threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |d| d.count())
}

/// Which binaries to measure: `label=path` pairs.
fn binaries() -> Vec<(String, PathBuf)> {
    match std::env::var("CORRAL_FOOTPRINT_BINS") {
        Ok(list) => list
            .split(',')
            .filter_map(|pair| pair.split_once('='))
            .map(|(label, path)| (label.to_owned(), PathBuf::from(path)))
            .collect(),
        Err(_) => vec![("this build".into(), env!("CARGO_BIN_EXE_corral").into())],
    }
}

fn sessions() -> usize {
    std::env::var("CORRAL_FOOTPRINT_SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

/// One binary through idle, load and after; its jobs create CTs `vmid_base` + 1 and + 2
/// (each binary its own, on the one simulated fleet).
async fn measure(label: &str, binary: &Path, sim: &Simulator, vmid_base: u32) {
    println!("{label}: {}", binary.display());
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    // 20 sign-ins of one account in a few seconds: above the production limits.
    let limits = [
        "--login-attempts-per-user",
        "100",
        "--login-attempts-per-address",
        "100",
    ]
    .map(String::from);
    let corral = Corral::start_binary(binary, &data, free_port(), &limits).await;
    let pid = corral.pid();
    tokio::time::sleep(Duration::from_secs(10)).await;
    Resident::of(pid).line("idle (empty database, 10 s)");
    println!("  threads idle: {}", threads(pid));

    let admin = corral.set_up(&data).await;
    let mut node_ids = Vec::new();
    for node in sim.node_names() {
        node_ids.push(corral.add_node(sim, &node, &node, &admin).await);
    }
    Resident::of(pid).line("50 nodes added");
    let mut cookies = vec![admin.clone()];
    while cookies.len() < sessions() {
        cookies.push(corral.sign_in("admin").await);
    }

    // Two jobs that run for most of the load.
    let jobs = [
        corral
            .create_job_with_script(
                &node_ids[0],
                "busy-a",
                vmid_base + 1,
                Some("sleep 40"),
                &admin,
            )
            .await,
        corral
            .create_job_with_script(
                &node_ids[1],
                "busy-b",
                vmid_base + 2,
                Some("sleep 40"),
                &admin,
            )
            .await,
    ];

    let stop = Arc::new(AtomicBool::new(false));
    let pages = Arc::new(AtomicU64::new(0));
    let mut clients = tokio::task::JoinSet::new();
    let client = reqwest::Client::new();
    for (i, cookie) in cookies.iter().enumerate() {
        // The tab's push stream, held open for the whole load; one account may hold 16
        // streams (the per-user limit), so the other tabs poll without one.
        let stream = if i < STREAMS_PER_USER {
            let stream = client
                .get(format!("{}/api/dashboard/events", corral.base))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(stream.status(), 200);
            Some(stream)
        } else {
            None
        };
        let (client, base, cookie) = (client.clone(), corral.base.clone(), cookie.clone());
        let (stop, pages) = (stop.clone(), pages.clone());
        clients.spawn(async move {
            let _stream = stream;
            let queries = [
                "",
                "?sort=-cpu",
                "?page=40",
                "?q=status:running&page=3",
                "?q=web",
            ];
            let mut n = i;
            while !stop.load(Ordering::Relaxed) {
                let page = client
                    .get(format!("{base}/{}", queries[n % queries.len()]))
                    .header("cookie", &cookie)
                    .header("accept-encoding", "br")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(page.status(), 200);
                let _ = page.bytes().await.unwrap();
                pages.fetch_add(1, Ordering::Relaxed);
                n += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
    let started = Instant::now();
    let mut peak = Resident::default();
    let mut last = Resident::default();
    while started.elapsed() < LOAD {
        last = Resident::of(pid);
        if last.total > peak.total {
            peak = last;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    stop.store(true, Ordering::Relaxed);
    clients.join_all().await;
    println!(
        "  load: {} sessions, {} pages in {} s, threads {}",
        cookies.len(),
        pages.load(Ordering::Relaxed),
        LOAD.as_secs(),
        threads(pid)
    );
    peak.line("load, peak");
    last.line("load, end");
    for job in &jobs {
        let view = corral.job_ended(job, &admin, Duration::from_secs(60)).await;
        assert_eq!(view["state"], "Succeeded", "{view}");
    }
    tokio::time::sleep(Duration::from_secs(20)).await;
    Resident::of(pid).line("after (20 s later)");
    corral.terminate();
}

#[tokio::main]
async fn main() {
    let sim = Simulator::start(SimConfig {
        nodes: NODES,
        containers: NODES * PER_NODE,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    println!(
        "footprint: {NODES} nodes × {PER_NODE} containers, {} sessions, {} s of load",
        sessions(),
        LOAD.as_secs()
    );
    for (index, (label, binary)) in binaries().into_iter().enumerate() {
        let vmid_base = 9000 + 10 * u32::try_from(index).unwrap();
        measure(&label, &binary, &sim, vmid_base).await;
    }
}
