//! The SSH client against the simulator's SSH servers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use std::sync::Arc;
use std::time::Duration;

use backend::ssh::{
    SshAuth, SshError, SshPool, SshSession, SshTarget, Stream, capture_host_key, command,
};
use pve_sim::{SimConfig, Simulator, Speed};
use zeroize::Zeroizing;

fn target(sim: &Simulator, node: &str) -> SshTarget {
    let address = sim.ssh_address(node).unwrap();
    SshTarget {
        host: address.ip().to_string(),
        port: address.port(),
        user: "root".into(),
        auth: SshAuth::Password(Zeroizing::new(sim.ssh_password())),
        host_key: sim.ssh_host_key(node).unwrap(),
        connect_timeout: Duration::from_secs(5),
    }
}

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn the_host_key_is_captured_without_logging_in_then_pinned() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let address = sim.ssh_address("pve").unwrap();
    let fingerprint = capture_host_key(
        &address.ip().to_string(),
        address.port(),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(fingerprint, sim.ssh_host_key("pve").unwrap());
    assert!(fingerprint.starts_with("SHA256:"));

    let session = SshSession::connect(&target(&sim, "pve")).await.unwrap();
    let mut lines = Vec::new();
    let output = session
        .exec("pct list", None, MINUTE, |stream, line| {
            lines.push((stream, line.to_owned()))
        })
        .await
        .unwrap();
    assert!(output.success());
    assert_eq!(
        lines.len(),
        7,
        "a header and six containers, line by line: {lines:?}"
    );
    assert!(lines.iter().all(|(stream, _)| *stream == Stream::Stdout));
}

#[tokio::test]
async fn a_changed_host_key_names_both_fingerprints() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let pinned = target(&sim, "pve");
    let new = sim.replace_host_key("pve").unwrap();
    let Err(SshError::HostKeyMismatch { expected, seen, .. }) = SshSession::connect(&pinned).await
    else {
        panic!("a replaced host key must be refused");
    };
    assert_eq!((expected, seen), (pinned.host_key.clone(), new));
}

#[tokio::test]
async fn wrong_credentials_and_unreadable_keys_are_refused_clearly() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let wrong = SshTarget {
        auth: SshAuth::Password(Zeroizing::new("guess".into())),
        ..target(&sim, "pve")
    };
    let error = SshSession::connect(&wrong).await.err().unwrap();
    assert_eq!(
        error,
        SshError::AuthenticationFailed {
            user: "root".into()
        }
    );
    assert!(!error.to_string().contains("guess"));
    let garbage = SshTarget {
        auth: SshAuth::PrivateKey {
            pem: Zeroizing::new("-----BEGIN OPENSSH PRIVATE KEY-----\nnope\n".into()),
            passphrase: None,
        },
        ..target(&sim, "pve")
    };
    assert!(matches!(
        SshSession::connect(&garbage).await,
        Err(SshError::InvalidKey(_))
    ));
}

#[tokio::test]
async fn a_private_key_logs_in() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let key =
        russh::keys::PrivateKey::random(&mut rand::rng(), russh::keys::Algorithm::Ed25519).unwrap();
    sim.authorize_key(&key.public_key().to_openssh().unwrap())
        .unwrap();
    let pem = key
        .to_openssh(russh::keys::ssh_key::LineEnding::LF)
        .unwrap();
    let with_key = SshTarget {
        auth: SshAuth::PrivateKey {
            pem: Zeroizing::new(pem.to_string()),
            passphrase: None,
        },
        ..target(&sim, "pve")
    };
    let session = SshSession::connect(&with_key).await.unwrap();
    assert!(
        session
            .exec("true", None, MINUTE, |_, _| {})
            .await
            .unwrap()
            .success()
    );
}

