//! Commands inside the container: `pct exec` on the node over SSH, every argument quoted
//! by the one quoting helper, each output line becoming a log line as it arrives (within
//! the job's output cap, see [`super::output`]).

use model::job::Phase;

use super::{Halt, JobRun};
use crate::ssh::{self, ExecOutput};

/// Lines of a failed command kept in the error message.
const TAIL_LINES: usize = 20;

impl JobRun<'_> {
    /// Runs `argv` in the container (`pct exec`), each output line becoming an event.
    pub(super) async fn exec_in_container(
        &self,
        phase: Phase,
        fraction: f64,
        script: Option<&str>,
        argv: &[&str],
        stdin: Option<&[u8]>,
    ) -> Result<ExecOutput, Halt> {
        let vmid = self.vmid.to_string();
        let mut words = vec!["pct", "exec", vmid.as_str(), "--"];
        words.extend_from_slice(argv);
        let (line, session) = self.node_command(phase, &words).await?;
        let (lines, received) = self.output_channel();
        let timeout = self.config.command_timeout;
        let run = async move { session.exec_streaming(&line, stdin, timeout, &lines).await };
        let relay = self.relay_output(phase, phase.percent(fraction), script, received);
        let (output, relayed) = tokio::join!(run, relay);
        relayed?;
        output.map_err(|e| Halt::failed(phase, format!("{}: {e}", self.node_name)))
    }

    /// `words` as one quoted command line, and the node's pooled SSH session to run it on.
    pub(super) async fn node_command(
        &self,
        phase: Phase,
        words: &[&str],
    ) -> Result<(String, std::sync::Arc<ssh::SshSession>), Halt> {
        let line = ssh::command(words).map_err(|e| Halt::failed(phase, e.to_string()))?;
        let session = self
            .backend
            .ssh
            .session(&self.access.ssh_target())
            .await
            .map_err(|e| Halt::failed(phase, format!("{}: {e}", self.node_name)))?;
        Ok((line, session))
    }

    /// As [`Self::exec_in_container`], failing the phase on a non-zero exit.
    pub(super) async fn must_run(
        &self,
        phase: Phase,
        fraction: f64,
        argv: &[&str],
        what: &str,
    ) -> Result<ExecOutput, Halt> {
        let output = self
            .exec_in_container(phase, fraction, None, argv, None)
            .await?;
        if output.success() {
            Ok(output)
        } else {
            Err(Halt::failed(
                phase,
                format!("{what} failed ({}){}", exit_words(&output), tail(&output)),
            ))
        }
    }
}

/// `exit status 1`, or how the command ended otherwise.
pub(super) fn exit_words(output: &ExecOutput) -> String {
    match output.status {
        Some(code) => format!("exit status {code}"),
        None => "killed by a signal".to_owned(),
    }
}

/// The last lines of a command's error output, for the failure message.
fn tail(output: &ExecOutput) -> String {
    let text = if output.stderr.trim().is_empty() {
        &output.stdout
    } else {
        &output.stderr
    };
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(TAIL_LINES);
    if lines.is_empty() {
        String::new()
    } else {
        format!(":\n{}", lines[start..].join("\n"))
    }
}
