//! The real binary, stopped with SIGTERM while a job runs and its progress page streams:
//! it shuts down within the grace period (the stream ends, the job pauses at a safe point
//! and hands its lease back), and after a restart on the same data the job resumes and
//! succeeds. The simulated node lives in this test, so it outlives both processes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pve_sim::{SimConfig, Simulator, Speed};
use support::{PASSWORD, configure_form, form, node_form};

/// A running `corral` on `port` over the data in `data`.
struct Corral {
    child: Child,
    base: String,
}

impl Corral {
    async fn start(data: &Path, port: u16) -> Corral {
        let site = data.parent().unwrap().join("site");
        std::fs::create_dir_all(site.join("pkg")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_corral"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--data-dir", &data.display().to_string()])
            .args(["--shutdown-grace-secs", "30", "--log", "warn"])
            .env("LEPTOS_SITE_ROOT", &site)
            .env("LEPTOS_SITE_PKG_DIR", "pkg")
            .env("LEPTOS_OUTPUT_NAME", "corral")
            .env("LEPTOS_ENV", "PROD")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let corral = Corral {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let healthy = client.get(format!("{}/healthz", corral.base)).send().await;
            if healthy.is_ok_and(|r| r.status().is_success()) {
                return corral;
            }
            assert!(Instant::now() < deadline, "corral never became healthy");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A same-origin form post; `(status, body, session cookie set)`.
    async fn post(
        &self,
        path: &str,
        body: &str,
        cookie: Option<&str>,
    ) -> (u16, String, Option<String>) {
        let mut request = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("sec-fetch-site", "same-origin")
            .body(body.to_owned());
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("corral_session="))
            .map(|c| c.split(';').next().unwrap_or_default().to_owned());
        (status, response.text().await.unwrap(), cookie)
    }

    /// SIGTERM; waits for the exit and answers how long it took.
    fn terminate(mut self) -> Duration {
        let asked = Instant::now();
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "corral exited with {exit}");
        asked.elapsed()
    }
}

impl Drop for Corral {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn job_state(corral: &Corral, job: &str, cookie: &str) -> serde_json::Value {
    let (status, body, _) = corral
        .post(
            "/api/jobs/get",
            &form(&[("id", job.to_owned()), ("before", "1".into())]),
            Some(cookie),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["job"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_job_stops_within_the_grace_period_and_the_job_resumes_after_restart() {
    // Tasks take real time: the start task alone runs for a second and a half.
    let sim = Simulator::start(SimConfig {
        speed: Speed::Scaled(1.0),
        ..SimConfig::default()
    })
    .await
    .unwrap();
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
    let code = std::fs::read_to_string(data.join("setup-code")).unwrap();
    let (status, body, cookie) = corral
        .post(
            "/api/auth/setup",
            &form(&[
                ("setup_code", code.trim().to_owned()),
                ("username", "admin".into()),
                ("password", PASSWORD.into()),
                ("password_repeat", PASSWORD.into()),
            ]),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let cookie = cookie.unwrap();
    let (status, body, _) = corral
        .post(
            "/api/nodes/create",
            &form(&node_form(&sim, "pve", "lab")),
            Some(&cookie),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let node: serde_json::Value = serde_json::from_str(&body).unwrap();
    let node_id = node["id"].as_str().unwrap().to_owned();
    let (_, body, _) = corral.post("/api/wizard/start", "", Some(&cookie)).await;
    let draft: String = serde_json::from_str(&body).unwrap();
    let configure = form(&configure_form(&draft, &node_id, "resumed", 160));
    let (status, body, _) = corral
        .post("/api/wizard/save", &configure, Some(&cookie))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body, _) = corral
        .post(
            "/api/wizard/create",
            &form(&[("draft", draft)]),
            Some(&cookie),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let job: String = serde_json::from_str(&body).unwrap();

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
    let deadline = Instant::now() + Duration::from_secs(120);
    let finished = loop {
        let job_view = job_state(&corral, &job, &cookie).await;
        if job_view["state"] != "Running" && job_view["state"] != "Queued" {
            break job_view;
        }
        assert!(
            Instant::now() < deadline,
            "the job never finished: {job_view}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
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
