//! The real binary, stopped with SIGTERM while a job runs and its progress page streams:
//! it shuts down within the grace period (the stream ends, the job pauses at a safe point
//! and hands its lease back), and after a restart on the same data the job resumes and
//! succeeds. The simulated node lives in this test, so it outlives both processes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use pve_sim::Speed;
use support::form;
use support::process::{Corral, free_port};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_job_stops_within_the_grace_period_and_the_job_resumes_after_restart() {
    // Tasks take real time: the start task alone runs for a second and a half.
    let sim = support::simulator(Speed::Scaled(1.0)).await;
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("corral");
    let port = free_port();
    let corral = Corral::start(&data, port).await;

    // Created private: the directory 0700, the key file and the setup code 0600.
    let mode = |path: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("master.key")), 0o600);
    assert_eq!(mode(&data.join("setup-code")), 0o600);

    // First run: setup with the code from the data directory, a node, a job.
    let cookie = corral.set_up(&data).await;
    let node_id = corral.add_node(&sim, "pve", "lab", &cookie).await;
    let job = corral.create_job(&node_id, "resumed", 160, &cookie).await;

    // The progress page's stream, open while the job runs.
    let mut stream = reqwest::Client::new()
        .get(format!("{}/api/jobs/{job}/events", corral.base))
        .header("cookie", cookie.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status().as_u16(), 200);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = String::new();
    while !seen.contains("CT 160 created") {
        assert!(
            Instant::now() < deadline,
            "the job never created its container: {seen}"
        );
        let chunk = stream
            .chunk()
            .await
            .unwrap()
            .expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }

    let took = corral.terminate();
    eprintln!("SIGTERM to exit, mid-job with an open stream: {took:?}");
    assert!(
        took < Duration::from_secs(30),
        "stopped within the grace period: {took:?}"
    );
    // The stream ended with the server (no `end` event: the job did not end).
    let mut rest = String::new();
    while let Ok(Some(chunk)) = stream.chunk().await {
        rest.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(!rest.contains("event: end"), "{rest}");

    // Second run on the same data: the job resumes at once and succeeds.
    let corral = Corral::start(&data, port).await;
    assert!(
        !data.join("setup-code").exists(),
        "setup is done: the code is gone"
    );
    let finished = corral
        .job_ended(&job, &cookie, Duration::from_secs(120))
        .await;
    assert_eq!(finished["state"], "Succeeded", "{finished}");
    let (_, body, _) = corral
        .post(
            "/api/jobs/get",
            &form(&[("id", job.clone())]),
            Some(&cookie),
        )
        .await;
    assert!(body.contains("Paused: Corral is shutting down"), "{body}");
    assert!(body.contains("Resuming where the job paused"), "{body}");
    assert_eq!(sim.container_state(160), Some(("pve".into(), true)));
    corral.terminate();
}
