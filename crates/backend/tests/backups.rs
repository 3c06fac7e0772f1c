//! Backups on the simulator: vzdump to each backup storage, the list with notes and
//! protection, a restore into a new VMID and one over the stopped container (a file
//! written after the backup is gone), refusals (a running container, a wrong
//! confirmation, a protected backup, a storage without backups, another user), audit.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use backend::ServiceError;
use backend::backups::{self, BackupRequest, RestoreTarget};
use model::audit::{AuditAction, AuditOutcome};
use model::backup::BackupMode;
use model::ids::Vmid;
use model::inventory::BackupAge;
use pve_sim::Speed;
use support::lab::lab;

fn request(storage: &str, notes: &str, protected: bool) -> BackupRequest {
    BackupRequest {
        storage: storage.into(),
        mode: BackupMode::Snapshot,
        notes: notes.into(),
        protected,
    }
}

#[tokio::test]
async fn back_up_list_restore_and_delete() {
    let lab = lab(Speed::Instant).await;
    let vmid = Vmid::new(lab.running_debian()).unwrap();
    let (backend, admin, node) = (&lab.backend, &lab.admin, &lab.node_id);

    let empty = backups::list(backend, admin, node, vmid).await.unwrap();
    assert!(empty.list.is_empty());
    assert_eq!(empty.storages, ["local", "nas"]);
    assert!(empty.rootfs_storages.contains(&"local-lvm".to_owned()));

    backups::create(
        backend,
        admin,
        node,
        vmid,
        request("nas", "before the change", false),
    )
    .await
    .unwrap();
    lab.on_node(&format!(
        "pct exec {vmid} -- sh -c 'echo later > /root/after.txt'"
    ))
    .await;
    let listed = backups::list(backend, admin, node, vmid).await.unwrap();
    assert_eq!(listed.list.len(), 1);
    let first = listed.list[0].clone();
    assert_eq!(
        (first.storage.as_str(), first.format.as_str()),
        ("nas", "tar.zst")
    );
    assert_eq!(first.notes, "before the change");
    assert!(first.size > 0 && first.created_at.is_some() && !first.protected);

    let refused =
        backups::create(backend, admin, node, vmid, request("local-lvm", "", false)).await;
    assert!(
        matches!(&refused, Err(ServiceError::Validation(e)) if e.field == "storage"),
        "{refused:?}"
    );

    // Into a new VMID: the backup's files, not what was written since.
    let new = Vmid::new(150).unwrap();
    let target = RestoreTarget {
        new_vmid: new,
        storage: "local-lvm".into(),
        start: true,
    };
    backups::restore_new(backend, admin, node, vmid, &first.volid, target)
        .await
        .unwrap();
    assert_eq!(lab.sim.container_state(150).map(|(_, up)| up), Some(true));
    assert_eq!(lab.sim.guest_file(150, "/root/after.txt"), None);
    let taken = RestoreTarget {
        new_vmid: vmid,
        storage: "local-lvm".into(),
        start: false,
    };
    let taken = backups::restore_new(backend, admin, node, vmid, &first.volid, taken).await;
    assert!(
        matches!(&taken, Err(ServiceError::Validation(e)) if e.field == "new_vmid"),
        "{taken:?}"
    );

    // Over the container itself: only stopped, only confirmed.
    let running = backups::restore_over(
        backend,
        admin,
        node,
        vmid,
        &first.volid,
        "local-lvm",
        "web-01",
    )
    .await;
    assert!(
        matches!(&running, Err(ServiceError::Conflict(m)) if m.contains("stop it first")),
        "{running:?}"
    );
    backend::lifecycle::run(
        backend,
        admin,
        node,
        vmid,
        backend::lifecycle::Action::power(model::container::PowerAction::Stop, None, false),
        None,
    )
    .await
    .unwrap();
    let unconfirmed = backups::restore_over(
        backend,
        admin,
        node,
        vmid,
        &first.volid,
        "local-lvm",
        "nope",
    )
    .await;
    assert!(matches!(&unconfirmed, Err(ServiceError::Validation(e)) if e.field == "confirm"));
    backups::restore_over(
        backend,
        admin,
        node,
        vmid,
        &first.volid,
        "local-lvm",
        &vmid.to_string(),
    )
    .await
    .unwrap();
    assert_eq!(lab.sim.guest_file(vmid.get(), "/root/after.txt"), None);

    // A protected backup stays; another goes once its name is typed.
    backups::create(backend, admin, node, vmid, request("local", "", true))
        .await
        .unwrap();
    let both = backups::list(backend, admin, node, vmid).await.unwrap();
    assert_eq!(both.list.len(), 2);
    let protected = both.list.iter().find(|b| b.protected).unwrap().clone();
    let kept = backups::delete(
        backend,
        admin,
        node,
        vmid,
        &protected.volid,
        protected.file_name(),
    )
    .await;
    assert!(
        matches!(&kept, Err(ServiceError::Conflict(m)) if m.contains("protected")),
        "{kept:?}"
    );
    let other_volume = format!("local-lvm:vm-{vmid}-disk-0");
    let not_a_backup =
        backups::delete(backend, admin, node, vmid, &other_volume, &other_volume).await;
    assert!(matches!(&not_a_backup, Err(ServiceError::Validation(e)) if e.field == "volid"));
    backups::delete(backend, admin, node, vmid, &first.volid, first.file_name())
        .await
        .unwrap();
    assert_eq!(
        backups::list(backend, admin, node, vmid)
            .await
            .unwrap()
            .list
            .len(),
        1
    );

    // The dashboard knows how old each container's newest backup is.
    let never = dashboard_once_backups_are_read(backend, admin, "backup:none").await;
    let ids: Vec<u32> = never.containers.iter().map(|c| c.vmid.get()).collect();
    assert!(!ids.contains(&vmid.get()) && !ids.is_empty(), "{ids:?}");
    let recent = dashboard_once_backups_are_read(backend, admin, &vmid.to_string()).await;
    assert!(matches!(recent.containers[0].backup_age, BackupAge::Seconds(age) if age < 600));

    let bob = support::user(backend, admin, "bob").await;
    assert!(matches!(
        backups::list(backend, &bob, node, vmid).await,
        Err(ServiceError::NotFound)
    ));

    let audit = backend::audit::list(backend, admin, 1, 50).await.unwrap();
    let seen = |action| {
        audit
            .entries
            .iter()
            .filter(|e| e.action == action && e.outcome == AuditOutcome::Ok)
            .count()
    };
    assert_eq!(seen(AuditAction::BackupCreate), 2);
    assert_eq!(seen(AuditAction::BackupRestore), 2);
    assert_eq!(seen(AuditAction::BackupDelete), 1);
}

