//! Lifecycle actions on the simulator: success, state checks, task failure with its log,
//! lock contention, typed delete confirmation, ownership, audit.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use backend::ServiceError;
use backend::audit::{self, AuditAction, AuditOutcome};
use backend::lifecycle::{self, Action};
use model::container::LxcStatus;
use pve_sim::Speed;
use support::{ct, one_node, user};

#[tokio::test]
async fn start_then_already_running_then_stop() {
    let (sim, backend, admin, node) = one_node(Speed::Instant).await;
    assert!(!sim.container_state(103).unwrap().1, "103 starts stopped");
    let done = lifecycle::run(&backend, &admin, &node, ct(103), Action::Start, None)
        .await
        .unwrap();
    assert_eq!(done.exitstatus, "OK");
    assert!(sim.container_state(103).unwrap().1, "running now");
    let again = lifecycle::run(&backend, &admin, &node, ct(103), Action::Start, None).await;
    assert!(
        matches!(&again, Err(ServiceError::Conflict(m)) if m == "CT 103 is already running"),
        "{again:?}"
    );
    lifecycle::run(&backend, &admin, &node, ct(103), Action::Stop, None)
        .await
        .unwrap();
    assert!(!sim.container_state(103).unwrap().1);
    let not_running = lifecycle::run(&backend, &admin, &node, ct(103), Action::Reboot, None).await;
    assert!(matches!(not_running, Err(ServiceError::Conflict(_))));
    let log = audit::list(&backend, &admin, 1, 10).await.unwrap();
    let actions: Vec<_> = log
        .entries
        .iter()
        .map(|e| (e.action, e.outcome))
        .take(2)
        .collect();
    assert_eq!(
        actions,
        [
            (AuditAction::ContainerStop, AuditOutcome::Ok),
            (AuditAction::ContainerStart, AuditOutcome::Ok)
        ]
    );
}

