//! The real `corral` binary as a child process, for the tests that stop it (SIGTERM,
//! SIGKILL) or run two of it on one database.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::form;

/// A running `corral` on `port` over the data in `data`.
pub struct Corral {
    child: Child,
    pub base: String,
}

impl Corral {
    /// Starts `corral` on `port` with its data in `data` (and `extra` arguments), and
    /// waits until it answers.
    pub async fn start(data: &Path, port: u16) -> Corral {
        Corral::start_with(data, port, &[]).await
    }

    /// As [`Corral::start`], with more arguments (another database, say).
    pub async fn start_with(data: &Path, port: u16, extra: &[String]) -> Corral {
        Corral::start_binary(Path::new(env!("CARGO_BIN_EXE_corral")), data, port, extra).await
    }

    /// As [`Corral::start_with`], with another build of `corral` (benches compare two).
    pub async fn start_binary(binary: &Path, data: &Path, port: u16, extra: &[String]) -> Corral {
        let site = data.parent().unwrap().join("site");
        std::fs::create_dir_all(site.join("pkg")).unwrap();
        let child = Command::new(binary)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--data-dir", &data.display().to_string()])
            .args(["--shutdown-grace-secs", "30", "--log", "warn"])
            .args(extra)
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
    pub async fn post(
        &self,
        path: &str,
        body: &str,
        cookie: Option<&str>,
    ) -> (u16, String, Option<String>) {
        self.try_post(path, body, cookie).await.unwrap()
    }

    /// As [`Corral::post`]; an error when no answer came (the process is gone).
    pub async fn try_post(
        &self,
        path: &str,
        body: &str,
        cookie: Option<&str>,
    ) -> Result<(u16, String, Option<String>), reqwest::Error> {
        let mut request = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("sec-fetch-site", "same-origin")
            .body(body.to_owned());
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("corral_session="))
            .map(|c| c.split(';').next().unwrap_or_default().to_owned());
        Ok((status, response.text().await?, cookie))
    }

    /// The process id (memory figures are read from `/proc/<pid>`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM; waits for the exit and answers how long it took.
    pub fn terminate(mut self) -> Duration {
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

impl Corral {
    /// SIGKILL: gone at once, as in a crash or the OOM killer; nothing runs on the way
    /// out. (The process is reaped when this value is dropped.)
    pub fn kill9(&self) {
        let status = Command::new("kill")
            .args(["-KILL", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Corral {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Job `job`'s view (`state`, `phase`, …) as its owner sees it.
pub async fn job_state(corral: &Corral, job: &str, cookie: &str) -> serde_json::Value {
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

impl Corral {
    /// First-run setup with the code in `data` (the first process's data directory):
    /// the administrator's session cookie.
    pub async fn set_up(&self, data: &Path) -> String {
        let code = std::fs::read_to_string(data.join("setup-code")).unwrap();
        let (status, body, cookie) = self
            .post(
                "/api/auth/setup",
                &form(&[
                    ("setup_code", code.trim().to_owned()),
                    ("username", "admin".into()),
                    ("password", super::PASSWORD.into()),
                    ("password_repeat", super::PASSWORD.into()),
                ]),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        cookie.unwrap()
    }

    /// Signs `username` in (with the tests' password): a new session cookie.
    pub async fn sign_in(&self, username: &str) -> String {
        let (status, body, cookie) = self
            .post(
                "/api/auth/login",
                &form(&[
                    ("username", username.to_owned()),
                    ("password", super::PASSWORD.into()),
                ]),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        cookie.unwrap()
    }

    /// Adds simulator node `node` as `name`: its id.
    pub async fn add_node(
        &self,
        sim: &pve_sim::Simulator,
        node: &str,
        name: &str,
        cookie: &str,
    ) -> String {
        let (status, body, _) = self
            .post(
                "/api/nodes/create",
                &form(&super::node_form(sim, node, name)),
                Some(cookie),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let node: serde_json::Value = serde_json::from_str(&body).unwrap();
        node["id"].as_str().unwrap().to_owned()
    }

    /// A job creating CT `vmid` (`hostname`) on `node_id` through the wizard: its id.
    pub async fn create_job(
        &self,
        node_id: &str,
        hostname: &str,
        vmid: u32,
        cookie: &str,
    ) -> String {
        self.create_job_with_script(node_id, hostname, vmid, None, cookie)
            .await
    }

    /// As [`Corral::create_job`], with one script to run in the container.
    pub async fn create_job_with_script(
        &self,
        node_id: &str,
        hostname: &str,
        vmid: u32,
        script: Option<&str>,
        cookie: &str,
    ) -> String {
        let (_, body, _) = self.post("/api/wizard/start", "", Some(cookie)).await;
        let draft: String = serde_json::from_str(&body).unwrap();
        let configure = form(&super::configure_form(&draft, node_id, hostname, vmid));
        let (status, body, _) = self
            .post("/api/wizard/save", &configure, Some(cookie))
            .await;
        assert_eq!(status, 200, "{body}");
        if let Some(script) = script {
            let scripts = form(&super::scripts_form(&draft, "script", script));
            let (status, body, _) = self.post("/api/wizard/save", &scripts, Some(cookie)).await;
            assert_eq!(status, 200, "{body}");
        }
        let (status, body, _) = self
            .post(
                "/api/wizard/create",
                &form(&[("draft", draft)]),
                Some(cookie),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Waits (up to `within`) until job `job` has ended: its final view.
    pub async fn job_ended(&self, job: &str, cookie: &str, within: Duration) -> serde_json::Value {
        let deadline = Instant::now() + within;
        loop {
            let view = job_state(self, job, cookie).await;
            if view["state"] != "Running" && view["state"] != "Queued" {
                return view;
            }
            assert!(Instant::now() < deadline, "the job never finished: {view}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
