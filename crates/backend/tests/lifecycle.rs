//! Lifecycle actions on the simulator: success, state checks, task failure with its log,
//! lock contention, typed delete confirmation, ownership, audit.

mod support;

use backend::ServiceError;
use backend::audit;
use backend::lifecycle::{self, Action};
use pve_sim::Speed;
use support::{one_node, user};

#[tokio::test]
async fn start_then_already_running_then_stop() {
    let (sim, backend, admin, node) = one_node(Speed::Instant).await;
    assert!(!sim.container_state(103).unwrap().1, "103 starts stopped");
    let done = lifecycle::run(&backend, &admin, &node, 103, Action::Start, None)
        .await
        .unwrap();
    assert_eq!(done.exitstatus, "OK");
    assert!(sim.container_state(103).unwrap().1, "running now");
    let again = lifecycle::run(&backend, &admin, &node, 103, Action::Start, None).await;
    assert!(
        matches!(&again, Err(ServiceError::Conflict(m)) if m == "CT 103 is already running"),
        "{again:?}"
    );
    lifecycle::run(&backend, &admin, &node, 103, Action::Stop, None)
        .await
        .unwrap();
    assert!(!sim.container_state(103).unwrap().1);
    let not_running = lifecycle::run(&backend, &admin, &node, 103, Action::Reboot, None).await;
    assert!(matches!(not_running, Err(ServiceError::Conflict(_))));
    let log = audit::list(&backend, &admin, 1, 10).await.unwrap();
    let actions: Vec<_> = log
        .entries
        .iter()
        .map(|e| (e.action.as_str(), e.outcome.as_str()))
        .take(2)
        .collect();
    assert_eq!(actions, [("ct.stop", "ok"), ("ct.start", "ok")]);
}

#[tokio::test]
async fn a_failed_task_reports_the_proxmox_message_and_log() {
    let (sim, backend, admin, node) = one_node(Speed::Instant).await;
    sim.fail_next_task("pve", "startup for container '103' failed");
    let error = lifecycle::run(&backend, &admin, &node, 103, Action::Start, None)
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
        (
            log.entries[0].action.as_str(),
            log.entries[0].outcome.as_str()
        ),
        ("ct.start", "failed")
    );
}

#[tokio::test]
async fn a_second_action_on_the_same_container_is_refused_while_one_runs() {
    let (_sim, backend, admin, node) = one_node(Speed::Scaled(0.2)).await;
    let first = {
        let (backend, admin, node) = (backend.clone(), admin.clone(), node.clone());
        tokio::spawn(async move {
            lifecycle::run(&backend, &admin, &node, 103, Action::Start, None).await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let second = lifecycle::run(&backend, &admin, &node, 103, Action::Start, None).await;
    assert!(
        matches!(&second, Err(ServiceError::Conflict(m)) if m == "another action is running on CT 103"),
        "{second:?}"
    );
    first.await.unwrap().unwrap();
}

#[tokio::test]
async fn delete_needs_the_hostname_or_vmid_and_other_users_get_not_found() {
    let (sim, backend, admin, node) = one_node(Speed::Instant).await;
    let bob = user(&backend, &admin, "bob").await;
    let theirs = lifecycle::run(&backend, &bob, &node, 101, Action::Delete, Some("101")).await;
    assert!(matches!(theirs, Err(ServiceError::NotFound)));
    let wrong = lifecycle::run(&backend, &admin, &node, 101, Action::Delete, Some("nope")).await;
    assert!(
        matches!(&wrong, Err(ServiceError::Validation(e)) if e.field == "confirm"),
        "{wrong:?}"
    );
    assert!(sim.container_state(101).is_some(), "nothing deleted");
    lifecycle::run(&backend, &admin, &node, 101, Action::Delete, Some("101"))
        .await
        .unwrap();
    assert!(
        sim.container_state(101).is_none(),
        "gone, although it was running"
    );
    let missing = lifecycle::run(&backend, &admin, &node, 101, Action::Start, None).await;
    assert!(
        matches!(missing, Err(ServiceError::NotFound)),
        "{missing:?}"
    );
}

#[tokio::test]
async fn the_container_page_has_configuration_addresses_and_events() {
    let (_sim, backend, admin, node) = one_node(Speed::Instant).await;
    lifecycle::run(&backend, &admin, &node, 103, Action::Start, None)
        .await
        .unwrap();
    let detail = backend::containers::detail(&backend, &admin, &node, 103)
        .await
        .unwrap();
    assert_eq!(detail.status, "running");
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
    assert!(detail.addresses.iter().all(|a| !a.starts_with("127.")));
    assert_eq!(detail.events.len(), 1);
    assert_eq!(detail.events[0].action, "ct.start");
    let bob = user(&backend, &admin, "bob").await;
    assert!(matches!(
        backend::containers::detail(&backend, &bob, &node, 103).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        backend::containers::detail(&backend, &admin, &node, 999).await,
        Err(ServiceError::NotFound)
    ));
}
