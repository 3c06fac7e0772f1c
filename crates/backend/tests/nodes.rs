//! Nodes against the simulator: probe, add with checks, secrets at rest, ownership,
//! edit keeping secrets, test, default, delete, re-pin, key rotation.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use backend::accounts::User;
use backend::nodes;
use backend::vault::KeyRing;
use backend::{Backend, ServiceError};
use model::node::{NodeView, SshAuthKind};
use pve_sim::{SimConfig, Simulator};
use support::{admin, backend, form, user};

async fn sim() -> Simulator {
    Simulator::start(SimConfig::default()).await.unwrap()
}

/// A simulator, a backend, its admin and the admin's node for simulator node `pve`.
async fn lab() -> (Simulator, Backend, User, NodeView) {
    let sim = sim().await;
    let backend = backend().await;
    let admin = admin(&backend).await;
    let node = nodes::create(&backend, &admin, &form(&sim, "pve"))
        .await
        .unwrap();
    (sim, backend, admin, node)
}

/// A simulator of two nodes, a backend and its admin (no node added yet).
async fn two_nodes() -> (Simulator, Backend, User) {
    let sim = Simulator::start(SimConfig {
        nodes: 2,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let backend = backend().await;
    let admin = admin(&backend).await;
    (sim, backend, admin)
}

#[tokio::test]
async fn the_probe_reports_both_fingerprints_before_anything_is_sent() {
    let sim = sim().await;
    let backend = backend().await;
    let admin = admin(&backend).await;
    let f = form(&sim, "pve");
    let report = nodes::probe_address(&backend, &admin, &f.host, &f.port, &f.ssh_port)
        .await
        .unwrap();
    assert_eq!(
        report.tls.unwrap().fingerprint,
        sim.tls_fingerprint("pve").unwrap()
    );
    assert_eq!(
        report.ssh_host_key.unwrap(),
        sim.ssh_host_key("pve").unwrap()
    );
    let refused = nodes::probe_address(&backend, &admin, "127.0.0.1", "1", "1")
        .await
        .unwrap();
    assert!(refused.tls.is_err() && refused.ssh_host_key.is_err());
    let bad = nodes::probe_address(&backend, &admin, "https://x", "8006", "22").await;
    assert!(matches!(bad, Err(ServiceError::Validation(e)) if e.field == "host"));
}

#[tokio::test]
async fn a_node_is_saved_only_after_every_check_passes_with_secrets_sealed() {
    let sim = sim().await;
    let backend = backend().await;
    let admin = admin(&backend).await;

    let mut bad_token = form(&sim, "pve");
    bad_token.token_secret = "00000000-0000-0000-0000-000000000000".into();
    let error = nodes::create(&backend, &admin, &bad_token)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ServiceError::Validation(e) if e.field == "token_secret"),
        "{error}"
    );

    let mut bad_ssh = form(&sim, "pve");
    bad_ssh.ssh_password = "wrong".into();
    let error = nodes::create(&backend, &admin, &bad_ssh).await.unwrap_err();
    assert!(
        matches!(&error, ServiceError::Validation(e) if e.field == "ssh_password"),
        "{error}"
    );

    let mut other_pin = form(&sim, "pve");
    other_pin.tls_fingerprint = vec!["AB"; 32].join(":");
    let error = nodes::create(&backend, &admin, &other_pin)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("TLS certificate changed"),
        "{error}"
    );

    let mut unconfirmed = form(&sim, "pve");
    unconfirmed.confirm = None;
    assert!(nodes::create(&backend, &admin, &unconfirmed).await.is_err());
    assert!(
        nodes::list(&backend, &admin).await.unwrap().is_empty(),
        "nothing saved"
    );

    let node = nodes::create(&backend, &admin, &form(&sim, "pve"))
        .await
        .unwrap();
    assert_eq!(node.pve_node, "pve", "discovered from /nodes");
    assert!(node.is_default, "the first node is the default");
    assert_eq!(node.ssh_auth, SshAuthKind::Password);

    let raw: Option<serde_json::Value> = backend
        .store
        .db()
        .query("SELECT token_secret, ssh_password FROM ONLY type::record('node', $id)")
        .bind(("id", node.id.to_string()))
        .await
        .unwrap()
        .take(0)
        .unwrap();
    let raw = raw.unwrap().to_string();
    assert!(raw.contains("v1:1:"), "{raw}");
    assert!(!raw.contains(&sim.token().1) && !raw.contains(&sim.ssh_password()));

    let duplicate = nodes::create(&backend, &admin, &form(&sim, "pve")).await;
    assert!(matches!(duplicate, Err(ServiceError::Validation(e)) if e.field == "name"));
}

