//! A script flooding its output for its whole timeout leaves memory flat and the job's
//! log small. Alone in its test binary: resident memory is the process's, so no other
//! test may run beside it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use std::time::Duration;

use backend::jobs::{self, runner::Runner, runner::RunnerConfig};
use model::job::{JobState, Level};
use pve_sim::Speed;
use support::lab::{fast_runner, lab, rss_kib, script};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_running_yes_for_its_whole_timeout_leaves_memory_flat_and_the_log_small() {
    let lab = lab(Speed::Instant).await;
    let limits = jobs::runner::OutputLimits {
        max_lines: 2000,
        tail_lines: 20,
        ..jobs::runner::OutputLimits::default()
    };
    let _runner = Runner::start(
        lab.backend.clone(),
        RunnerConfig {
            command_timeout: Duration::from_secs(4),
            output: limits,
            ..fast_runner("r1", Duration::from_secs(3))
        },
    );
    let mut form = lab.form(190);
    form.scripts = vec![script("flood", "echo start\nyes\n")];
    let before = rss_kib();
    let (job_id, view) = lab.run(&form).await;
    let grown = rss_kib().saturating_sub(before);
    assert_eq!(view.state, JobState::Failed, "{view:?}");
    assert!(
        view.error
            .as_deref()
            .unwrap_or_default()
            .contains("did not finish"),
        "{view:?}"
    );
    let log = lab.log(&job_id).await;
    let truncated = log
        .iter()
        .filter(|e| e.message.starts_with("Output truncated"))
        .count();
    assert_eq!(truncated, 1, "one notice");
    let summary = log
        .iter()
        .find(|e| e.message.contains("lines of output were not stored"))
        .expect("a summary of what was not stored");
    let not_stored: u64 = summary.message.split(' ').next().unwrap().parse().unwrap();
    let notice_at = log
        .iter()
        .position(|e| e.message.starts_with("Output truncated"))
        .unwrap();
    let before_notice = log[..notice_at]
        .iter()
        .filter(|e| e.level == Level::Output)
        .count();
    assert_eq!(before_notice, 2000, "the cap, exactly");
    // After it: the last lines of each command (the flood, the clean-up's tasks).
    let output_lines = log.iter().filter(|e| e.level == Level::Output).count();
    assert!(
        output_lines <= 2000 + 3 * 20,
        "{output_lines} output lines stored"
    );
    assert!(log.len() < 2100, "{} events", log.len());
    assert!(
        not_stored > 10_000,
        "yes printed more than the cap: {not_stored}"
    );
    eprintln!(
        "yes for 4 s: {not_stored} lines not stored, {} events kept, RSS grew {grown} KiB",
        log.len()
    );
    assert!(grown < 64 * 1024, "RSS grew by {grown} KiB");
}
