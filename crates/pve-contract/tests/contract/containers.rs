//! Containers through their whole life: create (and its failures), power actions, config updates, snapshots, delete.

use pve::{Consolidation, CreateSpec, DeleteOptions, PowerAction, PveError, RootfsSpec, Timeframe};
use pve_sim::SimConfig;

use super::support::*;

#[tokio::test]
async fn a_container_lives_through_create_start_shutdown_and_delete() {
    let sim = simulator(SimConfig::default()).await;
    let client = client(&sim);
    let upid = client.lxc_create("pve", &debian_spec(120)).await.unwrap();
    assert_eq!(upid.worker_type, "vzcreate");
    assert_eq!(upid.user, "root@pam!corral");
    // The placeholder is visible at once, locked.
    let placeholder = client.lxc_status("pve", 120).await.unwrap();
    assert_eq!(placeholder.lock.as_deref(), Some("create"));
    let mut lines = Vec::new();
    let outcome = client
        .wait_task(&upid, &fast(), |line| lines.push(line.t.clone()))
        .await
        .unwrap();
    assert_eq!(outcome.exitstatus, "OK");
    assert!(
        lines.iter().any(|l| l.contains("extracting archive")),
        "{lines:?}"
    );
    assert_eq!(lines.last().map(String::as_str), Some("TASK OK"));

    let config = client.lxc_config("pve", 120).await.unwrap();
    assert_eq!(config.hostname.as_deref(), Some("web-01"));
    assert_eq!(config.cores, Some(2));
    assert_eq!(config.tags, ["prod", "web"], "tags are normalised");
    assert!(config.unprivileged && config.features.nesting && config.onboot);
    let net0 = &config.networks[&0];
    assert_eq!(net0.bridge.as_deref(), Some("vmbr0"));
    assert!(
        net0.hwaddr
            .as_deref()
            .is_some_and(|mac| mac.starts_with("BC:24:11:"))
    );
    assert_eq!(
        config.rootfs.as_ref().unwrap().volume,
        "local-lvm:vm-120-disk-0"
    );
    assert!(
        !config.raw.contains_key("password"),
        "the password is never stored"
    );

    let start = client
        .lxc_power("pve", 120, &PowerAction::Start)
        .await
        .unwrap();
    wait(&client, &start).await.unwrap();
    let status = client.lxc_status("pve", 120).await.unwrap();
    assert_eq!(status.status, "running");
    assert!(status.pid.is_some());
    let interfaces = client.lxc_interfaces("pve", 120).await.unwrap().unwrap();
    let eth0 = interfaces.iter().find(|i| i.name == "eth0").unwrap();
    assert_eq!(eth0.ipv4_addresses().len(), 1);

    let again = client
        .lxc_power("pve", 120, &PowerAction::Start)
        .await
        .unwrap_err();
    assert_eq!(
        again,
        PveError::Server {
            status: 500,
            message: "CT 120 already running".into()
        }
    );

    let shutdown = PowerAction::Shutdown {
        timeout: Some(30),
        force_stop: true,
    };
    wait(
        &client,
        &client.lxc_power("pve", 120, &shutdown).await.unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        client.lxc_status("pve", 120).await.unwrap().status,
        "stopped"
    );
    assert_eq!(client.lxc_interfaces("pve", 120).await.unwrap(), None);
    let stop = client
        .lxc_power("pve", 120, &PowerAction::Stop)
        .await
        .unwrap_err();
    assert!(stop.to_string().contains("CT 120 not running"), "{stop}");

    let options = DeleteOptions {
        purge: true,
        ..DeleteOptions::default()
    };
    wait(
        &client,
        &client.lxc_delete("pve", 120, options).await.unwrap(),
    )
    .await
    .unwrap();
    let gone = client.lxc_status("pve", 120).await.unwrap_err();
    assert!(matches!(gone, PveError::NotFound { .. }), "{gone:?}");
}

#[tokio::test]
async fn a_create_with_a_missing_template_fails_in_its_task_and_leaves_nothing() {
    let sim = simulator(SimConfig::default()).await;
    let client = client(&sim);
    let spec = CreateSpec {
        ostemplate: "local:vztmpl/nope.tar.zst".into(),
        ..debian_spec(121)
    };
    let upid = client.lxc_create("pve", &spec).await.unwrap();
    let Err(PveError::TaskFailed {
        exitstatus,
        log_tail,
        ..
    }) = wait(&client, &upid).await
    else {
        panic!("the task must fail");
    };
    assert_eq!(
        exitstatus,
        "unable to create CT 121 - volume 'local:vztmpl/nope.tar.zst' does not exist"
    );
    assert!(
        log_tail
            .last()
            .is_some_and(|l| l.starts_with("TASK ERROR: ")),
        "{log_tail:?}"
    );
    assert!(
        sim.container_state(121).is_none(),
        "a failed create removes the container"
    );
}

