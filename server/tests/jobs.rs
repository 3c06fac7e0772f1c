//! The wizard's server functions and the job event stream: a draft walked through its
//! steps (with a field error on the way), a job queued from it, and
//! `GET /api/jobs/{id}/events` giving every event exactly once — replayed after
//! `Last-Event-ID`, and live across the replay/stream boundary — to the owner only.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use backend::jobs::runner::{Runner, RunnerConfig};
use http_body_util::BodyExt;
use pve_sim::{Simulator, Speed};
use std::time::Duration;
use support::{Answer, TestServer, configure_form, form, scripts_form, server};
use tower::ServiceExt;

/// Walks the wizard as the browser would and returns the new job's id.
async fn create_through_the_wizard(
    server: &TestServer,
    cookie: &str,
    node_id: &str,
    vmid: u32,
) -> String {
    let started = server.post("/api/wizard/start", "", Some(cookie)).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let draft: String = serde_json::from_str(&started.body).unwrap();
    let configure = |hostname: &str| form(&configure_form(&draft, node_id, hostname, vmid));
    let refused = server
        .post("/api/wizard/save", &configure("-bad-"), Some(cookie))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(refused.body.contains("hostname"), "{}", refused.body);
    // The typed value is kept in the draft even though it was refused.
    let kept = server
        .post(
            "/api/wizard/get",
            &form(&[("draft", draft.clone())]),
            Some(cookie),
        )
        .await;
    assert!(kept.body.contains("-bad-"), "{}", kept.body);

    let saved = server
        .post("/api/wizard/save", &configure("streamed"), Some(cookie))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(
        saved
            .body
            .contains(&format!("/containers/new/{draft}/packages")),
        "{}",
        saved.body
    );
    let count: String = (1..=30).map(|i| format!("echo line {i}\n")).collect();
    let scripts = form(&scripts_form(&draft, "count", &count));
    let saved = server
        .post("/api/wizard/save", &scripts, Some(cookie))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let created = server
        .post(
            "/api/wizard/create",
            &form(&[("draft", draft.clone())]),
            Some(cookie),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let gone = server
        .post("/api/wizard/get", &form(&[("draft", draft)]), Some(cookie))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "the draft is used up");
    serde_json::from_str(&created.body).unwrap()
}

async fn events(
    server: &TestServer,
    job: &str,
    cookie: Option<&str>,
    last_event_id: Option<u64>,
) -> Answer {
    let mut request = Request::get(format!("/api/jobs/{job}/events"));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    if let Some(last) = last_event_id {
        request = request.header("last-event-id", last.to_string());
    }
    server.send(request.body(Body::empty()).unwrap()).await
}

/// A simulated node whose tasks take 2 % of real time, and a server whose admin has it:
/// `(simulator, server, admin cookie, node id)`.
async fn lab() -> (Simulator, TestServer, String, String) {
    let sim = support::simulator(Speed::Scaled(0.02)).await;
    let server = server().await;
    let admin = server.setup_admin().await;
    let node_id = server.add_node(&sim, "pve", "lab", &admin).await;
    (sim, server, admin, node_id)
}

/// A runner that looks for work and polls tasks often.
fn quick_runner() -> RunnerConfig {
    RunnerConfig {
        poll: Duration::from_millis(50),
        task_poll: Duration::from_millis(20),
        ..RunnerConfig::default()
    }
}

