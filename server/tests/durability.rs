//! The embedded database keeps what Corral acknowledged: the real binary is killed with
//! SIGKILL in the middle of a burst of writes (node edits, wizard saves, a job's log
//! lines), and after a restart on the same data every answered write is there, the
//! database opens as it is (no repair step), and the job is taken over and succeeds.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pve_sim::Speed;
use support::process::{Corral, free_port};
use support::{form, node_form};

/// The lease a killed process's job waits out before the restarted one takes it.
const LEASE_SECS: &str = "3";

/// Writes `make(i)` for i = 1, 2, … one after the other until the process is gone,
/// counting in `acked` those answered with 200; a refusal fails the test.
async fn write_until_killed(
    corral: &Corral,
    cookie: &str,
    path: &str,
    acked: &AtomicUsize,
    make: impl Fn(usize) -> String,
) {
    for i in 1.. {
        let Ok((status, body, _)) = corral.try_post(path, &make(i), Some(cookie)).await else {
            return;
        };
        assert_eq!(status, 200, "{path} #{i} refused: {body}");
        acked.store(i, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_burst_loses_no_acknowledged_write_and_the_job_resumes() {
    // Real task times: the job runs throughout the burst.
    let sim = support::simulator(Speed::Scaled(1.0)).await;
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("corral");
    let port = free_port();
    let lease = ["--job-lease-secs".to_owned(), LEASE_SECS.to_owned()];
    let corral = Arc::new(Corral::start_with(&data, port, &lease).await);
    let cookie = corral.set_up(&data).await;
    let node_id = corral.add_node(&sim, "pve", "lab", &cookie).await;
    let job = corral.create_job(&node_id, "durable", 170, &cookie).await;
    let (_, body, _) = corral.post("/api/wizard/start", "", Some(&cookie)).await;
    let draft: String = serde_json::from_str(&body).unwrap();

    // The burst: node edits and wizard saves one after another, the job's log streaming.
    let renamed = Arc::new(AtomicUsize::new(0));
    let saved = Arc::new(AtomicUsize::new(0));
    let mut writers = tokio::task::JoinSet::new();
    {
        let (corral, cookie, acked) = (corral.clone(), cookie.clone(), renamed.clone());
        let node = node_form(&sim, "pve", "lab");
        let node_id = node_id.clone();
        writers.spawn(async move {
            write_until_killed(&corral, &cookie, "/api/nodes/update", &acked, |i| {
                let mut fields = node.clone();
                fields.retain(|(key, _)| *key != "form[name]");
                fields.push(("form[name]", format!("lab {i}")));
                fields.push(("id", node_id.clone()));
                form(&fields)
            })
            .await;
        });
    }
    {
        let (corral, cookie, acked) = (corral.clone(), cookie.clone(), saved.clone());
        let draft = draft.clone();
        let node_id = node_id.clone();
        writers.spawn(async move {
            write_until_killed(&corral, &cookie, "/api/wizard/save", &acked, |i| {
                let mut fields =
                    support::configure_form(&draft, &node_id, &format!("burst-{i}"), 171);
                fields.retain(|(key, _)| *key != "go");
                fields.push(("go", "stay".into()));
                form(&fields)
            })
            .await;
        });
    }
    let mut stream = reqwest::Client::new()
        .get(format!("{}/api/jobs/{job}/events", corral.base))
        .header("cookie", cookie.as_str())
        .send()
        .await
        .unwrap();
    let mut streamed = String::new();
    let burst = Instant::now();
    while burst.elapsed() < Duration::from_secs(3)
        || renamed.load(Ordering::SeqCst) < 3
        || saved.load(Ordering::SeqCst) < 10
    {
        assert!(
            burst.elapsed() < Duration::from_secs(60),
            "the burst never got going"
        );
        if let Ok(Ok(Some(chunk))) =
            tokio::time::timeout(Duration::from_millis(50), stream.chunk()).await
        {
            streamed.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    // SIGKILL while the writers are mid-request; what was answered before counts.
    corral.kill9();
    while let Some(ended) = writers.join_next().await {
        ended.unwrap();
    }
    drop(corral);
    // Each writer stopped at its first unanswered request: that one may or may not have
    // been written, everything before it was answered.
    let (renamed, saved) = (renamed.load(Ordering::SeqCst), saved.load(Ordering::SeqCst));
    eprintln!("acknowledged before SIGKILL: {renamed} node edits, {saved} wizard saves");

    // Restart on the same data: it opens as it is, and every answered write is there.
    let corral = Corral::start_with(&data, port, &lease).await;
    let (status, body, _) = corral
        .post(
            "/api/nodes/get",
            &form(&[("id", node_id.clone())]),
            Some(&cookie),
        )
        .await;
    assert_eq!(status, 200, "the session survived too: {body}");
    let node: serde_json::Value = serde_json::from_str(&body).unwrap();
    let name_index: usize = node["name"]
        .as_str()
        .unwrap()
        .trim_start_matches("lab ")
        .parse()
        .unwrap();
    assert!(
        name_index == renamed || name_index == renamed + 1,
        "node edit {name_index} kept, {renamed} acknowledged"
    );
    let (status, body, _) = corral
        .post("/api/wizard/get", &form(&[("draft", draft)]), Some(&cookie))
        .await;
    assert_eq!(status, 200, "{body}");
    let kept: serde_json::Value = serde_json::from_str(&body).unwrap();
    let hostname = kept["hostname"].as_str().unwrap_or_default().to_owned();
    let save_index: usize = hostname.trim_start_matches("burst-").parse().unwrap();
    assert!(
        save_index == saved || save_index == saved + 1,
        "wizard save {save_index} kept, {saved} acknowledged"
    );

    // The job: taken over once the lease ran out, and it succeeds; every line the
    // browser was sent before the kill is in its log, word for word.
    let finished = corral
        .job_ended(&job, &cookie, Duration::from_secs(120))
        .await;
    assert_eq!(finished["state"], "Succeeded", "{finished}");
    let replay = reqwest::Client::new()
        .get(format!("{}/api/jobs/{job}/events?after=0", corral.base))
        .header("cookie", cookie.as_str())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let delivered: Vec<&str> = streamed
        .split("\n\n")
        .filter(|event| event.contains("event: progress"))
        .collect();
    assert!(
        delivered.len() > 3,
        "lines streamed before the kill: {streamed}"
    );
    for event in delivered {
        assert!(replay.contains(event), "lost after SIGKILL: {event}");
    }
    corral.terminate();
}
