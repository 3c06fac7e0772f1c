//! One SSH server per node (russh): root with a password or an authorized key, `exec`
//! requests run by the node shell model, output streamed line by line, exit status sent.
//! Commands that read standard input (`cat > /tmp/x`, `pct exec … -- bash`) run once the
//! client closes its side, as with OpenSSH.
//!
//! [`lex`] splits command lines as bash would, [`node_shell`] runs them as the node's
//! root shell (`pct …`), [`guest_shell`] runs commands inside a container.

mod guest_shell;
mod lex;
pub mod node_shell;
pub mod output;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::listener::Listener;
use crate::{Sim, SimError};
use output::Event;
use russh::keys::{Algorithm, HashAlg, PrivateKey};
use russh::server::{Auth, Handle, Msg, Session};
use russh::{Channel, ChannelId};

/// A fresh Ed25519 host key.
pub(crate) fn generate_host_key() -> Result<PrivateKey, SimError> {
    PrivateKey::random(&mut rand_keys::rng(), Algorithm::Ed25519)
        .map_err(|e| SimError::Ssh(e.to_string()))
}

/// `SHA256:…` as `ssh-keygen -lf` prints it.
pub(crate) fn fingerprint(key: &PrivateKey) -> String {
    key.public_key().fingerprint(HashAlg::Sha256).to_string()
}

/// Starts the SSH server of `node` on `address`.
pub(crate) async fn start(
    sim: Arc<Sim>,
    node: String,
    address: SocketAddr,
) -> Result<Listener, SimError> {
    Listener::start(node.clone(), address, move |tcp| {
        let sim = sim.clone();
        let node = node.clone();
        async move {
            let Some(host_key) = sim.host_key(&node) else {
                return;
            };
            let config = Arc::new(russh::server::Config {
                keys: vec![host_key],
                auth_rejection_time: std::time::Duration::from_millis(50),
                auth_rejection_time_initial: Some(std::time::Duration::ZERO),
                inactivity_timeout: Some(std::time::Duration::from_secs(600)),
                ..Default::default()
            });
            let connection = Connection {
                sim,
                node,
                waiting_for_stdin: HashMap::new(),
            };
            if let Ok(running) = russh::server::run_stream(config, tcp, connection).await {
                let _ = running.await;
            }
        }
    })
    .await
}

/// One client connection.
struct Connection {
    sim: Arc<Sim>,
    node: String,
    /// Commands waiting for the client's EOF, with the standard input received so far.
    waiting_for_stdin: HashMap<ChannelId, (String, Vec<u8>)>,
}

impl Connection {
    /// Runs `command` and streams its output on `channel` in the background.
    fn run(&self, channel: ChannelId, command: String, stdin: Vec<u8>, handle: Handle) {
        let output = {
            let mut cluster = self.sim.cluster();
            node_shell::run_on_node(&mut cluster, &self.node, &command, &stdin)
        };
        let speed = self.sim.config.speed;
        tokio::spawn(async move {
            for event in output.events {
                let sent = match event {
                    Event::Stdout(line) => handle
                        .data(channel, format!("{line}\n").into_bytes())
                        .await
                        .is_ok(),
                    Event::Stderr(line) => handle
                        .extended_data(channel, 1, format!("{line}\n").into_bytes())
                        .await
                        .is_ok(),
                    Event::Pause(realistic) => {
                        let wait = speed.scale(realistic);
                        if !wait.is_zero() {
                            tokio::time::sleep(wait).await;
                        }
                        true
                    }
                    Event::Endless(line) => {
                        let chunk = format!("{line}\n").repeat(256).into_bytes();
                        while handle.data(channel, chunk.clone()).await.is_ok() {}
                        false
                    }
                };
                if !sent {
                    return;
                }
            }
            let _ = handle.exit_status_request(channel, output.status).await;
            let _ = handle.eof(channel).await;
            let _ = handle.close(channel).await;
        });
    }
}

impl russh::server::Handler for Connection {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        let accepted = user == "root" && password == self.sim.ssh_password;
        Ok(if accepted {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let authorized = user == "root"
            && self
                .sim
                .authorized_keys
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .any(|known| known.key_data() == key.public_key.key_data());
        Ok(if authorized {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let command = String::from_utf8_lossy(data).into_owned();
        if lex::reads_stdin(&command) {
            self.waiting_for_stdin
                .insert(channel, (command, Vec::new()));
        } else {
            self.run(channel, command, Vec::new(), session.handle());
        }
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some((_, stdin)) = self.waiting_for_stdin.get_mut(&channel) {
            stdin.extend_from_slice(data);
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some((command, stdin)) = self.waiting_for_stdin.remove(&channel) {
            self.run(channel, command, stdin, session.handle());
        }
        Ok(())
    }
}