/// The `id:` of every event in an SSE body, and whether it ended with `end`.
fn ids(body: &str) -> (Vec<u64>, bool) {
    let ids = body
        .lines()
        .filter_map(|l| l.strip_prefix("id:"))
        .map(|v| v.trim().parse().unwrap())
        .collect();
    (ids, body.contains("event: end"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_gives_each_event_once_live_and_replayed_and_only_to_the_owner() {
    let (_sim, server, admin, node_id) = lab().await;
    let job = create_through_the_wizard(&server, &admin, &node_id, 150).await;

    // Subscribed while the job is queued: everything arrives live, each once, then `end`.
    let _runner = Runner::start(server.state.backend.clone(), quick_runner());
    let live = tokio::time::timeout(
        Duration::from_secs(60),
        events(&server, &job, Some(&admin), None),
    )
    .await
    .expect("the stream ends with the job");
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(
        live.headers.get(header::CONTENT_TYPE).unwrap(),
        "text/event-stream"
    );
    let (seen, ended) = ids(&live.body);
    assert!(ended, "{}", live.body);
    assert!(seen.len() > 40, "{} events", seen.len());
    assert_eq!(
        seen,
        (1..=seen.len() as u64).collect::<Vec<_>>(),
        "each exactly once, in order"
    );
    assert!(live.body.contains("line 30"));
    assert!(
        live.body.contains("Done: CT 150 is running"),
        "{}",
        live.body
    );

    // A reconnect after event 10 gets 11… and nothing before.
    let replay = events(&server, &job, Some(&admin), Some(10)).await;
    let (replayed, ended) = ids(&replay.body);
    assert!(ended);
    assert_eq!(replayed, (11..=seen.len() as u64).collect::<Vec<_>>());

    // Nobody else may read it.
    let bob = server.user(&admin, "bob").await;
    let other = events(&server, &job, Some(&bob), None).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert!(!other.body.contains("streamed"));
    let anonymous = events(&server, &job, None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let page = server.get(&format!("/jobs/{job}"), Some(&bob)).await;
    assert!(page.body.contains("No such job") && !page.body.contains("streamed"));

    // The owner's page is complete without JavaScript: the stored log, the outcome.
    let page = server.get(&format!("/jobs/{job}"), Some(&admin)).await;
    assert!(
        page.body.contains("line 30") && page.body.contains(r#"data-testid="job-done""#),
        "{}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_run_by_another_process_streams_through_the_database() {
    let (_sim, server, admin, node_id) = lab().await;
    let job = create_through_the_wizard(&server, &admin, &node_id, 151).await;

    // "Another process": the same database and keys (its own connection when on a
    // SurrealDB server), its own event bus and runner.
    let elsewhere = server.sibling().await;
    let _runner = Runner::start(elsewhere.state.backend.clone(), quick_runner());
    let streamed = tokio::time::timeout(
        Duration::from_secs(60),
        events(&server, &job, Some(&admin), None),
    )
    .await
    .expect("the stream ends with the job");
    let (seen, ended) = ids(&streamed.body);
    assert!(ended, "{}", streamed.body);
    assert_eq!(
        seen,
        (1..=seen.len() as u64).collect::<Vec<_>>(),
        "each exactly once, in order"
    );
    assert!(
        streamed.body.contains("Done: CT 151 is running"),
        "{}",
        streamed.body
    );
}

/// Waits (a bounded while) until `done` holds.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_are_bounded_by_owner_user_browser_and_shutdown() {
    let (_sim, server, admin, node_id) = lab().await;
    let bus = server.state.backend.job_bus.clone();
    // A random job id: not found, and nothing is set up for it.
    let random = events(&server, "nosuchjob0000000000", Some(&admin), None).await;
    assert_eq!(random.status, StatusCode::NOT_FOUND);
    assert_eq!(bus.channels_open(), 0);

    // A queued job (no runner): its stream stays open, waiting.
    let job = create_through_the_wizard(&server, &admin, &node_id, 152).await;
    let open = |server: &TestServer| {
        let request = Request::get(format!("/api/jobs/{job}/events"))
            .header(header::COOKIE, admin.as_str())
            .body(Body::empty())
            .unwrap();
        server.router.clone().oneshot(request)
    };
    // A browser that closes the page: its stream (and the job's channel) goes at once.
    let response = open(&server).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    until("the stream subscribed", || bus.channels_open() == 1).await;
    drop(response);
    until("the closed stream let go", || bus.channels_open() == 0).await;

    // At most 16 streams per user.
    let mut streams = Vec::new();
    for _ in 0..backend::jobs::bus::STREAMS_PER_USER {
        let response = open(&server).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        streams.push(response);
    }
    let refused = open(&server).await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);

    // A shutdown ends every open stream (the server would otherwise wait for them).
    bus.shut_down();
    for response in streams {
        let body = tokio::time::timeout(Duration::from_secs(20), response.into_body().collect())
            .await
            .expect("the stream ended")
            .unwrap();
        assert!(!String::from_utf8_lossy(&body.to_bytes()).contains("event: end"));
    }
    until("every channel closed", || bus.channels_open() == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_progress_page_shows_the_newest_lines_and_pages_back() {
    let (_sim, server, admin, node_id) = lab().await;
    let backend = &server.state.backend;
    let user = backend::accounts::login(
        backend,
        "admin",
        zeroize::Zeroizing::new(support::PASSWORD.to_owned()),
        None,
    )
    .await
    .unwrap();
    let mut form = model::provision::ContainerForm::with_defaults();
    form.node_id = node_id;
    form.ostemplate = "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst".into();
    form.hostname = "long-log".into();
    form.vmid = "153".into();
    form.rootfs_storage = "local-lvm".into();
    form.scripts = vec![model::provision::ScriptForm {
        name: "long".into(),
        content: (1..=700).map(|i| format!("echo row {i}\n")).collect(),
    }];
    let job = backend::jobs::submit(backend, &user, &form).await.unwrap();
    let _runner = Runner::start(backend.clone(), quick_runner());
    until_finished(&server, &admin, &job.to_string()).await;

    let newest = server.get(&format!("/jobs/{job}"), Some(&admin)).await;
    assert!(newest.body.contains("row 700<"), "the newest lines");
    assert!(!newest.body.contains("row 1<"), "not the whole log at once");
    let earlier: u64 = newest
        .body
        .split("data-testid=\"earlier-lines\"")
        .nth(1)
        .and_then(|rest| rest.split('>').nth(1))
        .and_then(|text| text.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a link to the earlier lines");
    assert!(earlier > 200, "{earlier} earlier lines");
    let back = server
        .get(&format!("/jobs/{job}?before={}", earlier + 1), Some(&admin))
        .await;
    assert!(
        back.body.contains("row 1<"),
        "reading back reaches the first lines"
    );
    assert!(back.body.contains("Newest lines"));
}

/// Waits (a bounded while) until the job has ended.
async fn until_finished(server: &TestServer, cookie: &str, job: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let answer = server
            .post(
                "/api/jobs/get",
                &form(&[("id", job.to_owned()), ("before", "1".into())]),
                Some(cookie),
            )
            .await;
        if answer.body.contains("Succeeded") || answer.body.contains("Failed") {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never finished: {}",
            answer.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
