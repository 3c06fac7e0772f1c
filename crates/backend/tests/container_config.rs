//! Editing a container on the simulator: resources and options sent as a difference and
//! audited, a change made meanwhile in Proxmox refusing a stale form, memory below what is
//! in use refused, tags from the dashboard, growing the root disk (never shrinking), and a
//! change Proxmox keeps for the next start shown as pending.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use backend::ServiceError;
use backend::container_config;
use backend::containers;
use model::audit::AuditAction;
use model::ids::Vmid;
use model::resources::ResourcesForm;
use pve_sim::Speed;
use support::lab::lab;

#[tokio::test]
async fn resources_tags_and_the_disk_change_as_asked() {
    let lab = lab(Speed::Instant).await;
    let vmid = Vmid::new(lab.running_debian()).unwrap();
    let (backend, admin, node) = (&lab.backend, &lab.admin, &lab.node_id);
    let before = containers::detail(backend, admin, node, vmid)
        .await
        .unwrap();
    let mut form = ResourcesForm::from_current(&before.resources());
    form.cores = "3".into();
    form.cpulimit = "1.5".into();
    form.memory = "3072".into();
    form.onboot = Some("on".into());
    form.order = "2".into();
    form.tags = "web, shop".into();
    form.notes = "Serves the shop.".into();
    let done = container_config::edit(
        backend,
        admin,
        node,
        vmid,
        form.check().unwrap(),
        &before.digest,
    )
    .await
    .unwrap();
    assert_eq!(
        done.about.as_deref().unwrap_or_default(),
        "cores 3, CPU limit 1.5, memory 3072 MiB, start at boot on, start-up order 2, tags [shop, web], notes"
    );
    let after = containers::detail(backend, admin, node, vmid)
        .await
        .unwrap();
    let resources = after.resources();
    assert_eq!(
        (
            resources.cores,
            resources.cpulimit,
            resources.memory_mib,
            resources.onboot,
            resources.order
        ),
        (3, Some(1.5), 3072, true, Some(2))
    );
    assert_eq!(resources.tags, ["shop", "web"]);
    assert_eq!(resources.notes, "Serves the shop.");

    // The same form again changes nothing; a stale form is refused.
    let again = container_config::edit(
        backend,
        admin,
        node,
        vmid,
        form.check().unwrap(),
        &after.digest,
    )
    .await;
    assert!(
        matches!(&again, Err(ServiceError::Conflict(m)) if m.contains("nothing to change")),
        "{again:?}"
    );
    let mut stale = form.clone();
    stale.cores = "1".into();
    stale.cpulimit = String::new();
    let refused = container_config::edit(
        backend,
        admin,
        node,
        vmid,
        stale.check().unwrap(),
        &before.digest,
    )
    .await;
    assert!(
        matches!(&refused, Err(ServiceError::Conflict(m)) if m.contains("changed since this page was loaded")),
        "{refused:?}"
    );

    // Memory below what it uses now.
    let in_use_mib = after.mem / (1024 * 1024);
    let mut starved = ResourcesForm::from_current(&after.resources());
    starved.memory = (in_use_mib / 2).max(16).to_string();
    let starved = container_config::edit(
        backend,
        admin,
        node,
        vmid,
        starved.check().unwrap(),
        &after.digest,
    )
    .await;
    assert!(
        matches!(&starved, Err(ServiceError::Validation(e)) if e.field == "memory"),
        "{starved:?}"
    );

    // Tags from the dashboard row.
    container_config::set_tags(backend, admin, node, vmid, vec!["db".into()])
        .await
        .unwrap();
    let tagged = containers::detail(backend, admin, node, vmid)
        .await
        .unwrap();
    assert_eq!(tagged.tags, ["db"]);
    assert_eq!(
        tagged.description.as_deref(),
        Some("Serves the shop."),
        "the rest stays"
    );

    // The root disk grows, never shrinks, and only when confirmed.
    assert_eq!(tagged.rootfs_gib(), Some(8));
    for (size, confirmed, field) in [
        ("6", true, "size"),
        ("8", true, "size"),
        ("12", false, "confirm"),
    ] {
        let refused =
            container_config::grow_rootfs(backend, admin, node, vmid, size, confirmed).await;
        assert!(
            matches!(&refused, Err(ServiceError::Validation(e)) if e.field == field),
            "{size}: {refused:?}"
        );
    }
    container_config::grow_rootfs(backend, admin, node, vmid, "12", true)
        .await
        .unwrap();
    let grown = containers::detail(backend, admin, node, vmid)
        .await
        .unwrap();
    assert_eq!(grown.rootfs_gib(), Some(12));

    let audit = backend::audit::list(backend, admin, 1, 50).await.unwrap();
    assert!(
        audit
            .entries
            .iter()
            .any(|e| e.action == AuditAction::ContainerResize
                && e.detail.as_deref() == Some("rootfs to 12 GiB: OK"))
    );
    assert_eq!(
        audit
            .entries
            .iter()
            .filter(|e| e.action == AuditAction::ContainerConfig)
            .count(),
        2
    );

    let bob = support::user(backend, admin, "bob").await;
    assert!(matches!(
        container_config::set_tags(backend, &bob, node, vmid, vec![]).await,
        Err(ServiceError::NotFound)
    ));
}

#[tokio::test]
async fn a_change_kept_for_the_next_start_is_shown_as_pending() {
    let lab = lab(Speed::Instant).await;
    let vmid = Vmid::new(lab.running_debian()).unwrap();
    let (_, access) = backend::nodes::access(&lab.backend, &lab.admin, &lab.node_id)
        .await
        .unwrap();
    let client = access.client(std::time::Duration::from_secs(10)).unwrap();
    // As an operator would in the Proxmox UI: a feature flag, which waits for a restart.
    client
        .lxc_update_config(
            "pve",
            vmid.get(),
            pve::Params::new().text("features", "nesting=1,keyctl=1"),
            &[],
            None,
        )
        .await
        .unwrap();
    let detail = containers::detail(&lab.backend, &lab.admin, &lab.node_id, vmid)
        .await
        .unwrap();
    assert_eq!(detail.pending.len(), 1, "{:?}", detail.pending);
    assert_eq!(detail.pending[0].key, "features");
    assert_eq!(
        detail.pending[0].then.as_deref(),
        Some("nesting=1,keyctl=1")
    );
    for action in [
        model::container::PowerAction::Stop,
        model::container::PowerAction::Start,
    ] {
        backend::lifecycle::run(
            &lab.backend,
            &lab.admin,
            &lab.node_id,
            vmid,
            backend::lifecycle::Action::power(action, None, false),
            None,
        )
        .await
        .unwrap();
    }
    let restarted = containers::detail(&lab.backend, &lab.admin, &lab.node_id, vmid)
        .await
        .unwrap();
    assert!(restarted.pending.is_empty());
    assert!(restarted.features.contains(&"keyctl".to_owned()));
}