#[tokio::test]
async fn a_failed_task_reports_the_proxmox_message_and_log() {
    let (sim, backend, admin, node) = one_node(Speed::Instant).await;
    sim.fail_next_task("pve", "startup for container '103' failed");
    let error = lifecycle::run(&backend, &admin, &node, ct(103), Action::Start, None)
        .await
        .unwrap_err();
    let ServiceError::Upstream {
        node: name,
        message,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(name, "pve lab");
    assert!(
        message.contains("startup for container '103' failed"),
        "{message}"
    );
    let log = audit::list(&backend, &admin, 1, 1).await.unwrap();
    assert_eq!(
        (log.entries[0].action, log.entries[0].outcome),
        (AuditAction::ContainerStart, AuditOutcome::Failed)
    );
}

#[tokio::test]
async fn a_second_action_on_the_same_container_is_refused_while_one_runs() {
    let (sim, backend, admin, node) = one_node(Speed::Instant).await;
    // While the container is held (as an action holds it), another action is refused
    // before anything reaches Proxmox.
    let held = backend.locks.take(&node, ct(103)).unwrap();
    let second = lifecycle::run(&backend, &admin, &node, ct(103), Action::Start, None).await;
    assert!(
        matches!(&second, Err(ServiceError::Conflict(m)) if m == "another action is running on CT 103"),
        "{second:?}"
    );
    assert!(!sim.container_state(103).unwrap().1, "nothing was started");
    // Other containers are not held.
    lifecycle::run(&backend, &admin, &node, ct(102), Action::Stop, None)
        .await
        .unwrap();
    drop(held);
    lifecycle::run(&backend, &admin, &node, ct(103), Action::Start, None)
        .await
        .unwrap();
    assert!(
        backend.locks.take(&node, ct(103)).is_ok(),
        "a finished action lets go of the container"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_holds_its_container_until_the_proxmox_task_ends() {
    // Tasks take real time: the start task runs for a second and a half.
    let (_sim, backend, admin, node) = one_node(Speed::Scaled(1.0)).await;
    let first = {
        let (backend, admin, node) = (backend.clone(), admin.clone(), node.clone());
        tokio::spawn(async move {
            lifecycle::run(&backend, &admin, &node, ct(103), Action::Start, None).await
        })
    };
    // No sleep: look (without touching the lock) until the action has taken it.
    let held = loop {
        if backend.locks.is_held(&node, ct(103)) {
            break true;
        }
        if first.is_finished() {
            break false;
        }
        tokio::task::yield_now().await;
    };
    assert!(held, "the action held CT 103 while it ran");
    let second = lifecycle::run(&backend, &admin, &node, ct(103), Action::Start, None).await;
    assert!(
        matches!(&second, Err(ServiceError::Conflict(m)) if m == "another action is running on CT 103"),
        "{second:?}"
    );
    first.await.unwrap().unwrap();
    assert!(!backend.locks.is_held(&node, ct(103)), "let go at the end");
}

#[tokio::test]
async fn delete_needs_the_hostname_or_vmid_and_other_users_get_not_found() {
    let (sim, backend, admin, node) = one_node(Speed::Instant).await;
    let bob = user(&backend, &admin, "bob").await;
    let theirs = lifecycle::run(&backend, &bob, &node, ct(101), Action::Delete, Some("101")).await;
    assert!(matches!(theirs, Err(ServiceError::NotFound)));
    let wrong = lifecycle::run(
        &backend,
        &admin,
        &node,
        ct(101),
        Action::Delete,
        Some("nope"),
    )
    .await;
    assert!(
        matches!(&wrong, Err(ServiceError::Validation(e)) if e.field == "confirm"),
        "{wrong:?}"
    );
    assert!(sim.container_state(101).is_some(), "nothing deleted");
    lifecycle::run(
        &backend,
        &admin,
        &node,
        ct(101),
        Action::Delete,
        Some("101"),
    )
    .await
    .unwrap();
    assert!(
        sim.container_state(101).is_none(),
        "gone, although it was running"
    );
    let missing = lifecycle::run(&backend, &admin, &node, ct(101), Action::Start, None).await;
    assert!(
        matches!(missing, Err(ServiceError::NotFound)),
        "{missing:?}"
    );
}

#[tokio::test]
async fn the_container_page_has_configuration_addresses_and_events() {
    let (_sim, backend, admin, node) = one_node(Speed::Instant).await;
    lifecycle::run(&backend, &admin, &node, ct(103), Action::Start, None)
        .await
        .unwrap();
    let detail = backend::containers::detail(&backend, &admin, &node, ct(103))
        .await
        .unwrap();
    assert_eq!(detail.status, LxcStatus::Running);
    assert!(detail.hostname.is_some() && detail.cores.is_some() && detail.memory_mib.is_some());
    assert!(
        detail.rootfs.as_deref().is_some_and(|r| r.contains(':')),
        "{:?}",
        detail.rootfs
    );
    assert_eq!(detail.networks[0].key, "net0");
    assert_eq!(detail.networks[0].name, "eth0");
    assert!(
        !detail.addresses.is_empty(),
        "a running container reports its address"
    );
    // lo is left out (the simulated guests live on a loopback subnet of their own).
    assert!(
        detail.addresses.iter().all(|a| a != "127.0.0.1"),
        "{:?}",
        detail.addresses
    );
    assert_eq!(detail.events.len(), 1);
    assert_eq!(detail.events[0].action, AuditAction::ContainerStart);
    let bob = user(&backend, &admin, "bob").await;
    assert!(matches!(
        backend::containers::detail(&backend, &bob, &node, ct(103)).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        backend::containers::detail(&backend, &admin, &node, ct(999)).await,
        Err(ServiceError::NotFound)
    ));
}

#[tokio::test]
async fn renaming_the_node_keeps_its_containers_history() {
    let (sim, backend, admin, node) = one_node(Speed::Instant).await;
    lifecycle::run(&backend, &admin, &node, ct(103), Action::Start, None)
        .await
        .unwrap();
    let mut renamed = support::form(&sim, "pve");
    renamed.name = "rack 2".into();
    renamed.token_secret.clear();
    renamed.ssh_password.clear();
    backend::nodes::update(&backend, &admin, &node, &renamed)
        .await
        .unwrap();
    lifecycle::run(&backend, &admin, &node, ct(103), Action::Stop, None)
        .await
        .unwrap();
    let detail = backend::containers::detail(&backend, &admin, &node, ct(103))
        .await
        .unwrap();
    let history: Vec<(AuditAction, &str)> = detail
        .events
        .iter()
        .map(|e| (e.action, e.target.as_str()))
        .collect();
    assert_eq!(
        history,
        [
            (AuditAction::ContainerStop, "CT 103 (proxy-01) on rack 2"),
            (AuditAction::ContainerStart, "CT 103 (proxy-01) on pve lab"),
        ],
        "both entries, each worded as it was"
    );
    assert!(
        detail
            .events
            .iter()
            .all(|e| e.subject.vmid == Some(ct(103)))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_whose_browser_went_away_still_ends_and_is_audited() {
    // The start task runs for a second and a half; the request is dropped meanwhile.
    let (sim, backend, admin, node) = one_node(Speed::Scaled(1.0)).await;
    let request = {
        let (backend, admin, node) = (backend.clone(), admin.clone(), node.clone());
        tokio::spawn(async move {
            lifecycle::run(&backend, &admin, &node, ct(103), Action::Start, None).await
        })
    };
    while !backend.locks.is_held(&node, ct(103)) {
        assert!(
            !request.is_finished(),
            "the action never took the container"
        );
        tokio::task::yield_now().await;
    }
    request.abort();
    assert!(request.await.unwrap_err().is_cancelled());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while backend.locks.is_held(&node, ct(103)) {
        assert!(
            std::time::Instant::now() < deadline,
            "the action never ended"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(sim.container_state(103).unwrap().1, "started all the same");
    let log = audit::list(&backend, &admin, 1, 10).await.unwrap();
    assert_eq!(
        (log.entries[0].action, log.entries[0].outcome),
        (AuditAction::ContainerStart, AuditOutcome::Ok)
    );
}
