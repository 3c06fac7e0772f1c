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

/// The job history's filters, as the `/jobs` page keeps them in its URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFilter {
    pub state: Option<JobState>,
    pub node: Option<NodeId>,
    /// Part of the template's name (case aside).
    pub template: Option<String>,
    /// `YYYY-MM-DD`: created on or after this day (UTC).
    pub from: Option<String>,
    /// `YYYY-MM-DD`: created on or before this day (UTC).
    pub to: Option<String>,
    /// From 1.
    pub page: u32,
}

/// Why a filter was refused: the field and the message.
pub type JobFilterError = (&'static str, String);

impl JobFilter {
    /// Jobs per page.
    pub const PER_PAGE: u32 = 50;

    /// Reads the page's parameters (empty means "any").
    pub fn parse(
        state: &str,
        node: &str,
        template: &str,
        from: &str,
        to: &str,
        page: &str,
    ) -> Result<JobFilter, JobFilterError> {
        let state = match state.trim() {
            "" => None,
            word => Some(
                [
                    JobState::Queued,
                    JobState::Running,
                    JobState::Succeeded,
                    JobState::Failed,
                    JobState::Cancelled,
                ]
                .into_iter()
                .find(|s| s.as_str() == word)
                .ok_or((
                    "state",
                    "queued, running, succeeded, failed or cancelled".to_owned(),
                ))?,
            ),
        };
        let node = match node.trim() {
            "" => None,
            id => Some(NodeId::parse(id).ok_or(("node", "not a node".to_owned()))?),
        };
        let template = Some(template.trim().to_lowercase()).filter(|t| !t.is_empty());
        if template.as_ref().is_some_and(|t| t.len() > 100) {
            return Err(("template", "at most 100 characters".to_owned()));
        }
        let day = |field: &'static str, text: &str| -> Result<Option<String>, JobFilterError> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            let shaped = text.len() == 10
                && text.chars().enumerate().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        c == '-'
                    } else {
                        c.is_ascii_digit()
                    }
                });
            let (month, day) = (text.get(5..7), text.get(8..10));
            let sensible = matches!(month.and_then(|m| m.parse::<u8>().ok()), Some(1..=12))
                && matches!(day.and_then(|d| d.parse::<u8>().ok()), Some(1..=31));
            if shaped && sensible {
                Ok(Some(text.to_owned()))
            } else {
                Err((field, "a day as YYYY-MM-DD".to_owned()))
            }
        };
        let page = match page.trim() {
            "" => 1,
            text => text
                .parse::<u32>()
                .ok()
                .filter(|p| (1..=100_000).contains(p))
                .ok_or(("page", "a page number".to_owned()))?,
        };
        Ok(JobFilter {
            state,
            node,
            template,
            from: day("from", from)?,
            to: day("to", to)?,
            page,
        })
    }
}

/// One row of the job history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRow {
    pub job: JobView,
    /// Whose job (administrators see everyone's).
    pub owner: String,
}

/// A page of the job history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobHistory {
    pub rows: Vec<JobRow>,
    /// Jobs matching the filter, on every page.
    pub total: u64,
    pub page: u32,
    /// Every user's jobs (an administrator's view).
    pub everyone: bool,
    /// The nodes to filter by: (id, name).
    pub nodes: Vec<(NodeId, String)>,
}

#[cfg(test)]
mod filter_tests {
    use super::*;

    #[test]
    fn filters_are_read_and_checked() {
        let filter = JobFilter::parse("failed", "", " Nginx ", "2026-12-01", "", "2").unwrap();
        assert_eq!(filter.state, Some(JobState::Failed));
        assert_eq!(filter.template.as_deref(), Some("nginx"));
        assert_eq!(
            (filter.from.as_deref(), filter.page),
            (Some("2026-12-01"), 2)
        );
        assert_eq!(
            JobFilter::parse("", "", "", "", "", "").unwrap(),
            JobFilter {
                page: 1,
                ..JobFilter::default()
            }
        );
        for (args, field) in [
            (["done", "", "", "", "", ""], "state"),
            (["", "", "", "12/01/2026", "", ""], "from"),
            (["", "", "", "", "2026-13-01", ""], "to"),
            (["", "", "", "", "", "0"], "page"),
        ] {
            let [a, b, c, d, e, f] = args;
            assert_eq!(JobFilter::parse(a, b, c, d, e, f).unwrap_err().0, field);
        }
    }
}
