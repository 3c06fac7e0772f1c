//! Two `corral` processes on one SurrealDB server, as behind a load balancer: a session
//! made on one is valid on the other, the per-node job limit holds across both, cancel
//! pressed on one stops a job the other runs, and a job whose process is killed
//! (SIGKILL) is taken over by the other once its lease runs out, ends correctly and is
//! never run twice; its progress streams through the survivor.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use std::time::{Duration, Instant};

use pve_sim::Speed;
use support::form;
use support::process::{Corral, free_port, job_state};
use support::surreal::SurrealServer;

/// Job `job`'s state word as `corral` reports it.
async fn state(corral: &Corral, job: &str, cookie: &str) -> serde_json::Value {
    job_state(corral, job, cookie).await["state"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_sessions_limits_cancels_and_take_over_a_killed_ones_job() {
    let sim = support::simulator(Speed::Scaled(1.0)).await;
    let database = SurrealServer::shared_or_own().await;
    let name = format!("two_{}", &backend::ids::random_token()[..8]);
    let parent = tempfile::tempdir().unwrap();
    let (data_a, data_b) = (parent.path().join("a"), parent.path().join("b"));
    // Both read the same master key (the first makes it): secrets one seals, the other opens.
    let mut args = database.corral_args(&name);
    args.extend(["--job-lease-secs".to_owned(), "3".to_owned()]);
    let a = Corral::start_with(&data_a, free_port(), &args).await;
    args.extend([
        "--key-file".to_owned(),
        data_a.join("master.key").display().to_string(),
    ]);
    let cookie = a.set_up(&data_a).await;
    let node_id = a.add_node(&sim, "pve", "lab", &cookie).await;
    // Three jobs on one node, two at a time: A's runner takes two, the third waits.
    let jobs = [
        a.create_job(&node_id, "cancelled", 180, &cookie).await,
        // Still running when A dies, whatever the machine's pace: a script that waits.
        a.create_job_with_script(&node_id, "taken-over", 181, Some("sleep 10\n"), &cookie)
            .await,
        a.create_job(&node_id, "third", 182, &cookie).await,
    ];
    let deadline = Instant::now() + Duration::from_secs(30);
    while state(&a, &jobs[0], &cookie).await != "Running"
        || state(&a, &jobs[1], &cookie).await != "Running"
    {
        assert!(Instant::now() < deadline, "A never ran the first two jobs");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // B: the same cookie is a valid session there.
    let b = Corral::start_with(&data_b, free_port(), &args).await;
    let (status, body, _) = b.post("/api/nodes/list", "", Some(&cookie)).await;
    assert_eq!(status, 200, "A's session on B: {body}");
    assert!(body.contains(&node_id), "{body}");

    // The limit holds across processes: B's runner leaves the third job queued.
    for _ in 0..10 {
        assert_eq!(
            state(&b, &jobs[2], &cookie).await,
            "Queued",
            "per-node limit across processes"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Cancel pressed on B stops the job A runs (at its next safe point, cleaned up).
    let (status, body, _) = b
        .post(
            "/api/jobs/cancel",
            &form(&[("id", jobs[0].clone())]),
            Some(&cookie),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let cancelled = b
        .job_ended(&jobs[0], &cookie, Duration::from_secs(60))
        .await;
    assert_eq!(cancelled["state"], "Cancelled", "{cancelled}");

    // A dies mid-job; B takes its jobs over once their leases run out, and streams them.
    a.kill9();
    drop(a);
    let stream = reqwest::Client::new()
        .get(format!("{}/api/jobs/{}/events", b.base, jobs[1]))
        .header("cookie", cookie.as_str())
        .send()
        .await
        .unwrap();
    let streamed = tokio::time::timeout(Duration::from_secs(120), stream.text())
        .await
        .expect("the stream ends with the job")
        .unwrap();
    assert!(
        streamed.ends_with("event: end\ndata: end\n\n"),
        "{streamed}"
    );
    for job in &jobs[1..] {
        let ended = b.job_ended(job, &cookie, Duration::from_secs(120)).await;
        assert_eq!(ended["state"], "Succeeded", "{ended}");
    }
    // Never run twice: one container each, made once, and a log numbered without repeats.
    let (_, body, _) = b
        .post(
            "/api/jobs/get",
            &form(&[("id", jobs[1].clone())]),
            Some(&cookie),
        )
        .await;
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    let events = page["events"].as_array().unwrap();
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    let mut unique = seqs.clone();
    unique.dedup();
    assert_eq!(seqs, unique, "each line once");
    let created = events
        .iter()
        .filter(|e| {
            e["message"]
                .as_str()
                .unwrap_or_default()
                .contains("CT 181 created")
        })
        .count();
    assert_eq!(created, 1, "the container was created once: {body}");
    assert!(
        body.contains("Taken over after the previous runner stopped (attempt 2)"),
        "taken over, not started again: {body}"
    );
    assert_eq!(sim.container_state(181), Some(("pve".into(), true)));
    assert_eq!(sim.container_state(182), Some(("pve".into(), true)));
    assert_eq!(
        sim.container_state(180),
        None,
        "the cancelled job cleaned up"
    );
    b.terminate();
}
