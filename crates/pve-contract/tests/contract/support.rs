//! What every contract test starts from: a simulator, a client pinned to it, fast task
//! waits, and a typical container to create.

use std::time::Duration;

use pve::{
    Auth, Client, ClientConfig, CreateSpec, PveError, RootfsSpec, Secret, Trust, Upid, WaitOptions,
};
use pve_sim::{SimConfig, Simulator};

pub async fn simulator(config: SimConfig) -> Simulator {
    Simulator::start(config)
        .await
        .expect("the simulator starts")
}

pub fn pin(sim: &Simulator, node: &str) -> Trust {
    Trust::Pinned(sim.tls_fingerprint(node).unwrap().parse().unwrap())
}

pub fn token_auth(sim: &Simulator) -> Auth {
    let (id, secret) = sim.token();
    Auth::Token {
        id,
        secret: Secret::new(secret),
    }
}

pub fn client_for(url: String, auth: Auth, trust: Trust) -> Client {
    let mut config = ClientConfig::new(url, auth, trust);
    config.request_timeout = Duration::from_secs(5);
    config.retry_backoff = Duration::from_millis(10);
    Client::new(config).unwrap()
}

pub fn client(sim: &Simulator) -> Client {
    client_for(sim.api_url(), token_auth(sim), pin(sim, "pve"))
}

pub fn fast() -> WaitOptions {
    WaitOptions {
        interval: Duration::from_millis(5),
        deadline: Duration::from_secs(10),
        ..WaitOptions::default()
    }
}

pub async fn wait(client: &Client, upid: &Upid) -> Result<pve::TaskOutcome, PveError> {
    client.wait_task(upid, &fast(), |_| {}).await
}

pub fn debian_spec(vmid: u32) -> CreateSpec {
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

pub fn pin_of(fingerprint: &str) -> Trust {
    Trust::Pinned(fingerprint.parse().unwrap())
}
