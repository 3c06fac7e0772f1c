//! SSH to Proxmox nodes (russh): host keys pinned by SHA-256 fingerprint, password or
//! private-key login, commands with standard input, output streamed as it arrives, exit
//! status, per-command timeouts, keep-alive and a small connection pool.

mod output;
mod quote;

pub use output::{LineSplitter, MAX_LINE_BYTES, TAIL_BYTES, Tail, cut_line};
pub use quote::{QuoteError, command, quote};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::ChannelMsg;
use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// How to log in.
#[derive(Clone)]
pub enum SshAuth {
    Password(Zeroizing<String>),
    /// An OpenSSH private key (PEM), optionally with its passphrase.
    PrivateKey {
        pem: Zeroizing<String>,
        passphrase: Option<Zeroizing<String>>,
    },
}

impl std::fmt::Debug for SshAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SshAuth::Password(_) => "Password(<redacted>)",
            SshAuth::PrivateKey { .. } => "PrivateKey(<redacted>)",
        })
    }
}

/// Where and as whom to connect; `host_key` is the pinned `SHA256:…` fingerprint.
#[derive(Debug, Clone)]
pub struct SshTarget {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub auth: SshAuth,
    pub host_key: String,
    pub connect_timeout: Duration,
}

/// What can go wrong on the way to a node or while running a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SshError {
    #[error("cannot connect to {address}: {message}")]
    Connect { address: String, message: String },
    #[error("no answer from {address} within {after:?}")]
    Timeout { address: String, after: Duration },
    #[error(
        "the SSH host key of {address} changed: expected {expected}, the node presented {seen}"
    )]
    HostKeyMismatch {
        address: String,
        expected: String,
        seen: String,
    },
    #[error("SSH login as {user} was refused")]
    AuthenticationFailed { user: String },
    #[error("the SSH private key cannot be read: {0}")]
    InvalidKey(String),
    #[error(transparent)]
    Quote(#[from] QuoteError),
    #[error("the command did not finish within {after:?}")]
    CommandTimeout { after: Duration },
    #[error("SSH channel error: {0}")]
    Channel(String),
}

/// What a command printed (the last [`TAIL_BYTES`] of each stream) and how it ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub stdout: String,
    pub stderr: String,
    /// Bytes printed before the kept tails (0 for most commands).
    pub dropped_bytes: u64,
    /// `None` when the command was killed by a signal.
    pub status: Option<u32>,
}

/// Where a running command's lines go.
enum Lines<'a> {
    /// Called at once, for each line.
    Callback(&'a mut (dyn FnMut(Stream, &str) + Send)),
    /// Sent on a bounded channel: a slow receiver slows the command down (SSH flow
    /// control) instead of piling lines up in memory.
    Channel(&'a tokio::sync::mpsc::Sender<(Stream, String)>),
}

impl Lines<'_> {
    async fn emit(&mut self, stream: Stream, line: String) {
        match self {
            Lines::Callback(callback) => callback(stream, &line),
            Lines::Channel(sender) => {
                // A closed receiver stopped listening; the command still runs to its end.
                let _ = sender.send((stream, line)).await;
            }
        }
    }
}

impl ExecOutput {
    /// Exit status 0.
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }
}

/// Which stream a line of output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Checks the host key against the pin, or records it in capture mode.
struct HostKeyCheck {
    pin: Option<String>,
    seen: Arc<Mutex<Option<String>>>,
}

impl russh::client::Handler for HostKeyCheck {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        // Certificates are refused: no SSH CA is configured.
        let PublicKeyOrCertificate::PublicKey { key, .. } = key else {
            return Ok(false);
        };
        let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
        let accepted = self.pin.as_deref() == Some(fingerprint.as_str());
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(fingerprint);
        }
        Ok(accepted)
    }
}

