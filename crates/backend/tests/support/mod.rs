//! Shared set-up for the service tests: an in-memory store, cheap password hashing, and
//! node forms filled from a running simulator.

#![allow(dead_code)]

pub mod lab;

use backend::Backend;
use backend::accounts::{self, User};
use backend::login_limit::LoginLimits;
use backend::password::HashPolicy;
use backend::store::{Database, Store};
use backend::vault::KeyRing;
use model::node::NodeForm;
use pve_sim::Simulator;
use zeroize::Zeroizing;

/// Hashing cost for tests: the code path is the same, only cheaper.
pub const CHEAP: HashPolicy = HashPolicy {
    memory_kib: 64,
    passes: 1,
    lanes: 1,
};

pub const PASSWORD: &str = "correct horse battery";

pub fn secret(text: &str) -> Zeroizing<String> {
    Zeroizing::new(text.to_owned())
}

/// A fresh backend on `mem://` with generous sign-in limits.
pub async fn backend() -> Backend {
    backend_with(LoginLimits {
        per_username_burst: 1000,
        per_address_burst: 1000,
        ..LoginLimits::default()
    })
    .await
}

pub async fn backend_with(limits: LoginLimits) -> Backend {
    let (store, _) = Store::open(&Database::for_tests()).await.unwrap();
    Backend::new(store, KeyRing::generate(), limits).with_password_policy(CHEAP)
}

/// Runs setup as `username` with the setup code the server would have printed.
pub async fn setup(
    backend: &Backend,
    username: &str,
    password: &str,
    repeated: &str,
) -> backend::ServiceResult<User> {
    let code = backend.setup_code.issue();
    accounts::setup(
        backend,
        accounts::SetupForm {
            setup_code: &code,
            username,
            password: secret(password),
            repeated: secret(repeated),
        },
        None,
    )
    .await
}

/// Runs setup (the first admin) and returns it.
pub async fn admin(backend: &Backend) -> User {
    setup(backend, "admin", PASSWORD, PASSWORD).await.unwrap()
}

/// A plain user created by `admin`.
pub async fn user(backend: &Backend, admin: &User, name: &str) -> User {
    accounts::create(
        backend,
        admin,
        name,
        secret(PASSWORD),
        secret(PASSWORD),
        false,
    )
    .await
    .unwrap()
}

/// The add-node form for simulator node `node`, fingerprints confirmed.
pub fn form(sim: &Simulator, node: &str) -> NodeForm {
    let api = url_port(&sim.node_api_url(node).unwrap());
    let ssh = sim.ssh_address(node).unwrap();
    let (token_id, token_secret) = sim.token();
    NodeForm {
        name: format!("{node} lab"),
        host: ssh.ip().to_string(),
        port: api.to_string(),
        token_id,
        token_secret,
        ssh_port: ssh.port().to_string(),
        ssh_password: sim.ssh_password(),
        tls_fingerprint: sim.tls_fingerprint(node).unwrap(),
        ssh_host_key: sim.ssh_host_key(node).unwrap(),
        confirm: Some("on".into()),
        ..NodeForm::default()
    }
}

fn url_port(url: &str) -> u16 {
    url.rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .unwrap()
}

/// A one-node simulator at `speed`, a backend with its admin, and that node added:
/// `(simulator, backend, admin, node id)`.
pub async fn one_node(speed: pve_sim::Speed) -> (Simulator, Backend, User, model::ids::NodeId) {
    let sim = Simulator::start(pve_sim::SimConfig {
        speed,
        ..pve_sim::SimConfig::default()
    })
    .await
    .unwrap();
    let backend = backend().await;
    let admin = admin(&backend).await;
    let node = backend::nodes::create(&backend, &admin, &form(&sim, "pve"))
        .await
        .unwrap();
    (sim, backend, admin, node.id)
}

/// A VMID for a test (the literal is in range).
pub fn ct(number: u32) -> model::ids::Vmid {
    model::ids::Vmid::new(number).unwrap()
}
