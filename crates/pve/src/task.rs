//! Following a Proxmox task to its end: status polling, log streaming, deadline, cancel.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::api::tasks::LogLine;
use crate::client::Client;
use crate::error::PveError;
use crate::upid::Upid;

/// How [`Client::wait_task`] polls.
#[derive(Debug, Clone)]
pub struct WaitOptions {
    /// Pause between polls (PVE clients use 1–2 s).
    pub interval: Duration,
    /// Give up (with [`PveError::TaskTimeout`]) when the task runs longer than this.
    pub deadline: Duration,
    /// Stop waiting (with [`PveError::Cancelled`]) when this is cancelled.
    pub cancel: Option<CancellationToken>,
    /// Log lines kept for [`PveError::TaskFailed::log_tail`].
    pub tail_lines: usize,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            interval: Duration::from_secs(1),
            deadline: Duration::from_secs(600),
            cancel: None,
            tail_lines: 20,
        }
    }
}

/// A task that ended well: `OK` or `WARNINGS: n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskOutcome {
    pub upid: Upid,
    pub exitstatus: String,
    /// The `n` of `WARNINGS: n`; 0 for `OK`.
    pub warnings: u32,
}

/// Right after a task starts on another node its status may not be visible yet.
const UNSEEN_TASK_RETRIES: u32 = 5;

impl Client {
    /// Polls the task until it stops, passing each new log line to `on_line` once.
    ///
    /// Succeeds on `OK` and `WARNINGS: n`; any other exit status is
    /// [`PveError::TaskFailed`] with the last log lines.
    pub async fn wait_task(
        &self,
        upid: &Upid,
        options: &WaitOptions,
        mut on_line: impl FnMut(&LogLine),
    ) -> Result<TaskOutcome, PveError> {
        let started = Instant::now();
        let mut seen = 0_u64;
        let mut tail: VecDeque<String> = VecDeque::with_capacity(options.tail_lines);
        let mut unseen_retries = 0;
        loop {
            if options
                .cancel
                .as_ref()
                .is_some_and(CancellationToken::is_cancelled)
            {
                return Err(PveError::Cancelled);
            }
            let status = match self.task_status(upid).await {
                Err(PveError::Parameters { errors, .. })
                    if unseen_retries < UNSEEN_TASK_RETRIES
                        && errors
                            .get("upid")
                            .is_some_and(|e| e.contains("no such task")) =>
                {
                    unseen_retries += 1;
                    self.pause(options).await?;
                    continue;
                }
                other => other?,
            };
            let page = self.task_log(upid, seen, 0).await?;
            let placeholder = !status.is_stopped() && page.total == 1;
            for line in page.lines {
                if line.n <= seen || (placeholder && line.t == "no content") {
                    continue;
                }
                seen = line.n;
                on_line(&line);
                if options.tail_lines > 0 {
                    if tail.len() == options.tail_lines {
                        tail.pop_front();
                    }
                    tail.push_back(line.t);
                }
            }
            if status.is_stopped() {
                let exitstatus = status
                    .exitstatus
                    .unwrap_or_else(|| "unexpected status".into());
                return match classify(&exitstatus) {
                    Some(warnings) => Ok(TaskOutcome {
                        upid: upid.clone(),
                        exitstatus,
                        warnings,
                    }),
                    None => Err(PveError::TaskFailed {
                        upid: Box::new(upid.clone()),
                        exitstatus,
                        log_tail: tail.into(),
                    }),
                };
            }
            if started.elapsed() >= options.deadline {
                return Err(PveError::TaskTimeout {
                    upid: Box::new(upid.clone()),
                    after: options.deadline,
                });
            }
            self.pause(options).await?;
        }
    }

    async fn pause(&self, options: &WaitOptions) -> Result<(), PveError> {
        match &options.cancel {
            Some(cancel) => tokio::select! {
                () = cancel.cancelled() => Err(PveError::Cancelled),
                () = tokio::time::sleep(options.interval) => Ok(()),
            },
            None => {
                tokio::time::sleep(options.interval).await;
                Ok(())
            }
        }
    }
}

/// `Some(warnings)` for a successful exit status, `None` for a failure.
fn classify(exitstatus: &str) -> Option<u32> {
    if exitstatus == "OK" {
        return Some(0);
    }
    exitstatus
        .strip_prefix("WARNINGS: ")
        .and_then(|n| n.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::classify;

    #[test]
    fn ok_and_warnings_succeed_everything_else_fails() {
        assert_eq!(classify("OK"), Some(0));
        assert_eq!(classify("WARNINGS: 3"), Some(3));
        assert_eq!(
            classify("unable to create CT 107 - volume does not exist"),
            None
        );
        assert_eq!(classify("unexpected status"), None);
        assert_eq!(classify("WARNINGS: many"), None);
    }
}
