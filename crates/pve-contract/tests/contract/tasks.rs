//! Proxmox tasks: waiting for their end (failures, warnings, timeouts, cancellation), listing and stopping them.

use std::time::Duration;

use pve::{CancellationToken, PowerAction, PveError, TaskFilter, WaitOptions};
use pve_sim::{SimConfig, Speed};

use super::support::*;

#[tokio::test]
async fn task_waits_report_failures_warnings_timeouts_and_cancellation() {
    let sim = simulator(SimConfig::default()).await;
    let client = client(&sim);
    // Container 103 is seeded stopped (every fourth one is).
    sim.fail_next_task("pve", "startup for container '103' failed");
    let upid = client
        .lxc_power("pve", 103, &PowerAction::Start)
        .await
        .unwrap();
    let Err(PveError::TaskFailed { exitstatus, .. }) = wait(&client, &upid).await else {
        panic!("the injected failure must fail the task");
    };
    assert_eq!(exitstatus, "startup for container '103' failed");

    sim.warn_next_task("pve", 2);
    let upid = client
        .lxc_power("pve", 103, &PowerAction::Start)
        .await
        .unwrap();
    let outcome = wait(&client, &upid).await.unwrap();
    assert_eq!(
        (outcome.exitstatus.as_str(), outcome.warnings),
        ("WARNINGS: 2", 2)
    );

    let slow = simulator(SimConfig {
        speed: Speed::Realistic,
        ..SimConfig::default()
    })
    .await;
    let slow_client = client_for(slow.api_url(), token_auth(&slow), pin(&slow, "pve"));
    let upid = slow_client
        .lxc_power("pve", 100, &PowerAction::Stop)
        .await
        .unwrap();
    let short = WaitOptions {
        deadline: Duration::from_millis(50),
        ..fast()
    };
    let timeout = slow_client
        .wait_task(&upid, &short, |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(timeout, PveError::TaskTimeout { .. }),
        "{timeout:?}"
    );

    let cancel = CancellationToken::new();
    let options = WaitOptions {
        cancel: Some(cancel.clone()),
        ..fast()
    };
    let canceller = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(30)).await;
        canceller.cancel();
    });
    let upid = slow_client
        .lxc_power("pve", 101, &PowerAction::Stop)
        .await
        .unwrap();
    let cancelled = slow_client
        .wait_task(&upid, &options, |_| {})
        .await
        .unwrap_err();
    assert_eq!(cancelled, PveError::Cancelled);
}

#[tokio::test]
async fn tasks_are_listed_paged_and_stoppable() {
    let sim = simulator(SimConfig {
        speed: Speed::Realistic,
        ..SimConfig::default()
    })
    .await;
    let client = client(&sim);
    let upid = client
        .lxc_power("pve", 103, &PowerAction::Start)
        .await
        .unwrap();
    let active = TaskFilter {
        active: true,
        ..TaskFilter::default()
    };
    let (running, _) = client.tasks("pve", &active).await.unwrap();
    assert!(
        running
            .iter()
            .any(|t| t.upid == upid && t.status.as_deref() == Some("RUNNING"))
    );
    assert_eq!(running[0].tokenid.as_deref(), Some("corral"));
    let (finished, _) = client.tasks("pve", &TaskFilter::default()).await.unwrap();
    assert!(
        finished.iter().all(|t| t.upid != upid),
        "running tasks are not archived"
    );
    client.task_stop(&upid).await.unwrap();
    let Err(PveError::TaskFailed { exitstatus, .. }) = wait(&client, &upid).await else {
        panic!("a stopped task fails");
    };
    assert_eq!(exitstatus, "received interrupt");
    let page = client.task_log(&upid, 0, 1).await.unwrap();
    assert_eq!(page.lines.len(), 1);
    assert_eq!(page.total, 1);
    let (archived, total) = client
        .tasks(
            "pve",
            &TaskFilter {
                vmid: Some(103),
                ..TaskFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((archived.len(), total), (1, 1));
}