#[tokio::test]
async fn files_go_up_on_stdin_and_hostile_arguments_arrive_intact() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let session = SshSession::connect(&target(&sim, "pve")).await.unwrap();
    session
        .upload("/tmp/corral-upload", b"PORT=8080\n", MINUTE)
        .await
        .unwrap();
    let push = command(&[
        "pct",
        "push",
        "100",
        "/tmp/corral-upload",
        "/root/it's here.env",
    ])
    .unwrap();
    let output = session.exec(&push, None, MINUTE, |_, _| {}).await.unwrap();
    assert!(output.success(), "{output:?}");
    assert_eq!(
        sim.guest_file(100, "/root/it's here.env").as_deref(),
        Some(&b"PORT=8080\n"[..])
    );

    let hostile = ["$(reboot)", "; rm -rf /", "it's", "a  b", "`id`", "&&", "*"];
    let mut words = vec!["pct", "exec", "100", "--", "echo"];
    words.extend(hostile);
    let output = session
        .exec(&command(&words).unwrap(), None, MINUTE, |_, _| {})
        .await
        .unwrap();
    assert_eq!(output.stdout, format!("{}\n", hostile.join(" ")));
}

#[tokio::test]
async fn failures_carry_stderr_and_exit_status_and_slow_commands_time_out() {
    let sim = Simulator::start(SimConfig {
        speed: Speed::Realistic,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let session = SshSession::connect(&target(&sim, "pve")).await.unwrap();
    let output = session
        .exec("pct exec 103 -- true", None, MINUTE, |_, _| {})
        .await
        .unwrap();
    assert_eq!(
        (output.status, output.stderr.as_str()),
        (Some(255), "container '103' not running!\n")
    );
    let install = command(&[
        "pct", "exec", "100", "--", "apt-get", "install", "-y", "nginx", "curl",
    ])
    .unwrap();
    let error = session
        .exec(&install, None, Duration::from_millis(200), |_, _| {})
        .await
        .unwrap_err();
    assert_eq!(
        error,
        SshError::CommandTimeout {
            after: Duration::from_millis(200)
        }
    );
}

#[tokio::test]
async fn the_pool_reuses_a_session_until_it_is_forgotten_and_offline_nodes_refuse() {
    let sim = Simulator::start(SimConfig {
        nodes: 2,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let pool = SshPool::default();
    let first = pool.session(&target(&sim, "pve")).await.unwrap();
    let second = pool.session(&target(&sim, "pve")).await.unwrap();
    assert!(Arc::ptr_eq(&first, &second));
    let other_password = SshTarget {
        auth: SshAuth::Password(Zeroizing::new("other".into())),
        ..target(&sim, "pve")
    };
    assert!(
        pool.session(&other_password).await.is_err(),
        "another credential never reuses the session"
    );
    let address = sim.ssh_address("pve").unwrap();
    pool.forget(&address.ip().to_string(), address.port()).await;
    let third = pool.session(&target(&sim, "pve")).await.unwrap();
    assert!(!Arc::ptr_eq(&first, &third));

    let offline = target(&sim, "pve2");
    sim.set_offline("pve2", true).await.unwrap();
    assert!(matches!(
        SshSession::connect(&offline).await,
        Err(SshError::Connect { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_stalling_at_login_delays_nobody_else_and_times_out() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    // A "node" that accepts the connection and then says nothing, ever.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut kept = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            kept.push(stream);
        }
    });
    let pool = SshPool::default();
    let stalled_target = SshTarget {
        host: "127.0.0.1".into(),
        port: silent_port,
        connect_timeout: Duration::from_secs(120),
        ..target(&sim, "pve")
    };
    let stalled = {
        let (pool, stalled_target) = (pool.clone(), stalled_target.clone());
        tokio::spawn(async move { pool.session(&stalled_target).await })
    };
    // Wait until the stalled login holds its slot.
    while pool.slots() == 0 {
        tokio::task::yield_now().await;
    }
    let healthy = pool.session(&target(&sim, "pve")).await;
    assert!(healthy.is_ok(), "{:?}", healthy.err());
    assert!(
        !stalled.is_finished(),
        "the healthy node was served while the other still stalled"
    );
    stalled.abort();
    // And the stalled login ends at its timeout (here a short one).
    let short = SshTarget {
        user: "other".into(),
        connect_timeout: Duration::from_millis(300),
        ..stalled_target
    };
    assert!(matches!(
        pool.session(&short).await,
        Err(SshError::Timeout { .. })
    ));
    held.abort();
}
