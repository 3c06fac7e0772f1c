//! The `pve` client against the `pve-sim` simulator: every call, success and each error.

use std::time::Duration;

use pve::{
    Auth, CancellationToken, Client, ClientConfig, Consolidation, CreateSpec, DeleteOptions,
    Fingerprint, PowerAction, PveError, ResourceKind, RootfsSpec, Secret, TaskFilter, Timeframe,
    Trust, Upid, WaitOptions,
};
use pve_sim::{ErrorStyle, SimConfig, Simulator, Speed};

async fn simulator(config: SimConfig) -> Simulator {
    Simulator::start(config)
        .await
        .expect("the simulator starts")
}

fn pin(sim: &Simulator, node: &str) -> Trust {
    Trust::Pinned(sim.tls_fingerprint(node).unwrap().parse().unwrap())
}

fn token_auth(sim: &Simulator) -> Auth {
    let (id, secret) = sim.token();
    Auth::Token {
        id,
        secret: Secret::new(secret),
    }
}

fn client_for(url: String, auth: Auth, trust: Trust) -> Client {
    let mut config = ClientConfig::new(url, auth, trust);
    config.request_timeout = Duration::from_secs(5);
    config.retry_backoff = Duration::from_millis(10);
    Client::new(config).unwrap()
}

fn client(sim: &Simulator) -> Client {
    client_for(sim.api_url(), token_auth(sim), pin(sim, "pve"))
}

fn fast() -> WaitOptions {
    WaitOptions {
        interval: Duration::from_millis(5),
        deadline: Duration::from_secs(10),
        ..WaitOptions::default()
    }
}

async fn wait(client: &Client, upid: &Upid) -> Result<pve::TaskOutcome, PveError> {
    client.wait_task(upid, &fast(), |_| {}).await
}

fn debian_spec(vmid: u32) -> CreateSpec {
    CreateSpec {
        vmid,
        ostemplate: "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst".into(),
        hostname: Some("web-01".into()),
        cores: Some(2),
        memory: Some(2048),
        swap: Some(512),
        rootfs: Some(RootfsSpec {
            storage: "local-lvm".into(),
            size_gib: 8,
        }),
        net0: Some("name=eth0,bridge=vmbr0,ip=dhcp".parse().unwrap()),
        password: Some(Secret::new("correct horse battery")),
        unprivileged: true,
        features: "nesting=1".parse().unwrap(),
        onboot: Some(true),
        tags: vec!["Web".into(), "prod".into(), "web".into()],
        ..CreateSpec::default()
    }
}

#[tokio::test]
async fn reads_version_nodes_status_and_resources() {
    let sim = simulator(SimConfig {
        nodes: 2,
        containers: 5,
        ..SimConfig::default()
    })
    .await;
    let client = client(&sim);
    assert_eq!(client.version().await.unwrap().release, "9.1");
    let nodes = client.nodes().await.unwrap();
    assert_eq!(
        nodes.iter().map(|n| n.node.as_str()).collect::<Vec<_>>(),
        ["pve", "pve2"]
    );
    assert_eq!(nodes[1].ssl_fingerprint, sim.tls_fingerprint("pve2"));
    let status = client.node_status("pve").await.unwrap();
    assert_eq!(status.loadavg.len(), 3);
    assert!(
        status.cpuinfo.mhz.is_some_and(|mhz| mhz > 1000.0),
        "mhz arrives as a string"
    );
    let all = client.cluster_resources(None).await.unwrap();
    assert!(all.iter().any(|r| r.kind == "node") && all.iter().any(|r| r.kind == "storage"));
    let guests = client
        .cluster_resources(Some(ResourceKind::Vm))
        .await
        .unwrap();
    assert_eq!(guests.len(), 5);
    assert!(
        guests
            .iter()
            .all(|g| g.kind == "lxc" && g.vmid.is_some() && g.status.is_some())
    );
    assert!(guests.iter().any(|g| !g.tags.is_empty()));
}