fn client_config() -> Arc<russh::client::Config> {
    Arc::new(russh::client::Config {
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 3,
        inactivity_timeout: Some(Duration::from_secs(600)),
        // Commands are small request/answer exchanges: without this, Nagle's algorithm
        // and the peer's delayed ACK add about 40 ms to each one.
        nodelay: true,
        ..Default::default()
    })
}

async fn dial(
    host: &str,
    port: u16,
    pin: Option<String>,
    timeout: Duration,
) -> (
    Result<russh::client::Handle<HostKeyCheck>, SshError>,
    Option<String>,
) {
    let address = format!("{host}:{port}");
    let seen = Arc::new(Mutex::new(None));
    let check = HostKeyCheck {
        pin: pin.clone(),
        seen: seen.clone(),
    };
    let attempt = tokio::time::timeout(
        timeout,
        russh::client::connect(client_config(), (host, port), check),
    )
    .await;
    let seen = seen.lock().ok().and_then(|s| s.clone());
    let result = match attempt {
        Err(_) => Err(SshError::Timeout {
            address,
            after: timeout,
        }),
        Ok(Ok(handle)) => Ok(handle),
        Ok(Err(error)) => match (&pin, &seen) {
            (Some(expected), Some(seen)) if expected != seen => Err(SshError::HostKeyMismatch {
                address,
                expected: expected.clone(),
                seen: seen.clone(),
            }),
            _ => Err(SshError::Connect {
                address,
                message: error.to_string(),
            }),
        },
    };
    (result, seen)
}

