//! One SSH `exec` request as a real process: `bash -c` in the node's sandbox
//! (`tools/enter-node`), standard input fed from the channel, standard output and error
//! streamed back as they come (the channel's window paces the process), then the exit
//! status. The process is killed when the client closes the channel, drops the
//! connection, or the simulator stops.

use std::process::Stdio;
use std::sync::Arc;

use russh::ChannelId;
use russh::server::Handle;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

use crate::Sim;

/// Standard input chunks waiting for the process (the client waits when it is full).
pub const STDIN_CHUNKS: usize = 16;

/// What the connection keeps of a running command.
pub struct Running {
    /// Standard input; dropped at the client's EOF, which closes the process's stdin.
    pub stdin: Option<mpsc::Sender<Vec<u8>>>,
    /// Dropped when the channel or connection goes: the process is killed.
    pub _alive: oneshot::Sender<()>,
}

/// Starts `command` on `node` for `channel`.
pub fn start(
    sim: Arc<Sim>,
    node: String,
    command: String,
    channel: ChannelId,
    handle: Handle,
) -> Running {
    let (stdin, stdin_chunks) = mpsc::channel(STDIN_CHUNKS);
    let (alive, gone) = oneshot::channel();
    tokio::spawn(run(sim, node, command, channel, handle, stdin_chunks, gone));
    Running {
        stdin: Some(stdin),
        _alive: alive,
    }
}

async fn run(
    sim: Arc<Sim>,
    node: String,
    command: String,
    channel: ChannelId,
    handle: Handle,
    mut stdin_chunks: mpsc::Receiver<Vec<u8>>,
    gone: oneshot::Receiver<()>,
) {
    if let Some(reason) = &sim.commands_refused {
        let _ = handle
            .extended_data(channel, 1, format!("{reason}\n").into_bytes())
            .await;
        finish(&handle, channel, 255).await;
        return;
    }
    if let Err(error) = sim.cluster().publish_for_pct(&node) {
        tracing::warn!(%error, "could not publish the containers for pct");
    }
    let spawned = tokio::process::Command::new("/usr/bin/bash")
        .arg(sim.disk_root.join("tools/enter-node"))
        .arg(&sim.disk_root)
        .arg(&node)
        .arg(&command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => {
            let message = format!("pve-sim: cannot start bash: {error}\n");
            let _ = handle.extended_data(channel, 1, message.into_bytes()).await;
            finish(&handle, channel, 255).await;
            return;
        }
    };
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return;
    };
    let feed = tokio::spawn(async move {
        while let Some(chunk) = stdin_chunks.recv().await {
            if stdin.write_all(&chunk).await.is_err() {
                return;
            }
        }
    });
    let relay = async {
        tokio::join!(
            relay(stdout, &handle, channel, None),
            relay(stderr, &handle, channel, Some(1))
        )
    };
    let mut stopped = sim.stopped.clone();
    let status = tokio::select! {
        (_, _) = relay => child.wait().await.ok(),
        _ = gone => None,
        _ = stopped.changed() => None,
    };
    feed.abort();
    // The command may have started or stopped services: the containers' addresses follow.
    crate::guest_net::reconcile_node(&sim, &node);
    let Some(status) = status else {
        // The client or the simulator went away: nobody to answer.
        let _ = child.start_kill();
        return;
    };
    let code = status.code().unwrap_or_else(|| {
        use std::os::unix::process::ExitStatusExt;
        128 + status.signal().unwrap_or(9)
    });
    finish(&handle, channel, u32::try_from(code).unwrap_or(255)).await;
}

/// Copies one output stream to the channel as it comes (`ext` 1: standard error).
async fn relay(
    mut from: impl AsyncRead + Unpin,
    handle: &Handle,
    channel: ChannelId,
    ext: Option<u32>,
) {
    let mut buffer = vec![0_u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        let data = buffer[..read].to_vec();
        let sent = match ext {
            None => handle.data(channel, data).await,
            Some(ext) => handle.extended_data(channel, ext, data).await,
        };
        if sent.is_err() {
            return;
        }
    }
}

async fn finish(handle: &Handle, channel: ChannelId, status: u32) {
    let _ = handle.exit_status_request(channel, status).await;
    let _ = handle.eof(channel).await;
    let _ = handle.close(channel).await;
}