#[tokio::test]
async fn next_id_is_read_from_a_string_and_taken_ids_are_parameter_errors() {
    let sim = simulator(SimConfig::default()).await;
    let client = client(&sim);
    assert_eq!(client.next_id(None).await.unwrap(), 106);
    assert_eq!(client.next_id(Some(4242)).await.unwrap(), 4242);
    let Err(PveError::Parameters { errors, .. }) = client.next_id(Some(100)).await else {
        panic!("a taken vmid must be a parameter error");
    };
    assert_eq!(errors["vmid"], "VM 100 already exists");
    let Err(PveError::Parameters { errors, .. }) = client.next_id(Some(99)).await else {
        panic!("99 is not a vmid");
    };
    assert!(errors["vmid"].contains("does not look like a valid VM ID"));
}

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
async fn tokens_that_are_wrong_revoked_or_limited_are_refused() {
    let sim = simulator(SimConfig::default()).await;
    let wrong = Auth::Token {
        id: "root@pam!corral".into(),
        secret: Secret::new("not-the-secret"),
    };
    let client_wrong = client_for(sim.api_url(), wrong, pin(&sim, "pve"));
    let error = client_wrong.version().await.unwrap_err();
    assert_eq!(
        error,
        PveError::Unauthorized {
            message: "Authentication failed!".into()
        }
    );
    assert!(!error.to_string().contains("not-the-secret"));

    let client = client(&sim);
    sim.set_token_revoked("root@pam!corral", true);
    assert!(matches!(
        client.version().await,
        Err(PveError::Unauthorized { .. })
    ));
    sim.set_token_revoked("root@pam!corral", false);
    client.version().await.unwrap();

    let secret = sim.add_token("root@pam!readonly", &["VM.Audit"]);
    let limited = Auth::Token {
        id: "root@pam!readonly".into(),
        secret: Secret::new(secret),
    };
    let readonly = client_for(sim.api_url(), limited, pin(&sim, "pve"));
    assert!(!readonly.lxc_list("pve").await.unwrap().is_empty());
    let Err(PveError::Forbidden { permission, .. }) =
        readonly.lxc_power("pve", 100, &PowerAction::Stop).await
    else {
        panic!("a read-only token cannot stop containers");
    };
    assert_eq!(permission.as_deref(), Some("/vms/100, VM.PowerMgmt"));
}

#[tokio::test]
async fn password_login_uses_a_ticket_and_csrf_token() {
    let sim = simulator(SimConfig::default()).await;
    let auth = Auth::Password {
        username: "root@pam".into(),
        password: Secret::new(sim.root_password()),
    };
    let client = client_for(sim.api_url(), auth, pin(&sim, "pve"));
    assert_eq!(client.version().await.unwrap().version, "9.1.6");
    // A write needs the CSRF token; the task is attributed to the user, not a token.
    let upid = client
        .lxc_power("pve", 103, &PowerAction::Start)
        .await
        .unwrap();
    assert_eq!(upid.user, "root@pam");
    let wrong = Auth::Password {
        username: "root@pam".into(),
        password: Secret::new("guess"),
    };
    let refused = client_for(sim.api_url(), wrong, pin(&sim, "pve"))
        .version()
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        PveError::Unauthorized {
            message: "authentication failure".into()
        }
    );
}

