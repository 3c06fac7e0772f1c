//! Service discovery on the simulator: systemd, Docker and OpenRC guests, ports mapped to
//! their services, loopback ports marked local, credential files sealed (never stored in
//! plain text) and revealed on request (audited, owner only), an orphan credential file as
//! a stopped service, a service that stops, and a container that cannot be reached keeping
//! its last result.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use backend::ServiceError;
use backend::discovery;
use model::ids::Vmid;
use model::job::JobState;
use model::service::{ServiceKind, ServicePort, ServiceStatus};
use pve_sim::Speed;
use support::lab::lab;

#[tokio::test]
async fn a_debian_guest_with_docker_and_credentials() {
    let lab = lab(Speed::Instant).await;
    let vmid = lab.running_debian();
    let ct = Vmid::new(vmid).unwrap();
    lab.on_node(
        &format!(
            "pct exec {vmid} -- sh -c 'apt-get install -y nginx postgresql docker.io >/dev/null \
             && docker run -d --name web -p 8080:80 nginx:alpine >/dev/null \
             && mkdir -p /etc/corral/credentials \
             && printf \"username=postgres\\npassword=pw-s3cr3t-42\\nnot a pair\\n\" > /etc/corral/credentials/postgresql \
             && printf \"token=orphan-t0ken\\n\" > /etc/corral/credentials/metrics'"
        ),
    )
    .await;
    let found = discovery::refresh(&lab.backend, &lab.admin, &lab.node_id, ct)
        .await
        .unwrap();
    assert_eq!(found.last_error, None);
    let service = |name: &str| {
        found
            .services
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name} in {:#?}", found.services))
    };
    let nginx = service("nginx");
    assert_eq!(
        (nginx.kind, nginx.status),
        (ServiceKind::Systemd, ServiceStatus::Running)
    );
    assert_eq!(
        nginx.ports,
        [ServicePort {
            port: 80,
            local: false
        }]
    );
    let postgres = service("postgresql");
    assert_eq!(
        postgres.ports,
        [ServicePort {
            port: 5432,
            local: true
        }],
        "loopback only"
    );
    assert!(postgres.has_credentials);
    let web = service("web");
    assert_eq!(
        (web.kind, web.detail.as_str()),
        (ServiceKind::Docker, "nginx:alpine")
    );
    assert_eq!(
        web.ports,
        [ServicePort {
            port: 8080,
            local: false
        }]
    );
    assert!(service("ssh").is_system && service("cron").is_system);

    // Web UIs: probed on the container's own address, loopback-only ports left alone.
    let address = found.address.clone().expect("the container's address");
    assert_eq!(
        nginx
            .web
            .iter()
            .map(|w| (w.url.clone(), w.secure, w.title.clone()))
            .collect::<Vec<_>>(),
        [(
            format!("http://{address}:80/"),
            false,
            Some("Welcome to nginx!".to_owned())
        )]
    );
    assert_eq!(web.web.len(), 1, "the published Docker port: {:?}", web.web);
    assert!(postgres.web.is_empty() && service("ssh").web.is_empty());

    let metrics = service("metrics");
    assert_eq!(
        metrics.status,
        ServiceStatus::Stopped,
        "an orphan credential file"
    );
    assert!(
        found
            .notes
            .iter()
            .any(|n| n.contains("credentials of postgresql: 1 line")),
        "{:?}",
        found.notes
    );

    // Sealed: no plain secret anywhere in the stored records.
    let stored: Vec<serde_json::Value> = lab
        .backend
        .store
        .db()
        .query("SELECT * OMIT id, owner, node FROM discovery")
        .await
        .unwrap()
        .take(0)
        .unwrap();
    let text = serde_json::to_string(&stored).unwrap();
    assert!(
        !text.contains("pw-s3cr3t-42") && !text.contains("orphan-t0ken"),
        "{text}"
    );

    // Revealed on request to the owner only, audited.
    let pairs =
        discovery::reveal_credentials(&lab.backend, &lab.admin, &lab.node_id, ct, "postgresql")
            .await
            .unwrap();
    assert_eq!(
        pairs,
        [
            ("username".into(), "postgres".into()),
            ("password".into(), "pw-s3cr3t-42".into())
        ]
    );
    let bob = support::user(&lab.backend, &lab.admin, "bob").await;
    for attempt in [
        discovery::reveal_credentials(&lab.backend, &bob, &lab.node_id, ct, "postgresql")
            .await
            .map(drop),
        discovery::get(&lab.backend, &bob, &lab.node_id, ct)
            .await
            .map(drop),
        discovery::refresh(&lab.backend, &bob, &lab.node_id, ct)
            .await
            .map(drop),
    ] {
        assert!(
            matches!(attempt, Err(ServiceError::NotFound)),
            "{attempt:?}"
        );
    }
    let audit = backend::audit::list(&lab.backend, &lab.admin, 1, 50)
        .await
        .unwrap();
    assert!(audit.entries.iter().any(|e| e.action
        == model::audit::AuditAction::ServiceCredentials
        && e.target.contains("service postgresql")));

    // nginx stops: still listed, as stopped.
    lab.on_node(&format!("pct exec {vmid} -- systemctl stop nginx"))
        .await;
    let again = discovery::refresh(&lab.backend, &lab.admin, &lab.node_id, ct)
        .await
        .unwrap();
    let nginx = again.services.iter().find(|s| s.name == "nginx").unwrap();
    assert_eq!(
        (nginx.status, nginx.ports.len()),
        (ServiceStatus::Stopped, 0)
    );

    // The node's host key changes: the last result stays, with the error and its time.
    lab.sim.replace_host_key("pve").unwrap();
    lab.backend
        .ssh
        .forget(
            &lab.sim.ssh_address("pve").unwrap().ip().to_string(),
            lab.sim.ssh_address("pve").unwrap().port(),
        )
        .await;
    let failed = discovery::refresh(&lab.backend, &lab.admin, &lab.node_id, ct)
        .await
        .unwrap();
    assert!(
        failed
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("host key")),
        "{:?}",
        failed.last_error
    );
    assert!(failed.failed_at.is_some());
    assert_eq!(failed.services, again.services);
    assert_eq!(failed.discovered_at, again.discovered_at);
}

