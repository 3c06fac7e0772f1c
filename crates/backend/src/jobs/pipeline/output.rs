//! Command output into the job's log, bounded. Lines come from the command over a
//! bounded channel (a slow database slows the command, never fills memory), are written
//! in batches (one write per batch, not per line), and the job's stored output is
//! capped ([`OutputLimits`]): past the cap one "output truncated" line is written, later
//! lines are only counted, and the last few of each command are written when it ends. A
//! script running `yes` for its whole timeout leaves memory flat and the log small.

use std::collections::VecDeque;
use std::sync::Mutex;

use model::job::{Level, Phase};
use tokio::sync::mpsc;

use super::{Halt, JobRun};
use crate::jobs::events::NewEvent;
use crate::ssh::Stream;

/// One line of output and the stream it came from.
pub(super) type Line = (Stream, String);

/// How much output a job's log keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputLimits {
    /// Output lines stored per job run.
    pub max_lines: u64,
    /// Output bytes stored per job run.
    pub max_bytes: u64,
    /// Lines kept from the end of a command whose output went past the cap.
    pub tail_lines: usize,
    /// Lines written in one transaction.
    pub batch: usize,
    /// Lines waiting between the command and the database.
    pub channel: usize,
}

impl Default for OutputLimits {
    /// 20,000 lines or 8 MiB per job, the last 50 lines of a truncated command, batches
    /// of up to 32 (measured, debug build: a line costs about 0.6 ms in a batch and a batch
    /// 2 ms more, so 32 lines write in ~20 ms at 95 % of a 100-line batch's throughput,
    /// and the first line of a burst waits for no more than that), 1,000 lines in flight.
    fn default() -> Self {
        OutputLimits {
            max_lines: 20_000,
            max_bytes: 8 * 1024 * 1024,
            tail_lines: 50,
            batch: 32,
            channel: 1000,
        }
    }
}

/// What the job's log has taken so far in this run.
#[derive(Debug, Default)]
pub(super) struct OutputLog {
    lines: u64,
    bytes: u64,
    truncated: bool,
    /// Lines not stored since the cap was reached.
    skipped: u64,
}

/// The lines of one batch to write, after the cap.
struct Admitted {
    events: Vec<NewEvent>,
    /// Lines held back as the command's last lines (written when it ends).
    held: Vec<NewEvent>,
}

impl OutputLog {
    /// Splits `lines` into those to store now and those past the cap; the first time the
    /// cap is passed, the "truncated" notice joins the lines to store.
    fn admit(
        &mut self,
        limits: &OutputLimits,
        notice_at: (Phase, u8),
        lines: Vec<NewEvent>,
    ) -> Admitted {
        let mut events = Vec::with_capacity(lines.len());
        let mut held = Vec::new();
        for line in lines {
            let size = u64::try_from(line.message.len()).unwrap_or(u64::MAX);
            if !self.truncated
                && self.lines < limits.max_lines
                && self.bytes + size <= limits.max_bytes
            {
                self.lines += 1;
                self.bytes += size;
                events.push(line);
                continue;
            }
            if !self.truncated {
                self.truncated = true;
                let (phase, percent) = notice_at;
                events.push(
                    NewEvent::info(
                        phase,
                        percent,
                        format!(
                            "Output truncated: a job's log keeps at most {} lines ({} MiB) of \
                             output; further output is not stored, the last {} lines of each \
                             command are.",
                            limits.max_lines,
                            limits.max_bytes / (1024 * 1024),
                            limits.tail_lines
                        ),
                    )
                    .level(Level::Warn),
                );
            }
            self.skipped += 1;
            held.push(line);
        }
        Admitted { events, held }
    }
}