#[tokio::test]
async fn the_pinned_certificate_is_checked_and_a_probe_reads_it() {
    let sim = simulator(SimConfig::default()).await;
    let url = sim.api_url();
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let info = pve::probe("127.0.0.1", port, Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(
        info.fingerprint.to_string(),
        sim.tls_fingerprint("pve").unwrap()
    );
    assert!(info.subject.contains("pve.local"), "{}", info.subject);
    assert!(
        info.issuer.contains("PVE Cluster Manager CA"),
        "{}",
        info.issuer
    );
    assert!(info.not_before < info.not_after);

    let stranger: Fingerprint = "00".repeat(32).parse().unwrap();
    let pinned_wrong = client_for(url.clone(), token_auth(&sim), Trust::Pinned(stranger));
    let Err(PveError::TlsMismatch { expected, seen }) = pinned_wrong.version().await else {
        panic!("a wrong pin must fail");
    };
    assert_eq!(expected, stranger);
    assert_eq!(seen, info.fingerprint);

    let client = client(&sim);
    client.version().await.unwrap();
    let replaced = sim.replace_certificate("pve").unwrap();
    // A new connection sees the new certificate and refuses it.
    let fresh = client_for(
        url.clone(),
        token_auth(&sim),
        pin_of(&info.fingerprint.to_string()),
    );
    let Err(PveError::TlsMismatch { seen, .. }) = fresh.version().await else {
        panic!("a replaced certificate must be refused");
    };
    assert_eq!(seen.to_string(), replaced);

    let via_ca = client_for(url, token_auth(&sim), Trust::CustomCa(sim.ca_pem()));
    via_ca.version().await.unwrap();
}

fn pin_of(fingerprint: &str) -> Trust {
    Trust::Pinned(fingerprint.parse().unwrap())
}

#[tokio::test]
async fn an_offline_node_refuses_connections_and_is_unreachable_through_the_cluster() {
    let sim = simulator(SimConfig {
        nodes: 2,
        containers: 4,
        ..SimConfig::default()
    })
    .await;
    let via_pve = client(&sim);
    let direct = client_for(
        sim.node_api_url("pve2").unwrap(),
        token_auth(&sim),
        pin(&sim, "pve2"),
    );
    direct.version().await.unwrap();
    sim.set_offline("pve2", true).await.unwrap();
    let refused = direct.version().await.unwrap_err();
    assert!(matches!(refused, PveError::Network { .. }), "{refused:?}");
    let proxied = via_pve.lxc_list("pve2").await.unwrap_err();
    assert!(
        matches!(proxied, PveError::NodeUnreachable { status: 595, .. }),
        "{proxied:?}"
    );
    let guests = via_pve
        .cluster_resources(Some(ResourceKind::Vm))
        .await
        .unwrap();
    let on_pve2: Vec<_> = guests
        .iter()
        .filter(|g| g.node.as_deref() == Some("pve2"))
        .collect();
    assert!(
        !on_pve2.is_empty()
            && on_pve2
                .iter()
                .all(|g| g.status.as_deref() == Some("unknown"))
    );
    sim.set_offline("pve2", false).await.unwrap();
    direct.version().await.unwrap();
}

#[tokio::test]
async fn a_slow_node_times_out() {
    let sim = simulator(SimConfig::default()).await;
    sim.set_latency("pve", Duration::from_millis(400));
    let mut config = ClientConfig::new(sim.api_url(), token_auth(&sim), pin(&sim, "pve"));
    config.request_timeout = Duration::from_millis(100);
    config.retries = 0;
    let error = Client::new(config).unwrap().version().await.unwrap_err();
    assert!(matches!(error, PveError::Timeout { .. }), "{error:?}");
}

#[tokio::test]
async fn old_servers_put_the_message_only_in_the_reason_phrase() {
    let sim = simulator(SimConfig {
        error_style: ErrorStyle::Old,
        ..SimConfig::default()
    })
    .await;
    let error = client(&sim)
        .lxc_power("pve", 100, &PowerAction::Start)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PveError::Server {
            status: 500,
            message: "CT 100 already running".into()
        }
    );
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

#[tokio::test]
async fn storages_templates_appliances_and_bridges() {
    let sim = simulator(SimConfig::default()).await;
    let client = client(&sim);
    let template_stores = client.storages("pve", Some("vztmpl")).await.unwrap();
    assert_eq!(
        template_stores
            .iter()
            .map(|s| s.storage.as_str())
            .collect::<Vec<_>>(),
        ["local"]
    );
    let rootdir = client.storages("pve", Some("rootdir")).await.unwrap();
    assert!(rootdir.iter().all(|s| s.holds("rootdir")));
    let templates = client
        .storage_content("pve", "local", Some("vztmpl"))
        .await
        .unwrap();
    assert_eq!(templates.len(), 2);
    assert!(templates.iter().any(|t| t.format == "tzst"));
    let disks = client
        .storage_content("pve", "local-lvm", None)
        .await
        .unwrap();
    assert!(
        disks.iter().all(|d| d.ctime.is_some()),
        "LVM ctime arrives as a string"
    );
    let appliances = client.appliances("pve").await.unwrap();
    let ubuntu = appliances.iter().find(|a| a.os == "ubuntu-24.04").unwrap();
    let upid = client
        .appliance_download("pve", "local", &ubuntu.template)
        .await
        .unwrap();
    assert_eq!(upid.worker_type, "download");
    wait(&client, &upid).await.unwrap();
    assert_eq!(
        client
            .storage_content("pve", "local", Some("vztmpl"))
            .await
            .unwrap()
            .len(),
        3
    );
    let bridges = client.bridges("pve").await.unwrap();
    assert_eq!(
        bridges.iter().map(|b| b.iface.as_str()).collect::<Vec<_>>(),
        ["vmbr0", "vmbr1"]
    );
    assert!(bridges.iter().all(|b| b.active));
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

/// Wire details the client never produces, checked with a plain HTTP client trusting the CA.
#[tokio::test]
async fn the_wire_format_matches_pve() {
    let sim = simulator(SimConfig::default()).await;
    let ca = reqwest::Certificate::from_pem(sim.ca_pem().as_bytes()).unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    let (id, secret) = sim.token();
    let auth = format!("PVEAPIToken={id}={secret}");
    let url = |path: &str| format!("{}/api2/json{path}", sim.api_url());

    let response = http
        .get(url("/cluster/nextid"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    assert_eq!(response.text().await.unwrap(), r#"{"data":"106"}"#);

    let response = http.get(url("/version")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(
        response.text().await.unwrap().is_empty(),
        "the auth layer sends no body"
    );

    let response = http
        .delete(url("/nodes/pve/lxc/100"))
        .header("Authorization", &auth)
        .body("purge=1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 501);
    assert_eq!(
        response.text().await.unwrap(),
        "Unexpected content for method 'DELETE'"
    );

    let response = http
        .post(url("/nodes/pve/lxc/103/status/start"))
        .header("Authorization", &auth)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("debug=true&color=blue")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(
        body["errors"]["debug"],
        "type check ('boolean') failed - got 'true'\n"
    );
    assert!(
        body["errors"]["color"]
            .as_str()
            .unwrap()
            .starts_with("property is not defined in schema")
    );
    assert_eq!(body["message"], "Parameter verification failed.\n");

    let response = http
        .get(url("/nodes/pve/lxc/100/foo"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 501);
    let body: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(
        body["message"],
        "Method 'GET /nodes/pve/lxc/100/foo' not implemented\n"
    );

    let response = http
        .get(url("/nodes/pve/lxc"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    let stopped = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|ct| ct["status"] == "stopped")
        .unwrap();
    assert_eq!(stopped["uptime"], 0, "stopped containers report uptime 0");
    assert!(stopped.get("pid").is_none());
}

#[tokio::test]
async fn reads_are_retried_after_a_dropped_connection_and_writes_are_not() {
    let sim = simulator(SimConfig::default()).await;
    sim.reset_next_connections("pve", 1);
    let client = client(&sim);
    assert_eq!(
        client.version().await.unwrap().version,
        "9.1.6",
        "the GET is retried"
    );

    sim.reset_next_connections("pve", 1);
    let fresh = client_for(sim.api_url(), token_auth(&sim), pin(&sim, "pve"));
    let error = fresh
        .lxc_power("pve", 103, &PowerAction::Start)
        .await
        .unwrap_err();
    assert!(
        matches!(error, PveError::Network { .. }),
        "a POST is never repeated: {error:?}"
    );
    assert_eq!(sim.container_state(103), Some(("pve".into(), false)));

    sim.reset_next_connections("pve", 5);
    let mut config = ClientConfig::new(sim.api_url(), token_auth(&sim), pin(&sim, "pve"));
    config.retries = 2;
    config.retry_backoff = Duration::from_millis(1);
    let error = Client::new(config).unwrap().version().await.unwrap_err();
    assert!(
        matches!(error, PveError::Network { .. }),
        "three attempts, then the error: {error:?}"
    );
}

#[tokio::test]
async fn an_old_ticket_is_renewed_with_itself_not_the_password() {
    let sim = simulator(SimConfig::default()).await;
    let auth = Auth::Password {
        username: "root@pam".into(),
        password: Secret::new(sim.root_password()),
    };
    let mut config = ClientConfig::new(sim.api_url(), auth, pin(&sim, "pve"));
    config.ticket_renew_after = Duration::ZERO;
    let client = Client::new(config).unwrap();
    client.version().await.unwrap();
    assert_eq!(sim.tickets_issued(), 1);
    // Were the password used again, this change would make the renewal fail.
    sim.set_root_password("changed-meanwhile");
    client.version().await.unwrap();
    assert_eq!(
        sim.tickets_issued(),
        2,
        "the second call renewed the ticket"
    );
}