#[tokio::test]
async fn web_uis_are_found_by_scheme_with_their_titles() {
    let lab = lab(Speed::Instant).await;
    let vmid = lab.running_debian();
    let ct = Vmid::new(vmid).unwrap();
    lab.on_node(
        &format!(
            "pct exec {vmid} -- sh -c 'apt-get install -y grafana docker.io >/dev/null \
             && docker run -d --name portainer -p 9443:9443 portainer/portainer-ce:2.21.0 >/dev/null \
             && docker run -d --name app -p 8000:8000 example/app >/dev/null'"
        ),
    )
    .await;
    // The dashboard before: no services (and that answer is now cached).
    let before = backend::dashboard::query(&lab.backend, &lab.admin, &format!("{vmid}"), "", 1)
        .await
        .unwrap();
    let row = before.containers.iter().find(|r| r.vmid == ct).unwrap();
    assert!(row.web.is_empty() && row.services.is_empty());
    let found = discovery::refresh(&lab.backend, &lab.admin, &lab.node_id, ct)
        .await
        .unwrap();
    let links = |name: &str| {
        found
            .services
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name} in {:#?}", found.services))
            .web
            .clone()
    };
    let grafana = links("grafana-server");
    assert_eq!(grafana.len(), 1);
    assert!(!grafana[0].secure && grafana[0].url.ends_with(":3000/"));
    assert_eq!(
        grafana[0].title.as_deref(),
        Some("Grafana"),
        "after / → /login"
    );
    let portainer = links("portainer");
    assert_eq!(portainer.len(), 1);
    assert!(
        portainer[0].secure && portainer[0].self_signed,
        "{portainer:?}"
    );
    assert!(portainer[0].url.starts_with("https://"));
    assert_eq!(portainer[0].title.as_deref(), Some("Portainer"));
    assert!(links("app").is_empty(), "a port that answers nothing");

    // The dashboard row carries the links of the running services: the discovery replaced
    // the cached answer at once.
    let dashboard = backend::dashboard::query(&lab.backend, &lab.admin, &format!("{vmid}"), "", 1)
        .await
        .unwrap();
    let row = dashboard.containers.iter().find(|r| r.vmid == ct).unwrap();
    let labels: Vec<String> = row.web.iter().map(|l| l.label()).collect();
    assert!(
        labels.contains(&"Grafana".to_owned()) && labels.contains(&"Portainer".to_owned()),
        "{labels:?}"
    );
}

#[tokio::test]
async fn an_alpine_guest_with_openrc() {
    let lab = lab(Speed::Instant).await;
    let _runner = lab.runner("r1");
    let mut form = lab.form(160);
    form.ostemplate = "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz".into();
    let (_, job) = lab.run(&form).await;
    assert_eq!(job.state, JobState::Succeeded, "{:?}", job.error);
    lab.on_node("pct exec 160 -- sh -c 'apk add nginx >/dev/null && rc-update add nginx default >/dev/null && rc-service nginx start >/dev/null'").await;
    let found = discovery::refresh(
        &lab.backend,
        &lab.admin,
        &lab.node_id,
        Vmid::new(160).unwrap(),
    )
    .await
    .unwrap();
    let nginx = found.services.iter().find(|s| s.name == "nginx").unwrap();
    assert_eq!(
        (nginx.kind, nginx.status),
        (ServiceKind::Openrc, ServiceStatus::Running)
    );
    assert_eq!(
        nginx.ports,
        [ServicePort {
            port: 80,
            local: false
        }]
    );
    assert!(found.notes.is_empty(), "{:?}", found.notes);
}

#[tokio::test]
async fn stale_discoveries_are_read_again_in_the_background() {
    use backend::discovery::refresher::{RefreshPolicy, refresh_stale};
    let lab = lab(Speed::Instant).await;
    let vmid = lab.running_debian();
    let ct = Vmid::new(vmid).unwrap();
    let first = discovery::refresh(&lab.backend, &lab.admin, &lab.node_id, ct)
        .await
        .unwrap();
    let policy = RefreshPolicy::default();
    assert_eq!(
        refresh_stale(&lab.backend, &policy).await.unwrap(),
        0,
        "fresh"
    );
    lab.backend
        .store
        .db()
        .query("UPDATE discovery SET discovered_at = time::now() - 1h")
        .await
        .unwrap()
        .check()
        .unwrap();
    lab.on_node(&format!(
        "pct exec {vmid} -- apt-get install -y redis-server"
    ))
    .await;
    assert_eq!(refresh_stale(&lab.backend, &policy).await.unwrap(), 1);
    let now = discovery::get(&lab.backend, &lab.admin, &lab.node_id, ct)
        .await
        .unwrap()
        .unwrap();
    assert!(now.discovered_at >= first.discovered_at);
    let redis = now
        .services
        .iter()
        .find(|s| s.name == "redis-server")
        .unwrap();
    assert_eq!(
        redis.ports,
        [ServicePort {
            port: 6379,
            local: true
        }]
    );
    assert_eq!(
        refresh_stale(&lab.backend, &policy).await.unwrap(),
        0,
        "fresh again"
    );
}
