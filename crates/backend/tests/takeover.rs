//! Leases and takeover: a claim is a token (a runner that lost a job and took it again
//! cannot run it twice), a takeover never touches a container the job did not create,
//! a job whose runner keeps dying gives up, and a graceful shutdown hands jobs back.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use std::time::{Duration, Instant};

use backend::jobs::{self, runner::Runner};
use backend::store::{StoreError, retry_conflicts};
use model::ids::JobId;
use model::job::JobState;
use pve::{Auth, Client, ClientConfig, CreateSpec, RootfsSpec, Secret, Trust};
use pve_sim::Speed;
use support::lab::{Lab, fast_runner, lab, script};

/// Sets fields of job `job_id` as a crash or another runner would have left them.
/// (The runner writes the same record: a write conflict is tried again.)
async fn tamper(lab: &Lab, job_id: &JobId, assignments: &str) {
    let query = format!("UPDATE type::record('job', $id) SET {assignments}");
    retry_conflicts(
        || async {
            lab.backend
                .store
                .db()
                .query(query.as_str())
                .bind(("id", job_id.to_string()))
                .await?
                .check()
                .map_err(StoreError::from)
        },
        StoreError::is_write_conflict,
    )
    .await
    .unwrap();
}

/// Waits until the job's log has a line starting with `start`.
async fn until_logged(lab: &Lab, job_id: &JobId, start: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !lab
        .log(job_id)
        .await
        .iter()
        .any(|e| e.message.starts_with(start))
    {
        assert!(Instant::now() < deadline, "never logged {start:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_takeover_does_not_touch_a_container_the_job_did_not_create() {
    let lab = lab(Speed::Instant).await;
    let job_id = jobs::submit(&lab.backend, &lab.admin, &lab.form(197))
        .await
        .unwrap();
    // The runner died after marking the create as requested, before Proxmox got it;
    // meanwhile somebody made CT 197 by hand.
    tamper(&lab, &job_id, "create_requested = true").await;
    let (id, secret) = lab.sim.token();
    let client = Client::new(ClientConfig::new(
        lab.sim.api_url(),
        Auth::Token {
            id,
            secret: Secret::new(secret),
        },
        Trust::Pinned(lab.sim.tls_fingerprint("pve").unwrap().parse().unwrap()),
    ))
    .unwrap();
    let by_hand = CreateSpec {
        vmid: 197,
        ostemplate: "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst".into(),
        hostname: Some("handmade".into()),
        rootfs: Some(RootfsSpec {
            storage: "local-lvm".into(),
            size_gib: 4,
        }),
        ..CreateSpec::default()
    };
    let upid = client.lxc_create("pve", &by_hand).await.unwrap();
    client
        .wait_task(&upid, &pve::WaitOptions::default(), |_| {})
        .await
        .unwrap();

    let _runner = lab.runner("r1");
    let view = lab.finished(&job_id).await;
    assert_eq!(view.state, JobState::Failed, "{view:?}");
    assert!(
        view.error
            .as_deref()
            .unwrap()
            .contains("not created by this job"),
        "{view:?}"
    );
    assert!(
        view.cleanup
            .as_deref()
            .unwrap()
            .contains("left it untouched"),
        "{view:?}"
    );
    assert!(
        lab.sim.container_state(197).is_some(),
        "the stranger's CT stays"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_that_lost_a_job_and_took_it_again_does_not_run_it_twice() {
    // Tasks take a tenth of real time: the create task runs for about a second.
    let lab = lab(Speed::Scaled(0.1)).await;
    // A long lease: the first runner does not renew during this test.
    let first = Runner::start(
        lab.backend.clone(),
        fast_runner("same", Duration::from_secs(120)),
    );
    let mut form = lab.form(198);
    form.scripts = vec![script("once", "echo ran once\n")];
    let job_id = jobs::submit(&lab.backend, &lab.admin, &form).await.unwrap();
    until_logged(&lab, &job_id, "Creating CT 198").await;
    // The database stalled past the lease: the claim ran out while the runner worked.
    // The same runner (same name) claims the job again, through a second loop.
    tamper(&lab, &job_id, "lease_until = time::now() - 1s").await;
    let again = Runner::start(
        lab.backend.clone(),
        fast_runner("same", Duration::from_secs(3)),
    );
    let view = lab.finished(&job_id).await;
    assert_eq!(view.state, JobState::Succeeded, "{view:?}");
    let log = lab.log(&job_id).await;
    assert_eq!(log.iter().filter(|e| e.message == "ran once").count(), 1);
    assert_eq!(
        log.iter()
            .filter(|e| e.message.starts_with("Creating CT 198"))
            .count(),
        1,
        "one create request"
    );
    let seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
    let mut sorted = seqs.clone();
    sorted.dedup();
    assert_eq!(seqs, sorted, "no line numbered twice");
    first.kill();
    again.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_runner_keeps_dying_gives_up_with_a_message() {
    let lab = lab(Speed::Instant).await;
    let job_id = jobs::submit(&lab.backend, &lab.admin, &lab.form(199))
        .await
        .unwrap();
    // Five claims already ended in a crash.
    tamper(&lab, &job_id, "attempts = 5").await;
    let _runner = lab.runner("r1");
    let view = lab.finished(&job_id).await;
    assert_eq!(view.state, JobState::Failed, "{view:?}");
    assert!(
        view.error
            .as_deref()
            .unwrap()
            .contains("Gave up after 5 attempts"),
        "{view:?}"
    );
    assert!(
        view.cleanup.as_deref().unwrap().contains("not created"),
        "{view:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_shutdown_hands_the_job_back_and_the_next_start_resumes_it() {
    // Real task times: the start task alone takes a second and a half.
    let lab = lab(Speed::Scaled(1.0)).await;
    let first = Runner::start(
        lab.backend.clone(),
        fast_runner("first", Duration::from_secs(30)),
    );
    let job_id = jobs::submit(&lab.backend, &lab.admin, &lab.form(200))
        .await
        .unwrap();
    until_logged(&lab, &job_id, "CT 200 created").await;
    let grace = Duration::from_secs(20);
    let asked = Instant::now();
    first.shut_down(grace).await;
    assert!(
        asked.elapsed() < grace,
        "stopped at a safe point, not at the deadline"
    );
    let paused = jobs::get(&lab.backend, &lab.admin, &job_id).await.unwrap();
    assert_eq!(paused.state, JobState::Running, "{paused:?}");
    let lease: Option<String> = lab
        .backend
        .store
        .db()
        .query("SELECT VALUE lease_owner FROM ONLY type::record('job', $id)")
        .bind(("id", job_id.to_string()))
        .await
        .unwrap()
        .take(0)
        .unwrap();
    assert_eq!(lease, None, "the lease was handed back");

    let started = Instant::now();
    let _second = Runner::start(
        lab.backend.clone(),
        fast_runner("second", Duration::from_secs(30)),
    );
    let view = lab.finished(&job_id).await;
    assert_eq!(view.state, JobState::Succeeded, "{view:?}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "no wait for a lease to expire"
    );
    let log = lab.log(&job_id).await;
    assert!(
        log.iter()
            .any(|e| e.message.starts_with("Paused: Corral is shutting down"))
    );
    assert!(
        log.iter()
            .any(|e| e.message.starts_with("Resuming where the job paused"))
    );
    assert!(!log.iter().any(|e| e.message.starts_with("Taken over")));
    assert_eq!(lab.sim.container_state(200), Some(("pve".into(), true)));
}
