//! One SSH server per node (russh): root with a password or an authorized key. Each
//! `exec` request runs for real as `bash -c` in the node's sandbox ([`process`]), with
//! `pct` talking to the simulator's containers, standard input streamed in and output
//! streamed out as it comes, and the exit status sent at the end.

mod process;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::listener::Listener;
use crate::{Sim, SimError};
use process::Running;
use russh::keys::{Algorithm, HashAlg, PrivateKey};
use russh::server::{Auth, Msg, Session};
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
                running: HashMap::new(),
            };
            if let Ok(running) = russh::server::run_stream(config, tcp, connection).await {
                let _ = running.await;
            }
        }
    })
    .await
}

/// One client connection. Dropping it (the client went away) kills its commands.
struct Connection {
    sim: Arc<Sim>,
    node: String,
    /// The commands running on this connection's channels.
    running: HashMap<ChannelId, Running>,
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
        let latency = self.sim.faults(&self.node).ssh_latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        session.channel_success(channel)?;
        let command = String::from_utf8_lossy(data).into_owned();
        let running = process::start(
            self.sim.clone(),
            self.node.clone(),
            command,
            channel,
            session.handle(),
        );
        self.running.insert(channel, running);
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let stdin = self
            .running
            .get(&channel)
            .and_then(|running| running.stdin.clone());
        if let Some(stdin) = stdin {
            // Waits while the process is behind: the client's window stays closed.
            let _ = stdin.send(data.to_vec()).await;
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(running) = self.running.get_mut(&channel) {
            running.stdin = None;
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.running.remove(&channel);
        Ok(())
    }
}
