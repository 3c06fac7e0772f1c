//! Provisioning jobs as the browser sees them: state, phases with their share of the
//! progress bar, and the events that make up the live log.

use serde::{Deserialize, Serialize};

use crate::ids::{JobId, NodeId, Vmid};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobState {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// Reads a stored word; anything unknown is `Failed` (never shown as in progress).
    pub fn parse(word: &str) -> JobState {
        [
            JobState::Queued,
            JobState::Running,
            JobState::Succeeded,
            JobState::Cancelled,
        ]
        .into_iter()
        .find(|state| state.as_str() == word)
        .unwrap_or(JobState::Failed)
    }

    /// Past tense, for messages ("the job has already succeeded").
    pub fn past(self) -> &'static str {
        match self {
            JobState::Queued => "been queued",
            JobState::Running => "started",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "been cancelled",
        }
    }

    /// Whether the job has ended.
    pub fn finished(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::Failed | JobState::Cancelled
        )
    }
}

/// The pipeline's phases, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Queued,
    Create,
    Start,
    Network,
    Files,
    Packages,
    Scripts,
    Discover,
    Done,
    /// Removing a half-made container after a failure or a cancel.
    Cleanup,
}

impl Phase {
    /// The phases a job walks through, shown as the stepper.
    pub const PIPELINE: [Phase; 8] = [
        Phase::Create,
        Phase::Start,
        Phase::Network,
        Phase::Files,
        Phase::Packages,
        Phase::Scripts,
        Phase::Discover,
        Phase::Done,
    ];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Queued => "queued",
            Phase::Create => "create",
            Phase::Start => "start",
            Phase::Network => "network",
            Phase::Files => "files",
            Phase::Packages => "packages",
            Phase::Scripts => "scripts",
            Phase::Discover => "discover",
            Phase::Done => "done",
            Phase::Cleanup => "cleanup",
        }
    }

    /// Reads a stored word.
    pub fn parse(word: &str) -> Option<Phase> {
        [Phase::Queued, Phase::Cleanup]
            .into_iter()
            .chain(Phase::PIPELINE)
            .find(|p| p.as_str() == word)
    }

    /// Words for the stepper.
    pub fn title(self) -> &'static str {
        match self {
            Phase::Queued => "Queued",
            Phase::Create => "Create",
            Phase::Start => "Start",
            Phase::Network => "Network",
            Phase::Files => "Files",
            Phase::Packages => "Packages",
            Phase::Scripts => "Scripts",
            Phase::Discover => "Services",
            Phase::Done => "Done",
            Phase::Cleanup => "Clean-up",
        }
    }

    /// The progress (percent) at which this phase begins and ends.
    pub fn span(self) -> (u8, u8) {
        match self {
            Phase::Queued => (0, 0),
            Phase::Create => (0, 30),
            Phase::Start => (30, 40),
            Phase::Network => (40, 50),
            Phase::Files => (50, 55),
            Phase::Packages => (55, 75),
            Phase::Scripts => (75, 92),
            Phase::Discover => (92, 99),
            Phase::Done => (100, 100),
            Phase::Cleanup => (100, 100),
        }
    }

    /// The progress `fraction` (0..=1) of the way through this phase.
    pub fn percent(self, fraction: f64) -> u8 {
        let (from, to) = self.span();
        let fraction = fraction.clamp(0.0, 1.0);
        from + ((f64::from(to - from)) * fraction).round() as u8
    }
}

/// How an event reads in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    Info,
    Warn,
    Error,
    /// A line printed by a command or script in the container.
    Output,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Output => "output",
        }
    }

    /// Reads a stored word; anything unknown is `Info`.
    pub fn parse(word: &str) -> Level {
        [Level::Warn, Level::Error, Level::Output]
            .into_iter()
            .find(|level| level.as_str() == word)
            .unwrap_or(Level::Info)
    }
}

/// One line of a job's log, numbered from 1 without gaps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobEvent {
    pub seq: u64,
    /// RFC 3339, UTC.
    pub at: String,
    pub phase: Phase,
    pub level: Level,
    pub message: String,
    pub percent: u8,
    /// Set for lines of a script's output and its start and end.
    pub script: Option<String>,
}

/// How one script went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScriptStatus {
    Pending,
    Running,
    Succeeded,
    Failed,
    Skipped,
}

/// A job as its owner sees it (no secret: the root password is revealed separately).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobView {
    pub id: JobId,
    pub node_id: NodeId,
    pub node_name: String,
    pub vmid: Vmid,
    pub hostname: String,
    pub state: JobState,
    pub phase: Phase,
    pub percent: u8,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Why it failed, in words.
    pub error: Option<String>,
    /// The phase it failed in.
    pub failed_phase: Option<Phase>,
    /// What was done about a half-made container.
    pub cleanup: Option<String>,
    pub cancel_requested: bool,
    pub keep_on_failure: bool,
    /// Each script's name and status, in order.
    pub scripts: Vec<(String, ScriptStatus)>,
    /// Whether the root password can still be revealed (once, after success).
    pub password_available: bool,
    /// The template (and its revision) the container was made from.
    pub template: Option<crate::template::TemplateRef>,
}

/// A job and its log so far: the progress page's first render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobPage {
    pub job: JobView,
    /// One page of the log, oldest first.
    pub events: Vec<JobEvent>,
    /// How many lines come before this page (`0`: it starts at the first line).
    pub earlier: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_cover_the_bar_in_order() {
        let mut last = 0;
        for phase in Phase::PIPELINE {
            let (from, to) = phase.span();
            assert!(from >= last && to >= from, "{phase:?}");
            last = to;
            assert_eq!(Phase::parse(phase.as_str()), Some(phase));
        }
        assert_eq!(last, 100);
        assert_eq!(Phase::Packages.percent(0.5), 65);
        assert_eq!(JobState::parse("running"), JobState::Running);
        assert!(JobState::Cancelled.finished());
    }
}