/// Reads a node's host key fingerprint without logging in (the first, explicit step of
/// trusting a node: the user compares it before it is pinned).
pub async fn capture_host_key(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<String, SshError> {
    let (result, seen) = dial(host, port, None, timeout).await;
    match (seen, result) {
        (Some(fingerprint), _) => Ok(fingerprint),
        (None, Err(error)) => Err(error),
        (None, Ok(_)) => Err(SshError::Channel("the server presented no host key".into())),
    }
}

/// A logged-in connection to one node; cheap to share, several commands may run at once.
pub struct SshSession {
    handle: russh::client::Handle<HostKeyCheck>,
}

impl SshSession {
    /// Connects, checks the pinned host key, logs in.
    pub async fn connect(target: &SshTarget) -> Result<SshSession, SshError> {
        let (result, _) = dial(
            &target.host,
            target.port,
            Some(target.host_key.clone()),
            target.connect_timeout,
        )
        .await;
        let mut handle = result?;
        let refused = || SshError::AuthenticationFailed {
            user: target.user.clone(),
        };
        let channel_error = |e: russh::Error| SshError::Channel(e.to_string());
        let accepted = match &target.auth {
            SshAuth::Password(password) => handle
                .authenticate_password(&target.user, password.as_str())
                .await
                .map_err(channel_error)?
                .success(),
            SshAuth::PrivateKey { pem, passphrase } => {
                let key =
                    russh::keys::decode_secret_key(pem, passphrase.as_ref().map(|p| p.as_str()))
                        .map_err(|e| SshError::InvalidKey(e.to_string()))?;
                let hash = handle
                    .best_supported_rsa_hash()
                    .await
                    .map_err(channel_error)?
                    .flatten();
                handle
                    .authenticate_publickey(
                        &target.user,
                        PrivateKeyWithHashAlg::new(Arc::new(key), hash),
                    )
                    .await
                    .map_err(channel_error)?
                    .success()
            }
        };
        if accepted {
            Ok(SshSession { handle })
        } else {
            Err(refused())
        }
    }

    /// Writes `content` to `path` on the node (`cat > path`, content on standard input),
    /// the first step of `pct push`. Works with any OpenSSH server, no SFTP needed.
    pub async fn upload(
        &self,
        path: &str,
        content: &[u8],
        timeout: Duration,
    ) -> Result<(), SshError> {
        let line = format!("cat > {}", quote(path)?);
        let output = self.exec(&line, Some(content), timeout, |_, _| {}).await?;
        if output.success() {
            Ok(())
        } else {
            Err(SshError::Channel(format!(
                "writing {path} failed: {}",
                output.stderr.trim()
            )))
        }
    }

    /// Whether the connection is gone (then the pool dials again).
    pub fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }

    /// Runs `command_line` (already quoted: build it with [`command`]), feeding `stdin`
    /// and passing each complete output line (cut at [`MAX_LINE_BYTES`]) to `on_line` as
    /// it arrives.
    pub async fn exec(
        &self,
        command_line: &str,
        stdin: Option<&[u8]>,
        timeout: Duration,
        mut on_line: impl FnMut(Stream, &str) + Send,
    ) -> Result<ExecOutput, SshError> {
        self.run(command_line, stdin, timeout, Lines::Callback(&mut on_line))
            .await
    }

    /// As [`Self::exec`], each line sent on `lines` (bounded: the command waits while
    /// the receiver is behind).
    pub async fn exec_streaming(
        &self,
        command_line: &str,
        stdin: Option<&[u8]>,
        timeout: Duration,
        lines: &tokio::sync::mpsc::Sender<(Stream, String)>,
    ) -> Result<ExecOutput, SshError> {
        self.run(command_line, stdin, timeout, Lines::Channel(lines))
            .await
    }

    /// Runs a command that does not end by itself (`journalctl -f`), sending each standard
    /// output line on `lines` as it comes (the command waits while the channel is full).
    /// The SSH channel is closed, which ends the command, as soon as the receiver goes or
    /// `limit` has passed; standard error is dropped.
    pub async fn follow(
        &self,
        command_line: &str,
        limit: Duration,
        lines: &tokio::sync::mpsc::Sender<String>,
    ) -> Result<FollowEnd, SshError> {
        let mut channel = self.start(command_line, None).await?;
        let deadline = tokio::time::sleep(limit);
        tokio::pin!(deadline);
        let mut splitter = LineSplitter::default();
        let mut complete = Vec::new();
        let mut status = None;
        let end = loop {
            let message = tokio::select! {
                message = channel.wait() => message,
                () = lines.closed() => break FollowEnd::ReceiverGone,
                () = &mut deadline => break FollowEnd::LimitReached,
            };
            match message {
                None => break FollowEnd::Exited(status),
                Some(ChannelMsg::ExitStatus { exit_status }) => status = Some(exit_status),
                Some(ChannelMsg::Data { data }) => {
                    splitter.push(&String::from_utf8_lossy(&data), |line| complete.push(line));
                    for line in complete.drain(..) {
                        if lines.send(line).await.is_err() {
                            break;
                        }
                    }
                }
                Some(_) => {}
            }
        };
        if !matches!(end, FollowEnd::Exited(_)) {
            let _ = channel.close().await;
        }
        Ok(end)
    }

    /// Opens a channel, runs `command_line` on it, feeds `stdin` and closes standard input.
    async fn start(
        &self,
        command_line: &str,
        stdin: Option<&[u8]>,
    ) -> Result<russh::Channel<russh::client::Msg>, SshError> {
        let channel_error = |e: russh::Error| SshError::Channel(e.to_string());
        let channel = self
            .handle
            .channel_open_session()
            .await
            .map_err(channel_error)?;
        channel
            .exec(true, command_line)
            .await
            .map_err(channel_error)?;
        if let Some(stdin) = stdin {
            channel.data(stdin).await.map_err(channel_error)?;
        }
        channel.eof().await.map_err(channel_error)?;
        Ok(channel)
    }

    async fn run(
        &self,
        command_line: &str,
        stdin: Option<&[u8]>,
        timeout: Duration,
        mut lines: Lines<'_>,
    ) -> Result<ExecOutput, SshError> {
        let run = async {
            let mut channel = self.start(command_line, stdin).await?;
            let mut status = None;
            let mut tails = [Tail::default(), Tail::default()];
            let mut splitters = [LineSplitter::default(), LineSplitter::default()];
            let mut complete = Vec::new();
            // Keep reading after the exit status: output may still follow it.
            while let Some(message) = channel.wait().await {
                let (stream, index, data) = match message {
                    ChannelMsg::Data { data } => (Stream::Stdout, 0, data),
                    ChannelMsg::ExtendedData { data, ext: 1 } => (Stream::Stderr, 1, data),
                    ChannelMsg::ExitStatus { exit_status } => {
                        status = Some(exit_status);
                        continue;
                    }
                    _ => continue,
                };
                let text = String::from_utf8_lossy(&data);
                tails[index].push(&text);
                splitters[index].push(&text, |line| complete.push(line));
                for line in complete.drain(..) {
                    lines.emit(stream, line).await;
                }
            }
            let [out_splitter, err_splitter] = splitters;
            for (splitter, stream) in [
                (out_splitter, Stream::Stdout),
                (err_splitter, Stream::Stderr),
            ] {
                splitter.finish(|line| complete.push(line));
                for line in complete.drain(..) {
                    lines.emit(stream, line).await;
                }
            }
            let [out_tail, err_tail] = tails;
            let ((stdout, out_dropped), (stderr, err_dropped)) =
                (out_tail.finish(), err_tail.finish());
            Ok(ExecOutput {
                stdout,
                stderr,
                dropped_bytes: out_dropped + err_dropped,
                status,
            })
        };
        tokio::time::timeout(timeout, run)
            .await
            .map_err(|_| SshError::CommandTimeout { after: timeout })?
    }
}

