//! Provisioning jobs against the simulator: the whole pipeline, failures with clean-up,
//! keep-on-failure, cancel, a runner dying mid-job, duplicate VMIDs, hostile names.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use std::time::{Duration, Instant};

use backend::ServiceError;
use backend::jobs::{self, runner::Runner};
use model::job::{JobState, Level, Phase, ScriptStatus};
use pve_sim::Speed;
use support::lab::{fast_runner, lab, script};
use support::user;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_pipeline_installs_packages_runs_scripts_and_finds_services() {
    let lab = lab(Speed::Instant).await;
    let _runner = lab.runner("r1");
    let mut form = lab.form(120);
    form.packages = "nginx\ng++\n".into();
    form.scripts = vec![
        script("greet", "echo hello from corral\necho second line\n"),
        script("config", "echo done > /etc/motd\n"),
    ];
    let (job_id, view) = lab.run(&form).await;
    assert_eq!(view.state, JobState::Succeeded, "{view:?}");
    assert_eq!(view.percent, 100);
    assert_eq!(
        view.scripts,
        [
            ("greet".to_owned(), ScriptStatus::Succeeded),
            ("config".to_owned(), ScriptStatus::Succeeded)
        ]
    );
    assert_eq!(lab.sim.container_state(120), Some(("pve".into(), true)));
    let packages = lab.sim.guest_packages(120);
    assert!(packages.iter().any(|p| p == "nginx"), "{packages:?}");
    assert!(
        packages.iter().any(|p| p == "g++"),
        "one word through the shell: {packages:?}"
    );
    assert_eq!(
        lab.sim.guest_file(120, "/etc/motd").as_deref(),
        Some(&b"done\n"[..])
    );

    let log = lab.log(&job_id).await;
    let seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=log.len() as u64).collect::<Vec<_>>(),
        "numbered without gaps"
    );
    let greeting: Vec<_> = log
        .iter()
        .filter(|e| e.message == "hello from corral")
        .collect();
    assert_eq!(greeting.len(), 1);
    assert_eq!(greeting[0].level, Level::Output);
    assert_eq!(greeting[0].script.as_deref(), Some("greet"));
    assert!(log.iter().any(|e| e.message.contains("Setting up nginx")));
    assert!(
        log.iter()
            .any(|e| e.phase == Phase::Discover && e.message.contains("nginx (80 http)")),
        "{log:#?}"
    );
    let mut percents = log.iter().map(|e| e.percent);
    let mut last = 0;
    assert!(
        percents.all(|p| {
            let ok = p >= last;
            last = p;
            ok
        }),
        "progress never goes back"
    );

    let password = jobs::reveal_root_password(&lab.backend, &lab.admin, &job_id)
        .await
        .unwrap()
        .expect("shown once");
    assert_eq!(password.len(), 24);
    assert!(
        jobs::reveal_root_password(&lab.backend, &lab.admin, &job_id)
            .await
            .unwrap()
            .is_none(),
        "and only once"
    );
    // The VMID is free for the inventory again; a second job for it is refused by Proxmox's answer.
    let again = jobs::submit(&lab.backend, &lab.admin, &form)
        .await
        .unwrap_err();
    assert!(
        matches!(again, ServiceError::Validation(ref e) if e.field == "vmid"),
        "{again:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_script_fails_the_job_and_removes_the_container() {
    let lab = lab(Speed::Instant).await;
    let _runner = lab.runner("r1");
    let mut form = lab.form(121);
    form.scripts = vec![
        script("first", "echo fine\n"),
        script("broken", "echo about to fail\nexit 3\n"),
        script("never", "echo never printed\n"),
    ];
    let (job_id, view) = lab.run(&form).await;
    assert_eq!(view.state, JobState::Failed);
    assert_eq!(view.failed_phase, Some(Phase::Scripts));
    assert!(
        view.error
            .as_deref()
            .unwrap()
            .contains("script broken failed (exit status 3)"),
        "{view:?}"
    );
    assert_eq!(
        view.scripts.iter().map(|(_, s)| *s).collect::<Vec<_>>(),
        [
            ScriptStatus::Succeeded,
            ScriptStatus::Failed,
            ScriptStatus::Skipped
        ]
    );
    assert!(
        view.cleanup
            .as_deref()
            .unwrap()
            .contains("stopped and destroyed"),
        "{view:?}"
    );
    assert_eq!(lab.sim.container_state(121), None, "removed");
    let log = lab.log(&job_id).await;
    assert!(log.iter().any(|e| e.message == "about to fail"));
    assert!(!log.iter().any(|e| e.message == "never printed"));
    assert!(
        jobs::reveal_root_password(&lab.backend, &lab.admin, &job_id)
            .await
            .unwrap()
            .is_none(),
        "no password for a container that does not exist"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_on_failure_keeps_the_container_and_bad_packages_fail_the_packages_phase() {
    let lab = lab(Speed::Instant).await;
    let _runner = lab.runner("r1");
    let mut form = lab.form(122);
    form.keep_on_failure = "on".into();
    form.packages = "nonexistent-package\n".into();
    let (_, view) = lab.run(&form).await;
    assert_eq!(view.state, JobState::Failed);
    assert_eq!(view.failed_phase, Some(Phase::Packages));
    assert!(
        view.error
            .as_deref()
            .unwrap()
            .contains("Unable to locate package"),
        "{view:?}"
    );
    assert_eq!(
        view.cleanup.as_deref(),
        Some("CT 122 was kept for debugging, as asked.")
    );
    assert_eq!(lab.sim.container_state(122), Some(("pve".into(), true)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_ends_a_queued_job_at_once_and_a_running_one_with_clean_up() {
    let lab = lab(Speed::Scaled(0.05)).await;
    // No runner yet: the job waits in the queue.
    let queued = jobs::submit(&lab.backend, &lab.admin, &lab.form(123))
        .await
        .unwrap();
    let view = jobs::cancel(&lab.backend, &lab.admin, &queued)
        .await
        .unwrap();
    assert_eq!(view.state, JobState::Cancelled);
    assert!(matches!(
        jobs::cancel(&lab.backend, &lab.admin, &queued).await,
        Err(ServiceError::Conflict(_))
    ));

    // The VMID claim went with it: the same VMID can be queued again.
    let running = jobs::submit(&lab.backend, &lab.admin, &lab.form(123))
        .await
        .unwrap();
    let _runner = lab.runner("r1");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !lab
        .log(&running)
        .await
        .iter()
        .any(|e| e.message == "CT 123 created.")
    {
        assert!(Instant::now() < deadline, "never created");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    jobs::cancel(&lab.backend, &lab.admin, &running)
        .await
        .unwrap();
    let view = lab.finished(&running).await;
    assert_eq!(view.state, JobState::Cancelled, "{view:?}");
    assert!(
        view.cleanup.as_deref().unwrap().contains("destroyed"),
        "{view:?}"
    );
    assert_eq!(lab.sim.container_state(123), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_killed_mid_job_is_taken_over_after_its_lease_and_nothing_happens_twice() {
    // Tasks take a tenth of real time: the create task runs for about a second.
    let lab = lab(Speed::Scaled(0.1)).await;
    let lease = Duration::from_millis(900);
    let first = Runner::start(lab.backend.clone(), fast_runner("first", lease));
    let mut form = lab.form(124);
    form.scripts = vec![script("once", "echo ran once\n")];
    let job_id = jobs::submit(&lab.backend, &lab.admin, &form).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !lab
        .log(&job_id)
        .await
        .iter()
        .any(|e| e.message.starts_with("Creating CT 124"))
    {
        assert!(Instant::now() < deadline, "never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    first.kill();
    let killed_at = Instant::now();

    let _second = Runner::start(lab.backend.clone(), fast_runner("second", lease));
    let view = lab.finished(&job_id).await;
    assert_eq!(view.state, JobState::Succeeded, "{view:?}");
    let log = lab.log(&job_id).await;
    let taken_over = log
        .iter()
        .find(|e| e.message.starts_with("Taken over"))
        .expect("the second runner says so");
    assert!(taken_over.message.contains("attempt 2"));
    assert!(killed_at.elapsed() >= lease, "not before the lease ran out");
    assert_eq!(
        log.iter()
            .filter(|e| e.message.starts_with("Creating CT 124"))
            .count(),
        1,
        "one create request"
    );
    assert_eq!(log.iter().filter(|e| e.message == "ran once").count(), 1);
    assert_eq!(lab.sim.container_state(124), Some(("pve".into(), true)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_vmids_hostile_names_and_other_users_are_refused() {
    let lab = lab(Speed::Instant).await;
    let first = jobs::submit(&lab.backend, &lab.admin, &lab.form(125))
        .await
        .unwrap();
    let field_of = |error: ServiceError| match error {
        ServiceError::Validation(e) => (e.field, e.message),
        other => panic!("not a field error: {other:?}"),
    };
    let (field, message) = field_of(
        jobs::submit(&lab.backend, &lab.admin, &lab.form(125))
            .await
            .unwrap_err(),
    );
    assert_eq!(field, "vmid");
    assert!(
        message.contains("another job is already creating CT 125"),
        "{message}"
    );
    // VMID 100 exists on the simulated node.
    let (field, message) = field_of(
        jobs::submit(&lab.backend, &lab.admin, &lab.form(100))
            .await
            .unwrap_err(),
    );
    assert_eq!(field, "vmid");
    assert!(message.contains("already exists"), "{message}");

    let mut hostile = lab.form(126);
    hostile.packages = "curl\n$(reboot)\n".into();
    assert_eq!(
        field_of(
            jobs::submit(&lab.backend, &lab.admin, &hostile)
                .await
                .unwrap_err()
        )
        .0,
        "packages"
    );
    hostile.packages = "--force-yes".into();
    assert_eq!(
        field_of(
            jobs::submit(&lab.backend, &lab.admin, &hostile)
                .await
                .unwrap_err()
        )
        .0,
        "packages"
    );
    hostile.packages = String::new();
    hostile.scripts = vec![script("x'; reboot; '", "echo hi")];
    assert_eq!(
        field_of(
            jobs::submit(&lab.backend, &lab.admin, &hostile)
                .await
                .unwrap_err()
        )
        .0,
        "scripts[0][name]"
    );

    let bob = user(&lab.backend, &lab.admin, "bob").await;
    assert!(matches!(
        jobs::get(&lab.backend, &bob, &first).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        jobs::cancel(&lab.backend, &bob, &first).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        jobs::events_after(&lab.backend, &bob, &first, 0).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        jobs::submit(&lab.backend, &bob, &lab.form(127)).await,
        Err(ServiceError::Validation(e)) if e.field == "node_id"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_n_jobs_run_on_one_node_at_once() {
    let lab = lab(Speed::Scaled(0.05)).await;
    let mut config = fast_runner("r1", Duration::from_secs(3));
    config.per_node = 1;
    let _runner = Runner::start(lab.backend.clone(), config);
    let first = jobs::submit(&lab.backend, &lab.admin, &lab.form(160))
        .await
        .unwrap();
    let second = jobs::submit(&lab.backend, &lab.admin, &lab.form(161))
        .await
        .unwrap();
    let first = lab.finished(&first).await;
    let second = lab.finished(&second).await;
    assert_eq!(
        (first.state, second.state),
        (JobState::Succeeded, JobState::Succeeded)
    );
    let (earlier, later) = if first.started_at <= second.started_at {
        (first, second)
    } else {
        (second, first)
    };
    assert!(
        later.started_at >= earlier.finished_at,
        "the second started only after the first ended: {earlier:?} {later:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_lines_survive_lease_renewals_writing_the_same_record() {
    let lab = lab(Speed::Instant).await;
    // Renewals every 100 ms race the event appends on the job record.
    let _runner = Runner::start(
        lab.backend.clone(),
        fast_runner("r1", Duration::from_millis(300)),
    );
    let mut form = lab.form(180);
    let body: String = (1..=1000).map(|i| format!("echo line {i}\n")).collect();
    form.scripts = vec![script("chatty", &body)];
    let (job_id, view) = lab.run(&form).await;
    assert_eq!(view.state, JobState::Succeeded, "{view:?}");
    let lines: Vec<String> = lab
        .log(&job_id)
        .await
        .into_iter()
        .filter(|e| e.message.starts_with("line "))
        .map(|e| e.message)
        .collect();
    let expected: Vec<String> = (1..=1000).map(|i| format!("line {i}")).collect();
    assert_eq!(lines, expected);
}