#[tokio::test]
async fn create_refuses_bad_parameters_before_any_task() {
    let sim = simulator(SimConfig::default()).await;
    let client = client(&sim);
    let small = CreateSpec {
        memory: Some(8),
        ..debian_spec(122)
    };
    let Err(PveError::Parameters { errors, .. }) = client.lxc_create("pve", &small).await else {
        panic!("memory 8 is below the minimum");
    };
    assert_eq!(errors["memory"], "value must have a minimum value of 16");
    let wrong_storage = CreateSpec {
        rootfs: Some(RootfsSpec {
            storage: "local".into(),
            size_gib: 8,
        }),
        ..debian_spec(122)
    };
    let Err(PveError::Parameters { errors, .. }) = client.lxc_create("pve", &wrong_storage).await
    else {
        panic!("local holds no container directories");
    };
    assert_eq!(
        errors["storage"],
        "storage 'local' does not support container directories"
    );
    let taken = client
        .lxc_create("pve", &debian_spec(100))
        .await
        .unwrap_err();
    assert_eq!(
        taken.to_string(),
        "Proxmox error 500: CT 100 already exists on node 'pve'"
    );
    assert!(sim.container_state(122).is_none());
}

#[tokio::test]
async fn config_updates_use_the_digest_and_rrd_and_console_answer() {
    let sim = simulator(SimConfig::default()).await;
    let client = client(&sim);
    let config = client.lxc_config("pve", 100).await.unwrap();
    let changes = pve::Params::new().number("memory", 4096);
    client
        .lxc_update_config("pve", 100, changes.clone(), &[], Some(&config.digest))
        .await
        .unwrap();
    assert_eq!(
        client.lxc_config("pve", 100).await.unwrap().memory,
        Some(4096)
    );
    let stale = client
        .lxc_update_config("pve", 100, changes, &[], Some(&config.digest))
        .await
        .unwrap_err();
    assert!(
        stale
            .to_string()
            .contains("detected modified configuration"),
        "{stale}"
    );
    let samples = client
        .lxc_rrddata("pve", 100, Timeframe::Hour, Consolidation::Average)
        .await
        .unwrap();
    assert_eq!(samples.len(), 60);
    assert!(samples.last().unwrap().cpu.is_some());
    let console = client.lxc_termproxy("pve", 100).await.unwrap();
    assert!(
        (5900..6000).contains(&console.port),
        "the port arrives as a string"
    );
    assert_eq!(console.upid.worker_type, "vncproxy");
}

#[tokio::test]
async fn snapshots_are_taken_listed_rolled_back_and_deleted() {
    let sim = simulator(SimConfig::default()).await;
    let client = client(&sim);
    wait(
        &client,
        &client
            .lxc_snapshot_create("pve", 103, "before-upgrade", Some("safe point"))
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    let list = client.lxc_snapshots("pve", 103).await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.last().unwrap().is_current());
    assert_eq!(list[0].description, "safe point\n");
    wait(
        &client,
        &client
            .lxc_snapshot_rollback("pve", 103, "before-upgrade", false)
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    wait(
        &client,
        &client
            .lxc_snapshot_delete("pve", 103, "before-upgrade", false)
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(client.lxc_snapshots("pve", 103).await.unwrap().len(), 1);
    let bad = client
        .lxc_snapshot_create("pve", 103, "no spaces", None)
        .await
        .unwrap_err();
    assert!(matches!(bad, PveError::InvalidRequest { .. }), "{bad:?}");
}

#[tokio::test]
async fn a_create_may_name_an_existing_resource_pool() {
    let sim = simulator(SimConfig::default()).await;
    let client = client(&sim);
    let unknown = CreateSpec {
        pool: Some("lab".into()),
        ..debian_spec(123)
    };
    let refused = client.lxc_create("pve", &unknown).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        "permission denied: Permission check failed (pool 'lab' does not exist)"
    );
    assert!(sim.container_state(123).is_none());
    sim.add_pool("lab");
    let upid = client.lxc_create("pve", &unknown).await.unwrap();
    client.wait_task(&upid, &fast(), |_| {}).await.unwrap();
    let resources = client.cluster_resources(None).await.unwrap();
    let entry = resources
        .iter()
        .find(|r| r.vmid == Some(123))
        .expect("the new container is listed");
    assert_eq!(entry.pool.as_deref(), Some("lab"));
    assert_eq!(sim.pool_of(123).as_deref(), Some("lab"));
}