#[tokio::test]
async fn another_users_node_is_not_found_for_every_operation() {
    let (sim, backend, admin, node) = lab().await;
    let bob = user(&backend, &admin, "bob").await;
    let id = &node.id;
    assert!(matches!(
        nodes::get(&backend, &bob, id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        nodes::test(&backend, &bob, id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        nodes::update(&backend, &bob, id, &form(&sim, "pve")).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        nodes::set_default(&backend, &bob, id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        nodes::repin_check(&backend, &bob, id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        nodes::delete(&backend, &bob, id, &node.name).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        nodes::access(&backend, &bob, id).await,
        Err(ServiceError::NotFound)
    ));
    assert!(nodes::list(&backend, &bob).await.unwrap().is_empty());
    // The same name is fine for another user.
    nodes::create(&backend, &bob, &form(&sim, "pve"))
        .await
        .unwrap();
    assert_eq!(nodes::list(&backend, &admin).await.unwrap(), vec![node]);
}

#[tokio::test]
async fn editing_with_empty_secrets_keeps_them_and_test_reports_the_version() {
    let (sim, backend, admin, node) = lab().await;
    let mut edit = form(&sim, "pve");
    edit.name = "Renamed".into();
    edit.token_secret.clear();
    edit.ssh_password.clear();
    edit.confirm = None;
    let edited = nodes::update(&backend, &admin, &node.id, &edit)
        .await
        .unwrap();
    assert_eq!(edited.name, "Renamed");
    let report = nodes::test(&backend, &admin, &node.id).await.unwrap();
    assert!(report.version.starts_with('9'), "{report:?}");
    assert_eq!(report.containers, 6);
    assert!(report.api_latency_ms > 0.0 && report.ssh_latency_ms > 0.0);

    let mut wrong = edit.clone();
    wrong.token_secret = "wrong-secret".into();
    assert!(
        nodes::update(&backend, &admin, &node.id, &wrong)
            .await
            .is_err()
    );
    nodes::test(&backend, &admin, &node.id)
        .await
        .expect("a failed edit changes nothing");
}

#[tokio::test]
async fn the_default_moves_and_survives_deletes() {
    let (sim, backend, admin) = two_nodes().await;
    let first = nodes::create(&backend, &admin, &form(&sim, "pve"))
        .await
        .unwrap();
    let second = nodes::create(&backend, &admin, &form(&sim, "pve2"))
        .await
        .unwrap();
    assert_eq!(
        second.pve_node, "pve2",
        "picked by its certificate among two nodes"
    );
    assert!(!second.is_default);
    nodes::set_default(&backend, &admin, &second.id)
        .await
        .unwrap();
    let listed = nodes::list(&backend, &admin).await.unwrap();
    assert_eq!(listed[0].id, second.id, "the default is listed first");
    assert!(!listed[1].is_default);
    nodes::delete(&backend, &admin, &second.id, &second.name)
        .await
        .unwrap();
    let left = nodes::list(&backend, &admin).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].is_default && left[0].id == first.id);
}

#[tokio::test]
async fn a_changed_certificate_or_host_key_needs_a_confirmed_repin() {
    let (sim, backend, admin, node) = lab().await;
    let new_tls = sim.replace_certificate("pve").unwrap();
    let new_ssh = sim.replace_host_key("pve").unwrap();
    let error = nodes::test(&backend, &admin, &node.id).await.unwrap_err();
    assert!(
        error.to_string().contains(&new_tls),
        "names the new fingerprint: {error}"
    );

    let check = nodes::repin_check(&backend, &admin, &node.id)
        .await
        .unwrap();
    assert_eq!(check.node.tls_fingerprint, node.tls_fingerprint);
    assert_eq!(check.probe.tls.as_ref().unwrap().fingerprint, new_tls);
    assert_eq!(check.probe.ssh_host_key.as_ref().unwrap(), &new_ssh);

    let unconfirmed = nodes::repin(&backend, &admin, &node.id, &new_tls, &new_ssh, false).await;
    assert!(matches!(unconfirmed, Err(ServiceError::Validation(e)) if e.field == "confirm"));
    let stale = nodes::repin(
        &backend,
        &admin,
        &node.id,
        &node.tls_fingerprint,
        &new_ssh,
        true,
    )
    .await;
    assert!(matches!(stale, Err(ServiceError::Conflict(_))));
    let repinned = nodes::repin(&backend, &admin, &node.id, &new_tls, &new_ssh, true)
        .await
        .unwrap();
    assert_eq!(
        (
            repinned.tls_fingerprint.as_str(),
            repinned.ssh_host_key.as_str()
        ),
        (new_tls.as_str(), new_ssh.as_str())
    );
    nodes::test(&backend, &admin, &node.id).await.unwrap();
}

#[tokio::test]
async fn rotation_reseals_every_secret_and_moved_ciphertexts_do_not_open() {
    let (sim, backend, admin, a) = lab().await;
    let mut second = form(&sim, "pve");
    second.name = "second".into();
    let b = nodes::create(&backend, &admin, &second).await.unwrap();

    // A ciphertext copied to another record does not open there.
    backend
        .store
        .db()
        .query("UPDATE type::record('node', $b) SET token_secret = (SELECT VALUE token_secret FROM ONLY type::record('node', $a))")
        .bind(("a", a.id.to_string()))
        .bind(("b", b.id.to_string()))
        .await
        .unwrap()
        .check()
        .unwrap();
    assert!(matches!(
        nodes::access(&backend, &admin, &b.id).await,
        Err(ServiceError::Vault(_))
    ));
    nodes::delete(&backend, &admin, &b.id, &b.name)
        .await
        .unwrap();

    // Rotate: a ring with a new current key that still knows the old one.
    let mut ring = KeyRing::parse(&backend.keys.to_file_text()).unwrap();
    let new_id = ring.add_key();
    let rotated = backend::Backend::new(backend.store.clone(), ring.clone(), Default::default());
    assert_eq!(
        nodes::reseal_all(&rotated).await.unwrap(),
        2,
        "token secret and SSH password"
    );
    assert_eq!(
        nodes::reseal_all(&rotated).await.unwrap(),
        0,
        "nothing left to do"
    );
    // Only the new key is needed now.
    let mut only_new = ring;
    only_new.drop_old_keys();
    assert_eq!(only_new.key_ids(), [new_id]);
    let after = backend::Backend::new(backend.store.clone(), only_new, Default::default());
    nodes::test(&after, &admin, &a.id).await.unwrap();
}

#[tokio::test]
async fn switching_ssh_login_to_a_key_drops_the_stored_password() {
    let (sim, backend, admin, node) = lab().await;
    let key =
        russh::keys::PrivateKey::random(&mut rand::rng(), russh::keys::Algorithm::Ed25519).unwrap();
    sim.authorize_key(&key.public_key().to_openssh().unwrap())
        .unwrap();
    let mut edit = form(&sim, "pve");
    edit.token_secret.clear();
    edit.ssh_password.clear();
    edit.ssh_auth = "key".into();
    edit.ssh_private_key = key
        .to_openssh(russh::keys::ssh_key::LineEnding::LF)
        .unwrap()
        .to_string();
    let edited = nodes::update(&backend, &admin, &node.id, &edit)
        .await
        .unwrap();
    assert_eq!(edited.ssh_auth, SshAuthKind::Key);
    let raw: Option<serde_json::Value> = backend
        .store
        .db()
        .query("SELECT ssh_password, ssh_private_key FROM ONLY type::record('node', $id)")
        .bind(("id", node.id.to_string()))
        .await
        .unwrap()
        .take(0)
        .unwrap();
    let raw = raw.unwrap();
    assert!(raw.get("ssh_password").is_none_or(|v| v.is_null()), "{raw}");
    assert!(raw["ssh_private_key"].as_str().unwrap().starts_with("v1:"));
    nodes::test(&backend, &admin, &node.id).await.unwrap();
}

#[tokio::test]
async fn nodes_outside_the_allowed_ranges_are_refused_at_probe_add_and_edit() {
    let sim = sim().await;
    let backend = backend().await;
    let admin = admin(&backend).await;
    let f = form(&sim, "pve");
    // Only 10.0.0.0/8 may be used: the simulator at 127.0.0.1 is outside.
    let view = nodes::ranges::set(&backend, &admin, "10.0.0.0/8")
        .await
        .unwrap();
    assert_eq!(
        (view.ranges.as_str(), view.fixed_by_flag),
        ("10.0.0.0/8", false)
    );
    let probe = nodes::probe_address(&backend, &admin, &f.host, &f.port, &f.ssh_port).await;
    assert!(
        matches!(&probe, Err(ServiceError::Validation(e)) if e.field == "host" && e.message.contains("outside")),
        "{probe:?}"
    );
    let add = nodes::create(&backend, &admin, &f).await;
    assert!(matches!(add, Err(ServiceError::Validation(e)) if e.field == "host"));
    assert!(nodes::list(&backend, &admin).await.unwrap().is_empty());
    // A bad list is refused with a reason and changes nothing.
    let bad = nodes::ranges::set(&backend, &admin, "10.0.0.0/8, lan").await;
    assert!(matches!(bad, Err(ServiceError::Validation(e)) if e.message.contains("lan")));
    assert_eq!(
        nodes::ranges::view(&backend, &admin).await.unwrap().ranges,
        "10.0.0.0/8"
    );
    // Loopback allowed: the node is added; then narrowed, editing it is refused.
    nodes::ranges::set(&backend, &admin, "127.0.0.0/8")
        .await
        .unwrap();
    let node = nodes::create(&backend, &admin, &f).await.unwrap();
    nodes::ranges::set(&backend, &admin, "10.0.0.0/8")
        .await
        .unwrap();
    let edit = nodes::update(&backend, &admin, &node.id, &f).await;
    assert!(matches!(edit, Err(ServiceError::Validation(e)) if e.field == "host"));
    // Empty: anywhere again. Plain users may neither read nor change the setting.
    nodes::ranges::set(&backend, &admin, "").await.unwrap();
    assert!(
        nodes::probe_address(&backend, &admin, &f.host, &f.port, &f.ssh_port)
            .await
            .is_ok()
    );
    let bob = user(&backend, &admin, "bob").await;
    assert!(matches!(
        nodes::ranges::set(&backend, &bob, "").await,
        Err(ServiceError::Forbidden(_))
    ));
    // The flag wins over the setting and cannot be changed from the page.
    let fixed = backend
        .clone()
        .with_node_ranges(Some("192.0.2.0/24".parse().unwrap()));
    assert!(
        nodes::probe_address(&fixed, &admin, &f.host, &f.port, &f.ssh_port)
            .await
            .is_err()
    );
    assert!(matches!(
        nodes::ranges::set(&fixed, &admin, "").await,
        Err(ServiceError::Conflict(_))
    ));
}

/// The dashboard keeps each user's opened node list for a few seconds, yet every change
/// to a node through Corral shows on the very next page: an added node, a rename, a new
/// default, a delete.
#[tokio::test]
async fn the_dashboard_sees_every_node_change_at_once() {
    let (sim, backend, admin) = two_nodes().await;
    let names = || async {
        backend::dashboard::query(&backend, &admin, "", "", 1)
            .await
            .unwrap()
            .nodes
            .iter()
            .map(|node| node.node_name.clone())
            .collect::<Vec<_>>()
    };
    assert!(names().await.is_empty());
    let first = nodes::create(&backend, &admin, &form(&sim, "pve"))
        .await
        .unwrap();
    assert_eq!(names().await, std::slice::from_ref(&first.name));
    let second = nodes::create(&backend, &admin, &form(&sim, "pve2"))
        .await
        .unwrap();
    assert_eq!(names().await, [first.name.clone(), second.name.clone()]);

    let mut edit = form(&sim, "pve");
    edit.name = "Renamed".into();
    edit.token_secret.clear();
    edit.ssh_password.clear();
    edit.confirm = None;
    nodes::update(&backend, &admin, &first.id, &edit)
        .await
        .unwrap();
    assert_eq!(names().await, ["Renamed".to_owned(), second.name.clone()]);
    let rows = backend::dashboard::query(&backend, &admin, "node:Renamed", "", 1)
        .await
        .unwrap();
    assert!(
        !rows.containers.is_empty() && rows.containers.iter().all(|r| r.node_name == "Renamed")
    );

    nodes::set_default(&backend, &admin, &second.id)
        .await
        .unwrap();
    assert_eq!(
        names().await,
        [second.name.clone(), "Renamed".to_owned()],
        "the default first"
    );
    nodes::delete(&backend, &admin, &second.id, &second.name)
        .await
        .unwrap();
    assert_eq!(names().await, ["Renamed"]);
}