#[tokio::test]
async fn a_node_that_goes_away_mid_backup_gets_a_clear_message_and_an_audit_entry() {
    // Tasks take a fifth of their real time: the backup runs for about a second.
    let lab = lab(Speed::Scaled(0.2)).await;
    let vmid = Vmid::new(lab.running_debian()).unwrap();
    let (backend, admin, node) = (lab.backend.clone(), lab.admin.clone(), lab.node_id.clone());
    let backing_up = tokio::spawn(async move {
        backups::create(&backend, &admin, &node, vmid, request("nas", "", false)).await
    });
    // Once the backup holds the container, the node stops answering.
    for _ in 0..100 {
        if lab.sim.container_lock(vmid.get()).as_deref() == Some("backup") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    lab.sim.set_offline("pve", true).await.unwrap();
    let failed = backing_up.await.unwrap();
    assert!(
        matches!(&failed, Err(ServiceError::Upstream { node, message }) if node == "pve lab" && !message.is_empty()),
        "{failed:?}"
    );
    lab.sim.set_offline("pve", false).await.unwrap();
    // The container is free again and its page reads as before.
    let detail = backend::containers::detail(&lab.backend, &lab.admin, &lab.node_id, vmid)
        .await
        .unwrap();
    assert_eq!(detail.vmid, vmid);
    assert!(!lab.backend.locks.is_held(&lab.node_id, vmid));
    let audit = backend::audit::list(&lab.backend, &lab.admin, 1, 20)
        .await
        .unwrap();
    assert!(audit.entries.iter().any(|e| {
        e.action == AuditAction::BackupCreate
            && e.outcome == AuditOutcome::Failed
            && e.detail
                .as_deref()
                .is_some_and(|d| d.starts_with("to nas: "))
    }));
}

/// The dashboard for `search` once no node's backups are being read any more (it never
/// waits for them itself; each page starts the reads that are due).
async fn dashboard_once_backups_are_read(
    backend: &backend::Backend,
    user: &backend::accounts::User,
    search: &str,
) -> model::inventory::Dashboard {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let dashboard = backend::dashboard::query(backend, user, search, "", 1)
            .await
            .unwrap();
        if dashboard.backup_ages_reading == 0 {
            return dashboard;
        }
        assert!(std::time::Instant::now() < deadline, "backups never read");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Backup ages on the dashboard, never waited for: a node never read shows "reading…"
/// (and its containers match no `backup:` search) until its first answer is in; an old
/// answer is shown while one read in the background replaces it; a node forgotten after a
/// backup through Corral is read again.
#[tokio::test]
async fn backup_ages_are_read_in_the_background() {
    let mut lab = lab(Speed::Instant).await;
    lab.backend.backup_ages = backend::backup_ages::BackupAges::new(std::time::Duration::ZERO);
    let vmid = lab.running_debian();
    let (backend, admin) = (&lab.backend, &lab.admin);
    let age_of = |dashboard: &model::inventory::Dashboard| {
        dashboard
            .containers
            .iter()
            .find(|row| row.vmid.get() == vmid)
            .map(|row| row.backup_age)
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let search = vmid.to_string();
    let query = |search: String| async move {
        backend::dashboard::query(backend, admin, &search, "", 1).await
    };
    let contents = || {
        lab.sim
            .request_count_where("pve", |path| path.contains("/content"))
    };
    // Pages until the container's age passes `check`.
    let until = |check: fn(BackupAge) -> bool, what: &'static str| async move {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let page = query(vmid.to_string()).await.unwrap();
            if age_of(&page).is_some_and(check) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{what}: {:?}",
                age_of(&page)
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };

    lab.sim.record_backup(vmid, now - 10 * 86_400).unwrap();
    let first = query("backup:>7d".into()).await.unwrap();
    assert_eq!(first.backup_ages_reading, 1, "the first page does not wait");
    assert!(
        first.backup_search,
        "the page is told the search is on backups"
    );
    assert!(
        first.containers.is_empty(),
        "an unknown age matches no backup search"
    );
    let plain = query(search.clone()).await.unwrap();
    assert_eq!(age_of(&plain), Some(BackupAge::Reading));
    assert!(!plain.backup_search);
    until(
        |age| matches!(age, BackupAge::Seconds(age) if age >= 10 * 86_400),
        "the first read",
    )
    .await;
    let found = query("backup:>7d".into()).await.unwrap();
    assert_eq!(found.backup_ages_reading, 0);
    assert_eq!(
        age_of(&found),
        age_of(&query(search.clone()).await.unwrap())
    );

    // A newer backup made outside Corral: the next page still shows the old answer (its
    // read has only begun), and a later one the new.
    lab.sim.record_backup(vmid, now - 3_600).unwrap();
    let reads_before = contents();
    let stale = query(search.clone()).await.unwrap();
    assert!(matches!(age_of(&stale), Some(BackupAge::Seconds(age)) if age >= 10 * 86_400));
    until(
        |age| matches!(age, BackupAge::Seconds(age) if age < 2 * 3_600),
        "the new backup",
    )
    .await;
    assert!(contents() > reads_before, "read again in the background");

    // A backup through Corral forgets the node's answer: it is read again at once.
    backups::create(
        backend,
        admin,
        &lab.node_id,
        Vmid::new(vmid).unwrap(),
        request("local", "", false),
    )
    .await
    .unwrap();
    until(
        |age| matches!(age, BackupAge::Seconds(age) if age < 600),
        "the backup through Corral",
    )
    .await;
}
