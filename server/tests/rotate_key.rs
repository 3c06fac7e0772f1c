//! `corral rotate-key` on a real embedded database: every secret is resealed under the
//! new key, the old key is dropped, and the nodes still work afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use backend::accounts;
use backend::nodes;
use backend::vault::KeyRing;
use clap::Parser;
use model::node::NodeForm;
use pve_sim::{SimConfig, Simulator};
use server::config::Config;
use zeroize::Zeroizing;

fn config(data_dir: &std::path::Path, extra: &[&str]) -> Config {
    let dir = data_dir.display().to_string();
    let args = ["corral", "--data-dir", dir.as_str()]
        .into_iter()
        .chain(extra.iter().copied());
    Config::try_parse_from(args).unwrap()
}

fn sim_form(sim: &Simulator) -> NodeForm {
    let api = sim.node_api_url("pve").unwrap();
    let ssh = sim.ssh_address("pve").unwrap();
    let (token_id, token_secret) = sim.token();
    NodeForm {
        name: "lab".into(),
        host: ssh.ip().to_string(),
        port: api.rsplit(':').next().unwrap().to_owned(),
        token_id,
        token_secret,
        ssh_port: ssh.port().to_string(),
        ssh_password: sim.ssh_password(),
        tls_fingerprint: sim.tls_fingerprint("pve").unwrap(),
        ssh_host_key: sim.ssh_host_key("pve").unwrap(),
        confirm: Some("on".into()),
        ..NodeForm::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_reseals_every_secret_and_drops_the_old_key() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let key_file = data.path().join("master.key");

    // First start: the key file is generated, a node is saved with sealed secrets.
    let state = server::open_state(&config(data.path(), &[])).await.unwrap();
    let first_key = KeyRing::load(&key_file).unwrap().key_ids();
    assert_eq!(first_key, [1]);
    let password = Zeroizing::new("correct horse battery".to_owned());
    let code = state.backend.setup_code.issue();
    let form = accounts::SetupForm {
        setup_code: &code,
        username: "admin",
        password: password.clone(),
        repeated: password,
    };
    let admin = accounts::setup(&state.backend, form, None).await.unwrap();
    let node = nodes::create(&state.backend, &admin, &sim_form(&sim))
        .await
        .unwrap();
    // A discovered credential, sealed too.
    let vmid = (100..106)
        .find(|v| sim.container_state(*v).is_some_and(|(_, running)| running))
        .unwrap();
    let ct = model::ids::Vmid::new(vmid).unwrap();
    let (_, access) = nodes::access(&state.backend, &admin, &node.id)
        .await
        .unwrap();
    let session = state
        .backend
        .ssh
        .session(&access.ssh_target())
        .await
        .unwrap();
    let wrote = session
        .exec(
            &format!("pct exec {vmid} -- sh -c 'mkdir -p /etc/corral/credentials && echo token=t0k > /etc/corral/credentials/app'"),
            None,
            std::time::Duration::from_secs(30),
            |_, _| {},
        )
        .await
        .unwrap();
    assert!(wrote.success(), "{}", wrote.stderr);
    backend::discovery::refresh(&state.backend, &admin, &node.id, ct)
        .await
        .unwrap();
    let store = state.backend.store.clone();
    drop(state);
    store.close().await.unwrap();

    server::rotate_key(&config(data.path(), &["rotate-key"]))
        .await
        .unwrap();
    assert_eq!(
        KeyRing::load(&key_file).unwrap().key_ids(),
        [2],
        "only the new key is left"
    );

    let state = server::open_state(&config(data.path(), &[])).await.unwrap();
    let report = nodes::test(&state.backend, &admin, &node.id).await.unwrap();
    assert_eq!(
        report.containers, 6,
        "the secrets open with the new key alone"
    );
    let sealed: Vec<String> = state
        .backend
        .store
        .db()
        .query("SELECT VALUE token_secret FROM node")
        .await
        .unwrap()
        .take(0)
        .unwrap();
    assert!(sealed.iter().all(|s| s.starts_with("v1:2:")), "{sealed:?}");
    let credentials =
        backend::discovery::reveal_credentials(&state.backend, &admin, &node.id, ct, "app")
            .await
            .unwrap();
    assert_eq!(credentials, [("token".to_owned(), "t0k".to_owned())]);
    let store = state.backend.store.clone();
    drop(state);
    store.close().await.unwrap();
}

#[tokio::test]
async fn keys_from_the_environment_cannot_be_rotated_in_place() {
    let data = tempfile::tempdir().unwrap();
    let ring = KeyRing::generate();
    let value = ring
        .to_file_text()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join(",");
    let error = server::rotate_key(&config(
        data.path(),
        &["--master-key", &value, "rotate-key"],
    ))
    .await
    .unwrap_err();
    assert!(error.to_string().contains("--key-file"), "{error}");
}
