//! Snapshots on the simulator: the tree with "you are here", a rollback that loses what
//! was written since (a file in the real guest) and starts the container again, names
//! Proxmox refuses, confirmations, a storage that cannot snapshot (Proxmox's message), a
//! second action while one runs, another user's container, and the audit entries.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use backend::ServiceError;
use backend::snapshots;
use model::audit::{AuditAction, AuditOutcome};
use model::ids::Vmid;
use model::job::JobState;
use pve_sim::Speed;
use support::lab::lab;

#[tokio::test]
async fn take_roll_back_and_delete_with_the_guests_files() {
    let lab = lab(Speed::Instant).await;
    let vmid = Vmid::new(lab.running_debian()).unwrap();
    let (backend, admin, node) = (&lab.backend, &lab.admin, &lab.node_id);

    let empty = snapshots::list(backend, admin, node, vmid).await.unwrap();
    assert!(empty.list.is_empty() && empty.current_parent.is_none() && empty.running);

    snapshots::take(
        backend,
        admin,
        node,
        vmid,
        "before-upgrade",
        "Before apt upgrade",
    )
    .await
    .unwrap();
    lab.on_node(&format!(
        "pct exec {vmid} -- sh -c 'echo new > /root/after.txt'"
    ))
    .await;
    snapshots::take(backend, admin, node, vmid, "second", "")
        .await
        .unwrap();
    let two = snapshots::list(backend, admin, node, vmid).await.unwrap();
    let shape: Vec<(&str, usize)> = two
        .list
        .iter()
        .map(|s| (s.name.as_str(), s.depth))
        .collect();
    assert_eq!(shape, [("before-upgrade", 0), ("second", 1)]);
    assert_eq!(two.current_parent.as_deref(), Some("second"));
    assert_eq!(two.list[0].description, "Before apt upgrade");
    assert!(two.list[0].taken_at.is_some());
    assert_eq!(two.after("before-upgrade"), ["second"]);

    // Refused before Proxmox is asked.
    for (name, field) in [
        ("1st", "snapname"),
        ("current", "snapname"),
        ("with space", "snapname"),
    ] {
        let refused = snapshots::take(backend, admin, node, vmid, name, "").await;
        assert!(
            matches!(&refused, Err(ServiceError::Validation(e)) if e.field == field),
            "{name}: {refused:?}"
        );
    }
    let unconfirmed =
        snapshots::rollback(backend, admin, node, vmid, "before-upgrade", true, false).await;
    assert!(matches!(&unconfirmed, Err(ServiceError::Validation(e)) if e.field == "confirm"));
    let mistyped = snapshots::delete(backend, admin, node, vmid, "second", "secnod").await;
    assert!(matches!(&mistyped, Err(ServiceError::Validation(e)) if e.field == "confirm"));
    let duplicate = snapshots::take(backend, admin, node, vmid, "second", "").await;
    assert!(
        matches!(&duplicate, Err(ServiceError::Upstream { message, .. }) if message.contains("snapshot name 'second' already used")),
        "{duplicate:?}"
    );

    // A second action on the same container while one runs.
    let held = backend.locks.take(node, vmid).unwrap();
    let busy = snapshots::take(backend, admin, node, vmid, "third", "").await;
    assert!(
        matches!(&busy, Err(ServiceError::Conflict(m)) if m.contains("another action is running")),
        "{busy:?}"
    );
    drop(held);

    // Roll back: the file written since is gone, the container runs again.
    snapshots::rollback(backend, admin, node, vmid, "before-upgrade", true, true)
        .await
        .unwrap();
    assert_eq!(lab.sim.guest_file(vmid.get(), "/root/after.txt"), None);
    assert_eq!(
        lab.sim.container_state(vmid.get()).map(|(_, up)| up),
        Some(true)
    );
    let back = snapshots::list(backend, admin, node, vmid).await.unwrap();
    assert_eq!(back.current_parent.as_deref(), Some("before-upgrade"));
    assert_eq!(back.list.len(), 2, "later snapshots stay");

    snapshots::delete(backend, admin, node, vmid, "second", "second")
        .await
        .unwrap();
    let one = snapshots::list(backend, admin, node, vmid).await.unwrap();
    assert_eq!(one.list.len(), 1);

    let bob = support::user(backend, admin, "bob").await;
    assert!(matches!(
        snapshots::list(backend, &bob, node, vmid).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        snapshots::take(backend, &bob, node, vmid, "mine", "").await,
        Err(ServiceError::NotFound)
    ));

    let audit = backend::audit::list(backend, admin, 1, 50).await.unwrap();
    let seen = |action: AuditAction, outcome: AuditOutcome| {
        audit
            .entries
            .iter()
            .filter(|e| e.action == action && e.outcome == outcome)
            .count()
    };
    assert_eq!(seen(AuditAction::SnapshotCreate, AuditOutcome::Ok), 2);
    assert_eq!(
        seen(AuditAction::SnapshotCreate, AuditOutcome::Failed),
        1,
        "the duplicate"
    );
    assert_eq!(seen(AuditAction::SnapshotRollback, AuditOutcome::Ok), 1);
    assert_eq!(seen(AuditAction::SnapshotDelete, AuditOutcome::Ok), 1);
    assert!(
        audit
            .entries
            .iter()
            .any(|e| e.detail.as_deref() == Some("snapshot before-upgrade: OK"))
    );
}

#[tokio::test]
async fn a_storage_without_snapshots_answers_in_proxmoxs_words() {
    let lab = lab(Speed::Instant).await;
    let _runner = lab.runner("r1");
    let mut form = lab.form(170);
    form.rootfs_storage = "nas".into();
    let (_, job) = lab.run(&form).await;
    assert_eq!(job.state, JobState::Succeeded, "{:?}", job.error);
    let vmid = Vmid::new(170).unwrap();
    let refused = snapshots::take(&lab.backend, &lab.admin, &lab.node_id, vmid, "first", "").await;
    assert!(
        matches!(&refused, Err(ServiceError::Upstream { message, .. }) if message.contains("snapshot feature is not available")),
        "{refused:?}"
    );
    let list = snapshots::list(&lab.backend, &lab.admin, &lab.node_id, vmid)
        .await
        .unwrap();
    assert!(list.list.is_empty(), "nothing half-made");
}
