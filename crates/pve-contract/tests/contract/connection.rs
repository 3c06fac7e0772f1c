//! Reaching a node: the pinned certificate, offline and slow nodes, retries after a dropped connection.

use std::time::Duration;

use pve::{Client, ClientConfig, Fingerprint, PowerAction, PveError, ResourceKind, Trust};
use pve_sim::SimConfig;

use super::support::*;

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