/// Why [`SshSession::follow`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowEnd {
    /// The command ended by itself (its container stopped, its file went), with its status.
    Exited(Option<u32>),
    /// Nobody reads the lines any more.
    ReceiverGone,
    /// The time limit passed.
    LimitReached,
}

/// Keeps one session per node and login, so a node is not dialled for every command.
///
/// Each login has its own slot: connecting to one node waits only for other callers of
/// the same node and login (one attempt at a time per credential), never for another
/// node, so a node that stalls at login freezes nobody else.
#[derive(Default, Clone)]
pub struct SshPool {
    slots: Arc<Mutex<HashMap<String, Slot>>>,
}

/// One login's session, or the right to make it.
type Slot = Arc<tokio::sync::Mutex<Option<Arc<SshSession>>>>;

impl SshPool {
    /// The pooled session for `target`, connecting when there is none or it closed.
    /// Dialling, the host-key check and the login together get `connect_timeout`.
    pub async fn session(&self, target: &SshTarget) -> Result<Arc<SshSession>, SshError> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            slots.entry(pool_key(target)).or_default().clone()
        };
        let mut session = slot.lock().await;
        if let Some(open) = session.as_ref().filter(|s| !s.is_closed()) {
            return Ok(open.clone());
        }
        let address = format!("{}:{}", target.host, target.port);
        let connected = tokio::time::timeout(target.connect_timeout, SshSession::connect(target))
            .await
            .map_err(|_| SshError::Timeout {
                address,
                after: target.connect_timeout,
            })??;
        let connected = Arc::new(connected);
        *session = Some(connected.clone());
        Ok(connected)
    }

    /// Drops pooled sessions to `host:port` (after a re-pin or a credential change).
    pub async fn forget(&self, host: &str, port: u16) {
        let prefix = format!("{host}:{port}|");
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|key, _| !key.starts_with(&prefix));
    }

    /// Logins with a slot now (sessions open or being made).
    pub fn slots(&self) -> usize {
        self.slots.lock().map_or(0, |slots| slots.len())
    }
}

/// Host, port, user, pin and a digest of the credential: a changed password or key
/// never reuses a session made with the old one.
fn pool_key(target: &SshTarget) -> String {
    let mut digest = Sha256::new();
    match &target.auth {
        SshAuth::Password(password) => digest.update(password.as_bytes()),
        SshAuth::PrivateKey { pem, .. } => digest.update(pem.as_bytes()),
    }
    let credential: String = digest
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}:{}|{}|{}|{credential}",
        target.host, target.port, target.user, target.host_key
    )
}