impl JobRun<'_> {
    /// A channel for one command's lines, sized by the limits.
    pub(super) fn output_channel(&self) -> (mpsc::Sender<Line>, mpsc::Receiver<Line>) {
        mpsc::channel(self.config.output.channel.max(1))
    }

    /// Writes the lines arriving on `received` as output events of `phase` (about
    /// `script`), in batches and within the job's cap, until the sender is dropped.
    pub(super) async fn relay_output(
        &self,
        phase: Phase,
        percent: u8,
        script: Option<&str>,
        mut received: mpsc::Receiver<Line>,
    ) -> Result<(), Halt> {
        let limits = self.config.output;
        let mut tail: VecDeque<NewEvent> = VecDeque::new();
        let line_event = |(_, text): Line| {
            let mut event = NewEvent::info(phase, percent, text).level(Level::Output);
            event.script = script.map(str::to_owned);
            event
        };
        let skipped_before = self.output_log().skipped;
        // Batches start small (the first lines of a burst show at once) and double while
        // lines keep waiting, up to the limit (a flood is written in few transactions).
        let mut batch_size = 1;
        while let Some(first) = received.recv().await {
            let mut batch = vec![line_event(first)];
            while batch.len() < batch_size {
                match received.try_recv() {
                    Ok(text) => batch.push(line_event(text)),
                    Err(_) => break,
                }
            }
            batch_size = if received.is_empty() {
                1
            } else {
                (batch_size * 2).min(limits.batch.max(1))
            };
            let admitted = self.output_log().admit(&limits, (phase, percent), batch);
            for line in admitted.held {
                if tail.len() == limits.tail_lines {
                    tail.pop_front();
                }
                if limits.tail_lines > 0 {
                    tail.push_back(line);
                }
            }
            if !admitted.events.is_empty() {
                self.events(admitted.events).await?;
            }
        }
        let skipped = self.output_log().skipped - skipped_before;
        if skipped > 0 {
            let kept = u64::try_from(tail.len()).unwrap_or(0);
            let mut closing = vec![
                NewEvent::info(
                    phase,
                    percent,
                    format!(
                        "{} lines of output were not stored; the last {kept} follow.",
                        skipped.saturating_sub(kept)
                    ),
                )
                .level(Level::Warn),
            ];
            closing.extend(tail);
            self.events(closing).await?;
        }
        Ok(())
    }

    fn output_log(&self) -> std::sync::MutexGuard<'_, OutputLog> {
        self.output.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The job's output budget, shared by the commands of one run.
pub(super) type SharedOutputLog = Mutex<OutputLog>;

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(count: usize, text: &str) -> Vec<NewEvent> {
        (0..count)
            .map(|_| NewEvent::info(Phase::Scripts, 80, text).level(Level::Output))
            .collect()
    }

    #[test]
    fn the_cap_admits_lines_then_one_notice_then_holds_the_rest() {
        let limits = OutputLimits {
            max_lines: 10,
            max_bytes: 1024,
            ..OutputLimits::default()
        };
        let mut log = OutputLog::default();
        let first = log.admit(&limits, (Phase::Scripts, 80), lines(8, "y"));
        assert_eq!((first.events.len(), first.held.len()), (8, 0));
        let second = log.admit(&limits, (Phase::Scripts, 80), lines(8, "y"));
        assert_eq!(second.events.len(), 3, "two lines and the notice");
        assert!(second.events[2].message.starts_with("Output truncated"));
        assert_eq!(second.held.len(), 6);
        let third = log.admit(&limits, (Phase::Scripts, 80), lines(5, "y"));
        assert_eq!((third.events.len(), third.held.len()), (0, 5));
        assert_eq!(log.skipped, 11);
    }

    #[test]
    fn bytes_count_as_well_as_lines() {
        let limits = OutputLimits {
            max_lines: 1000,
            max_bytes: 100,
            ..OutputLimits::default()
        };
        let mut log = OutputLog::default();
        let admitted = log.admit(&limits, (Phase::Scripts, 80), lines(5, &"x".repeat(30)));
        assert_eq!(
            admitted.events.len(),
            4,
            "three lines (90 bytes) and the notice"
        );
    }
}
