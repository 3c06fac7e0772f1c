//! The inventory on a simulated three-node cluster: parallel fetches with per-node
//! timeouts, classified failures, and one Proxmox request per node per interval.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use std::time::{Duration, Instant};

use backend::inventory::{self, Inventory};
use backend::nodes;
use model::container::LxcStatus;
use model::inventory::NodeHealth;
use pve_sim::{SimConfig, Simulator};
use support::{admin, backend, ct, form};

const TIMEOUT: Duration = Duration::from_millis(800);

async fn three_nodes() -> (Simulator, backend::Backend, backend::accounts::User) {
    let sim = Simulator::start(SimConfig {
        nodes: 3,
        containers: 9,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let backend = backend().await;
    let admin = admin(&backend).await;
    for node in ["pve", "pve2", "pve3"] {
        nodes::create(&backend, &admin, &form(&sim, node))
            .await
            .unwrap();
    }
    (sim, backend, admin)
}

#[tokio::test]
async fn an_offline_and_a_slow_node_do_not_hold_up_the_healthy_one() {
    let (sim, backend, admin) = three_nodes().await;
    sim.set_offline("pve2", true).await.unwrap();
    sim.set_latency("pve3", Duration::from_secs(3));
    let started = Instant::now();
    let snapshot = inventory::for_user(&backend, &admin, TIMEOUT)
        .await
        .unwrap();
    let took = started.elapsed();

    let health: Vec<(&str, NodeHealth)> = snapshot
        .nodes
        .iter()
        .map(|n| (n.node_name.as_str(), n.health))
        .collect();
    assert_eq!(
        health,
        [
            ("pve lab", NodeHealth::Ok),
            ("pve2 lab", NodeHealth::Unreachable),
            ("pve3 lab", NodeHealth::Timeout),
        ]
    );
    assert!(snapshot.nodes[1].message.is_some() && snapshot.nodes[2].message.is_some());
    assert!(snapshot.containers().next().is_some());
    assert!(
        snapshot.containers().all(|c| c.pve_node == "pve"),
        "only the healthy node's"
    );
    // About the timeout, not the sum of the nodes' delays.
    assert!(took >= TIMEOUT && took < TIMEOUT * 2, "took {took:?}");
}

#[tokio::test]
async fn twenty_concurrent_requests_cause_one_proxmox_request_per_node() {
    let (sim, mut backend, admin) = three_nodes().await;
    backend.inventory = Inventory::new(Duration::from_secs(60));
    sim.set_latency("pve", Duration::from_millis(200));
    let lists = || sim.request_count_where("pve", |path| path.ends_with("/lxc"));
    let before = lists();
    let requests: Vec<_> = (0..20)
        .map(|_| {
            let (backend, admin) = (backend.clone(), admin.clone());
            tokio::spawn(async move {
                inventory::for_user(&backend, &admin, TIMEOUT)
                    .await
                    .unwrap()
            })
        })
        .collect();
    for request in requests {
        let snapshot = request.await.unwrap();
        assert!(snapshot.nodes.iter().all(|n| n.health == NodeHealth::Ok));
        assert_eq!(snapshot.containers().count(), 9);
    }
    assert_eq!(lists() - before, 1, "single flight and a shared answer");

    // A node change forgets the answer: the next request asks again.
    backend
        .inventory
        .forget(&nodes::list(&backend, &admin).await.unwrap()[0].id);
    inventory::for_user(&backend, &admin, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(lists() - before, 2);
}

#[tokio::test]
async fn a_revoked_token_and_a_changed_certificate_are_named() {
    let (sim, mut backend, admin) = three_nodes().await;
    backend.inventory = Inventory::new(Duration::ZERO);
    sim.set_token_revoked(&sim.token().0, true);
    let snapshot = inventory::for_user(&backend, &admin, TIMEOUT)
        .await
        .unwrap();
    assert!(
        snapshot
            .nodes
            .iter()
            .all(|n| n.health == NodeHealth::TokenRejected),
        "{:?}",
        snapshot.nodes
    );
    sim.set_token_revoked(&sim.token().0, false);
    sim.replace_certificate("pve2").unwrap();
    // A real certificate change restarts pveproxy, which closes open connections; the
    // simulator keeps them, so drop the cached client to make the next request reconnect.
    let pve2 = &nodes::list(&backend, &admin).await.unwrap()[1];
    backend.inventory.forget(&pve2.id);
    let snapshot = inventory::for_user(&backend, &admin, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(snapshot.nodes[1].health, NodeHealth::TlsMismatch);
    assert_eq!(snapshot.nodes[0].health, NodeHealth::Ok);
}

#[tokio::test]
async fn vmids_are_checked_against_the_cache_then_proxmox() {
    let (sim, mut backend, admin) = three_nodes().await;
    backend.inventory = Inventory::new(Duration::from_secs(60));
    let node = nodes::list(&backend, &admin).await.unwrap()[0].id.clone();
    inventory::for_user(&backend, &admin, TIMEOUT)
        .await
        .unwrap();
    // Addresses are learned in the background; they do not count here.
    let asked = || sim.request_count_where("pve", |path| !path.ends_with("/interfaces"));
    let before = asked();
    assert!(
        !inventory::is_vmid_free(&backend, &admin, &node, ct(100))
            .await
            .unwrap()
    );
    assert_eq!(asked(), before, "a cached VMID needs no request");
    assert!(
        inventory::is_vmid_free(&backend, &admin, &node, ct(4242))
            .await
            .unwrap()
    );
    // VMIDs are cluster-wide: one on another node is taken here too.
    let elsewhere = (100..109)
        .find(|v| sim.container_state(*v).is_some_and(|(n, _)| n == "pve3"))
        .unwrap();
    assert!(
        !inventory::is_vmid_free(&backend, &admin, &node, ct(elsewhere))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn addresses_are_learned_once_per_boot_without_holding_up_the_list() {
    let (sim, mut backend, admin) = three_nodes().await;
    backend.inventory = Inventory::new(Duration::ZERO);
    sim.set_latency("pve", Duration::from_millis(100));
    let interfaces = || sim.request_count_where("pve", |path| path.ends_with("/interfaces"));
    let on_pve = |snapshot: &inventory::Snapshot| {
        snapshot
            .containers()
            .filter(|c| c.pve_node == "pve")
            .cloned()
            .collect::<Vec<_>>()
    };

    let first = inventory::for_user(&backend, &admin, TIMEOUT)
        .await
        .unwrap();
    let running = on_pve(&first)
        .iter()
        .filter(|c| c.status == LxcStatus::Running)
        .count();
    assert!(running > 0, "the simulator starts some containers");
    assert!(
        on_pve(&first).iter().all(|c| c.addresses.is_empty()),
        "the list does not wait for the addresses"
    );

    let deadline = Instant::now() + Duration::from_secs(5);
    let learned = loop {
        let snapshot = inventory::for_user(&backend, &admin, TIMEOUT)
            .await
            .unwrap();
        let rows = on_pve(&snapshot);
        if rows
            .iter()
            .filter(|c| c.status == LxcStatus::Running)
            .all(|c| !c.addresses.is_empty())
        {
            break rows;
        }
        assert!(
            Instant::now() < deadline,
            "addresses never arrived: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for row in &learned {
        if row.status == LxcStatus::Running {
            assert!(
                row.addresses
                    .iter()
                    .all(|a| a.parse::<std::net::Ipv4Addr>().is_ok()),
                "{:?}",
                row.addresses
            );
        } else {
            assert!(row.addresses.is_empty(), "a stopped container has none");
        }
    }
    assert_eq!(
        interfaces(),
        running as u64,
        "one request per running container"
    );
    for _ in 0..3 {
        inventory::for_user(&backend, &admin, TIMEOUT)
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        interfaces(),
        running as u64,
        "not asked again during the same boot"
    );
}

#[tokio::test]
async fn container_pages_share_their_nodes_answer() {
    let (sim, mut backend, admin) = three_nodes().await;
    backend.inventory = Inventory::new(Duration::from_secs(60));
    let node_id = nodes::list(&backend, &admin).await.unwrap()[0].id.clone();
    let lists = || sim.request_count_where("pve", |path| path.ends_with("/lxc"));
    let before = lists();
    // Twenty open pages of three containers of one node ask at once.
    let pages: Vec<_> = (0..20)
        .map(|page| {
            let (backend, admin, node_id) = (backend.clone(), admin.clone(), node_id.clone());
            let vmid = ct([100, 103, 106][page % 3]);
            tokio::spawn(async move {
                inventory::container(&backend, &admin, &node_id, vmid)
                    .await
                    .unwrap()
            })
        })
        .collect();
    for page in pages {
        let row = page.await.unwrap().expect("listed");
        assert_eq!(row.pve_node, "pve");
    }
    assert_eq!(lists() - before, 1, "one Proxmox request for all of them");
    assert_eq!(
        inventory::container(&backend, &admin, &node_id, ct(101))
            .await
            .unwrap(),
        None,
        "101 is on pve2"
    );
    let bob = support::user(&backend, &admin, "bob").await;
    assert!(matches!(
        inventory::container(&backend, &bob, &node_id, ct(100)).await,
        Err(backend::ServiceError::NotFound)
    ));
    sim.set_offline("pve", true).await.unwrap();
    backend.inventory.forget(&node_id);
    assert!(matches!(
        inventory::container(&backend, &admin, &node_id, ct(100)).await,
        Err(backend::ServiceError::Upstream { .. })
    ));
}
