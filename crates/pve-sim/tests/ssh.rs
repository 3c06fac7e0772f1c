//! The simulator's SSH side, driven by a real SSH client (russh).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use std::sync::Arc;
use std::time::Duration;

use pve_sim::{SimConfig, Simulator};
use russh::ChannelMsg;
use russh::keys::{HashAlg, PrivateKey, PublicKeyOrCertificate};

/// Accepts exactly the pinned host key.
struct Pinned(String);

impl russh::client::Handler for Pinned {
    type Error = russh::Error;
    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => {
                key.fingerprint(HashAlg::Sha256).to_string() == self.0
            }
            _ => false,
        })
    }
}

async fn connect(
    sim: &Simulator,
    node: &str,
) -> Result<russh::client::Handle<Pinned>, russh::Error> {
    let config = Arc::new(russh::client::Config::default());
    let pin = Pinned(sim.ssh_host_key(node).unwrap());
    russh::client::connect(config, sim.ssh_address(node).unwrap(), pin).await
}

/// Runs `command` with `stdin`; returns (stdout, stderr, exit status).
async fn exec(
    session: &russh::client::Handle<Pinned>,
    command: &str,
    stdin: &[u8],
) -> (String, String, Option<u32>) {
    let mut channel = session.channel_open_session().await.unwrap();
    channel.exec(true, command).await.unwrap();
    if !stdin.is_empty() {
        channel.data(stdin).await.unwrap();
    }
    channel.eof().await.unwrap();
    let (mut stdout, mut stderr, mut status) = (Vec::new(), Vec::new(), None);
    while let Some(message) = tokio::time::timeout(Duration::from_secs(5), channel.wait())
        .await
        .unwrap()
    {
        match message {
            ChannelMsg::Data { data } => stdout.extend_from_slice(&data),
            ChannelMsg::ExtendedData { data, ext: 1 } => stderr.extend_from_slice(&data),
            ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
            _ => {}
        }
    }
    (
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
        status,
    )
}

#[tokio::test]
async fn root_logs_in_with_the_password_and_runs_pct() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let mut session = connect(&sim, "pve").await.unwrap();
    assert!(
        !session
            .authenticate_password("root", "wrong")
            .await
            .unwrap()
            .success()
    );
    assert!(
        session
            .authenticate_password("root", sim.ssh_password())
            .await
            .unwrap()
            .success()
    );
    let (stdout, _, status) = exec(&session, "pct list", b"").await;
    assert_eq!(status, Some(0));
    assert!(stdout.contains("100        running"), "{stdout}");
    let (stdout, _, status) = exec(&session, "pct exec 100 -- cat /etc/os-release", b"").await;
    assert_eq!(status, Some(0));
    assert!(stdout.contains("ID=debian"));
    let (_, stderr, status) = exec(&session, "frobnicate", b"").await;
    assert_eq!(status, Some(127));
    assert!(
        stderr.ends_with("frobnicate: command not found\n"),
        "bash's own words: {stderr}"
    );
}

#[tokio::test]
async fn a_file_uploaded_on_stdin_is_pushed_into_the_container() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let key = PrivateKey::random(&mut rand_keys::rng(), russh::keys::Algorithm::Ed25519).unwrap();
    sim.authorize_key(&key.public_key().to_openssh().unwrap())
        .unwrap();
    let mut session = connect(&sim, "pve").await.unwrap();
    let signer = russh::keys::PrivateKeyWithHashAlg::new(Arc::new(key), None);
    assert!(
        session
            .authenticate_publickey("root", signer)
            .await
            .unwrap()
            .success()
    );
    let (_, _, status) = exec(&session, "cat > /tmp/corral.conf", b"KEY=value\n").await;
    assert_eq!(status, Some(0));
    let (_, stderr, status) = exec(
        &session,
        "pct push 100 /tmp/corral.conf /etc/app.conf && rm -f /tmp/corral.conf",
        b"",
    )
    .await;
    assert_eq!(status, Some(0), "{stderr}");
    assert_eq!(
        sim.guest_file(100, "/etc/app.conf").as_deref(),
        Some(&b"KEY=value\n"[..])
    );
    let (stdout, _, status) = exec(
        &session,
        "pct exec 100 -- bash",
        b"echo one\necho two\nexit 4\n",
    )
    .await;
    assert_eq!((stdout.as_str(), status), ("one\ntwo\n", Some(4)));
}

#[tokio::test]
async fn a_replaced_host_key_is_refused_by_a_pinned_client() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let old = sim.ssh_host_key("pve").unwrap();
    let new = sim.replace_host_key("pve").unwrap();
    assert_ne!(old, new);
    let config = Arc::new(russh::client::Config::default());
    let refused =
        russh::client::connect(config, sim.ssh_address("pve").unwrap(), Pinned(old)).await;
    assert!(refused.is_err(), "the old pin must not accept the new key");
    connect(&sim, "pve").await.unwrap();
}

#[tokio::test]
async fn an_offline_node_refuses_ssh_too() {
    let sim = Simulator::start(SimConfig {
        nodes: 2,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    sim.set_offline("pve2", true).await.unwrap();
    assert!(connect(&sim, "pve2").await.is_err());
    sim.set_offline("pve2", false).await.unwrap();
    connect(&sim, "pve2").await.unwrap();
}
