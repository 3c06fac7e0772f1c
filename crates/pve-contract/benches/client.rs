//! Client costs: decoding a 1,000-container `cluster/resources` answer, and the overhead
//! of one API request against the simulator (TLS session reuse, envelope, decoding).
//!
//! Run with `cargo bench -p pve-contract`; figures go to docs/performance.md.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pve::{Auth, Client, ClientConfig, ClusterResource, Secret, Trust};
use pve_sim::{SimConfig, Simulator};

/// A `cluster/resources` body as PVE writes it: guests, then nodes, then storages, with
/// the usual mix of numbers, strings and missing fields.
fn resources_body(guests: usize) -> String {
    let mut items = Vec::with_capacity(guests + 20);
    for i in 0..guests {
        let vmid = 100 + i;
        let node = format!("pve{}", i % 10 + 1);
        let item = if i % 4 == 3 {
            serde_json::json!({"id": format!("lxc/{vmid}"), "vmid": vmid, "node": node, "type": "lxc",
                "status": "stopped", "name": format!("ct-{vmid}"), "uptime": 0, "template": 0,
                "maxcpu": 2, "cpu": 0, "maxmem": 2_147_483_648_u64, "mem": 0, "maxdisk": 8_589_934_592_u64,
                "disk": 0, "netin": 0, "netout": 0, "diskread": 0, "diskwrite": 0, "tags": "dev"})
        } else {
            serde_json::json!({"id": format!("lxc/{vmid}"), "vmid": vmid, "node": node, "type": "lxc",
                "status": "running", "name": format!("ct-{vmid}"), "uptime": 86_400 + i, "template": 0,
                "maxcpu": 2, "cpu": 0.0123 * (i % 7) as f64, "maxmem": 2_147_483_648_u64, "mem": 412_345_678 + i,
                "maxdisk": 8_589_934_592_u64, "disk": 1_234_567_890 + i, "netin": 9_876_543 * i,
                "netout": 1_234_567 * i, "diskread": 55_555_555, "diskwrite": 22_222_222, "memhost": 0,
                "tags": "prod;web", "lock": if i % 50 == 0 { "backup" } else { "" }})
        };
        items.push(item);
    }
    for n in 1..=10 {
        items.push(serde_json::json!({"id": format!("node/pve{n}"), "node": format!("pve{n}"), "type": "node",
            "status": "online", "level": "", "uptime": 1_000_000, "cpu": 0.05, "maxcpu": 16,
            "mem": "17179869184", "maxmem": 68_719_476_736_u64, "disk": 9_663_676_416_u64, "maxdisk": 107_374_182_400_u64}));
        items.push(serde_json::json!({"id": format!("storage/pve{n}/local"), "storage": "local",
            "node": format!("pve{n}"), "type": "storage", "plugintype": "dir", "status": "available",
            "shared": 0, "content": "backup,iso,vztmpl", "disk": 1, "maxdisk": 2}));
    }
    serde_json::json!({ "data": items }).to_string()
}

#[derive(serde::Deserialize)]
struct Envelope {
    data: Vec<ClusterResource>,
}

fn decoding(c: &mut Criterion) {
    let body = resources_body(1_000);
    let mut group = c.benchmark_group("decode cluster/resources");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("1000 containers, lenient types", |b| {
        b.iter(|| {
            let envelope: Envelope = serde_json::from_str(std::hint::black_box(&body)).unwrap();
            assert_eq!(envelope.data.len(), 1_020);
        });
    });
    group.bench_function("1000 containers, untyped serde_json::Value", |b| {
        b.iter(|| {
            let value: serde_json::Value =
                serde_json::from_str(std::hint::black_box(&body)).unwrap();
            assert_eq!(value["data"].as_array().unwrap().len(), 1_020);
        });
    });
    group.finish();
}

fn requests(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(Simulator::start(SimConfig {
            containers: 50,
            ..SimConfig::default()
        }))
        .unwrap();
    let (id, secret) = sim.token();
    let fingerprint = sim.tls_fingerprint("pve").unwrap().parse().unwrap();
    let config = ClientConfig::new(
        sim.api_url(),
        Auth::Token {
            id,
            secret: Secret::new(secret),
        },
        Trust::Pinned(fingerprint),
    );
    let client = Client::new(config).unwrap();
    // Baseline: a bare reqwest client (trusting the cluster CA) sending the same request.
    let ca = reqwest::Certificate::from_pem(sim.ca_pem().as_bytes()).unwrap();
    let bare = reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    let (token_id, token_secret) = sim.token();
    let header = format!("PVEAPIToken={token_id}={token_secret}");
    let version_url = format!("{}/api2/json/version", sim.api_url());
    let mut group = c.benchmark_group("request to the simulator");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("GET /version, bare reqwest (baseline)", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = bare
                .get(&version_url)
                .header("Authorization", &header)
                .send()
                .await
                .unwrap();
            response.bytes().await.unwrap()
        });
    });
    group.bench_function("GET /version, pve client", |b| {
        b.to_async(&runtime)
            .iter(|| async { client.version().await.unwrap() });
    });
    group.bench_function("GET /nodes/pve/lxc (50 containers)", |b| {
        b.to_async(&runtime)
            .iter(|| async { client.lxc_list("pve").await.unwrap() });
    });
    group.finish();
}

criterion_group!(benches, decoding, requests);
criterion_main!(benches);
