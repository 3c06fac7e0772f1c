//! What discovery costs: one container read at once over a node 100 ms away (API and SSH),
//! and a background round over a node with 50 running containers (two at a time per
//! node), from which the steady load per node follows. Prints medians; asserts nothing
//! about time.
//!
//! `cargo bench -p backend --bench discovery`

#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench fails loudly

use std::time::{Duration, Instant};

mod support;

use backend::Backend;
use backend::accounts::User;
use backend::discovery::{self, refresher};
use model::ids::{NodeId, Vmid};
use model::node::NodeForm;
use pve_sim::{SimConfig, Simulator};
use support::account;

const LATENCY: Duration = Duration::from_millis(100);

async fn setup(containers: usize) -> (Simulator, Backend, User, NodeId) {
    let sim = Simulator::start(SimConfig {
        containers,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (backend, admin) = account().await;
    let api = sim.node_api_url("pve").unwrap();
    let ssh = sim.ssh_address("pve").unwrap();
    let (token_id, token_secret) = sim.token();
    let form = NodeForm {
        name: "bench".into(),
        host: ssh.ip().to_string(),
        port: api
            .rsplit(':')
            .next()
            .unwrap()
            .trim_end_matches('/')
            .to_owned(),
        token_id,
        token_secret,
        ssh_port: ssh.port().to_string(),
        ssh_password: sim.ssh_password(),
        tls_fingerprint: sim.tls_fingerprint("pve").unwrap(),
        ssh_host_key: sim.ssh_host_key("pve").unwrap(),
        confirm: Some("on".into()),
        ..NodeForm::default()
    };
    let node = backend::nodes::create(&backend, &admin, &form)
        .await
        .unwrap();
    (sim, backend, admin, node.id)
}

fn running(sim: &Simulator, containers: usize) -> Vec<Vmid> {
    (100..100 + containers as u32)
        .filter(|v| sim.container_state(*v).is_some_and(|(_, up)| up))
        .filter_map(Vmid::new)
        .collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 * 1024 * 1024)
        .build()
        .unwrap();
    runtime.block_on(async {
        // One container, 100 ms away.
        let (sim, backend, admin, node) = setup(6).await;
        let vmid = running(&sim, 6)[0];
        for (label, latency) in [("no latency", Duration::ZERO), ("100 ms latency", LATENCY)] {
            sim.set_latency("pve", latency);
            sim.set_ssh_latency("pve", latency);
            let mut times = Vec::new();
            for _ in 0..7 {
                let started = Instant::now();
                let found = discovery::refresh(&backend, &admin, &node, vmid).await.unwrap();
                assert!(found.last_error.is_none(), "{:?}", found.last_error);
                times.push(started.elapsed());
            }
            println!(
                "discovery of one container, {label}: {:.0} ms (median of 7, pooled SSH session)",
                median(times).as_secs_f64() * 1e3
            );
        }
        drop((sim, backend));

        // A node with 50 running containers, read in one background round.
        let (sim, backend, admin, node) = setup(80).await;
        let up = running(&sim, 80);
        let up: Vec<Vmid> = up.into_iter().take(50).collect();
        assert_eq!(up.len(), 50, "50 running containers");
        for vmid in &up {
            discovery::refresh(&backend, &admin, &node, *vmid).await.unwrap();
        }
        backend
            .store
            .db()
            .query("UPDATE discovery SET discovered_at = time::now() - 1h")
            .await
            .unwrap();
        let policy = refresher::RefreshPolicy::default();
        let started = Instant::now();
        let read = refresher::refresh_stale(&backend, &policy).await.unwrap();
        let round = started.elapsed();
        println!(
            "background round: {read} containers on one node in {:.1} s ({} at a time), {:.0} SSH commands a minute while it runs",
            round.as_secs_f64(),
            policy.per_node,
            read as f64 / round.as_secs_f64() * 60.0
        );
        println!(
            "steady state (each container read every {} min): {:.1} SSH commands per node per minute",
            policy.max_age.as_secs() / 60,
            read as f64 / (policy.max_age.as_secs_f64() / 60.0)
        );
    });
}
