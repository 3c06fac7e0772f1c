//! An in-process server on `mem://` for the router tests, with helpers to sign in and
//! to send requests with the session cookie.

#![allow(dead_code)]

pub mod process;
pub mod surreal;

use std::time::Instant;

use app::state::{AppState, Clock, SessionPolicy};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use backend::Backend;
use backend::dashboard::push::DashboardPush;
use backend::inventory::Inventory;
use backend::login_limit::LoginLimits;
use backend::password::HashPolicy;
use backend::store::{Database, Store};
use backend::vault::KeyRing;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use server::router::{HttpSecurity, build};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestServer {
    pub router: Router,
    pub state: AppState,
    /// Where its data is (a sibling opens the same).
    pub database: Database,
    _site: tempfile::TempDir,
}

/// One answer, read completely.
pub struct Answer {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: String,
    /// The body as sent (for binary answers such as archives).
    pub raw: Vec<u8>,
}

impl Answer {
    /// The session cookie this answer sets (`name=value`), if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("corral_session="))
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
    }

    /// The body's bytes.
    pub fn body_bytes(&self) -> Vec<u8> {
        self.raw.clone()
    }

    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
}

/// A router on a fresh in-memory database, with a site folder holding a stylesheet
/// and its precompressed copies. Password hashing is cheap here.
pub async fn server() -> TestServer {
    server_with(SessionPolicy::default()).await
}

/// As [`server`], with other session lifetimes.
pub async fn server_with(sessions: SessionPolicy) -> TestServer {
    server_tuned(sessions, Inventory::default()).await
}

/// As [`server`], with other session lifetimes and inventory caches.
pub async fn server_tuned(sessions: SessionPolicy, inventory: Inventory) -> TestServer {
    server_built(sessions, inventory, roomy(), |_| {}).await
}

/// As [`server_tuned`], with dashboard pushes at another interval.
pub async fn server_pushing(inventory: Inventory, push: DashboardPush) -> TestServer {
    let mut server = server_tuned(SessionPolicy::default(), inventory).await;
    server.state.backend.dashboard_push = push;
    let security = HttpSecurity::local(server::sessions::store(&server.state.backend.store));
    server.router = build(server.state.clone(), security);
    server
}

/// As [`server`], with these sign-in limits and HTTP settings (public URL, proxies).
pub async fn server_secured(
    limits: LoginLimits,
    secure: impl FnOnce(&mut HttpSecurity),
) -> TestServer {
    server_built(
        SessionPolicy::default(),
        Inventory::default(),
        limits,
        secure,
    )
    .await
}

/// Generous sign-in limits, for tests that do not test them.
pub fn roomy() -> LoginLimits {
    LoginLimits {
        per_username_burst: 1000,
        per_address_burst: 1000,
        ..LoginLimits::default()
    }
}

async fn server_built(
    sessions: SessionPolicy,
    inventory: Inventory,
    limits: LoginLimits,
    secure: impl FnOnce(&mut HttpSecurity),
) -> TestServer {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("corral.css"), "body { color: red }").unwrap();
    std::fs::write(pkg.join("corral.css.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("corral.css.gz"), b"gzip bytes").unwrap();
    let database = Database::for_tests();
    let (store, _) = Store::open(&database).await.unwrap();
    let leptos_options = LeptosOptions::builder()
        .output_name("corral")
        .site_root(site.path().display().to_string())
        .build();
    let backend = Backend::new(store.clone(), KeyRing::generate(), limits)
        .with_password_policy(HashPolicy {
            memory_kib: 64,
            passes: 1,
            lanes: 1,
        })
        .with_inventory(inventory);
    let state = AppState {
        clock: Clock::default(),
        leptos_options,
        backend,
        sessions,
        demo: None,
        started_at: Instant::now(),
    };
    let mut security = HttpSecurity::local(server::sessions::store(&store));
    secure(&mut security);
    let router = build(state.clone(), security);
    TestServer {
        router,
        state,
        database,
        _site: site,
    }
}

impl TestServer {
    /// Another dashboard process on the same database and keys: its own connection (on a
    /// SurrealDB server; the in-memory engine can only be shared), event bus, runner
    /// wake-up, caches and router, no runner.
    pub async fn sibling(&self) -> TestServer {
        let mut backend = self.state.backend.clone();
        if self.database.url.starts_with("ws") {
            backend.store = Store::open(&self.database).await.unwrap().0;
        }
        backend.job_bus = backend::jobs::JobBus::default();
        backend.job_wakeup = std::sync::Arc::default();
        backend.dashboard_push = DashboardPush::default();
        backend.inventory = Inventory::default();
        backend.locks = backend::lifecycle::Locks::default();
        let site = tempfile::tempdir().unwrap();
        let state = AppState {
            backend,
            leptos_options: LeptosOptions::builder()
                .output_name("corral")
                .site_root(site.path().display().to_string())
                .build(),
            ..self.state.clone()
        };
        let security = HttpSecurity::local(server::sessions::store(&state.backend.store));
        TestServer {
            router: build(state.clone(), security),
            state,
            database: self.database.clone(),
            _site: site,
        }
    }

    /// Adds simulator node `node` as `name` for the user of `cookie`: its id.
    pub async fn add_node(
        &self,
        sim: &pve_sim::Simulator,
        node: &str,
        name: &str,
        cookie: &str,
    ) -> String {
        let created = self
            .post(
                "/api/nodes/create",
                &form(&node_form(sim, node, name)),
                Some(cookie),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
        let node: serde_json::Value = serde_json::from_str(&created.body).unwrap();
        node["id"].as_str().unwrap().to_owned()
    }

    /// Loads the dashboard of the user of `cookie` until no node's backup ages are still
    /// being read (pages never wait for them; each starts the reads that are due), so that
    /// what a test watches next does not change because they came in.
    pub async fn await_backup_ages(&self, cookie: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let page = self.get("/", Some(cookie)).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            if !page.body.contains("reading…") {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "backup ages never read"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            raw: bytes.to_vec(),
        }
    }

    /// GET with an optional session cookie.
    pub async fn get(&self, uri: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::get(uri);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// A same-origin form POST as the hydrated app sends it (JSON answer).
    pub async fn post(&self, uri: &str, form: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header("sec-fetch-site", "same-origin");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(form.to_owned())).unwrap())
            .await
    }

    /// Runs first-run setup as `admin` (with the setup code the server printed) and
    /// returns the session cookie.
    pub async fn setup_admin(&self) -> String {
        let code = self.state.backend.setup_code.issue();
        let answer = self
            .post(
                "/api/auth/setup",
                &format!(
                    "setup_code={}&username=admin&password={PASSWORD}&password_repeat={PASSWORD}",
                    code.as_str()
                ),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.session_cookie().expect("setup signs in")
    }

    /// Creates a user (as the admin) and signs them in.
    pub async fn user(&self, admin_cookie: &str, name: &str) -> String {
        let created = self
            .post(
                "/api/users/create",
                &format!("username={name}&password={PASSWORD}&password_repeat={PASSWORD}"),
                Some(admin_cookie),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
        self.login(name).await
    }

    pub async fn login(&self, name: &str) -> String {
        let answer = self
            .post(
                "/api/auth/login",
                &format!("username={name}&password={PASSWORD}"),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer
            .session_cookie()
            .expect("login sets the session cookie")
    }
}

/// The wizard's Configure step for a small Debian container, saved with `go=next`.
pub fn configure_form(
    draft: &str,
    node_id: &str,
    hostname: &str,
    vmid: u32,
) -> Vec<(&'static str, String)> {
    vec![
        ("draft", draft.to_owned()),
        ("step", "configure".into()),
        ("go", "next".into()),
        ("form[node_id]", node_id.to_owned()),
        (
            "form[ostemplate]",
            "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst".into(),
        ),
        ("form[hostname]", hostname.to_owned()),
        ("form[vmid]", vmid.to_string()),
        ("form[cores]", "1".into()),
        ("form[memory]", "512".into()),
        ("form[swap]", "0".into()),
        ("form[rootfs_storage]", "local-lvm".into()),
        ("form[rootfs_size]", "4".into()),
        ("form[bridge]", "vmbr0".into()),
        ("form[ipv4_mode]", "dhcp".into()),
        ("form[unprivileged]", "on".into()),
    ]
}

/// The wizard's Scripts step (go on to Review) with one script, `name`, saying `content`.
pub fn scripts_form(draft: &str, name: &str, content: &str) -> Vec<(&'static str, String)> {
    vec![
        ("draft", draft.to_owned()),
        ("step", "scripts".into()),
        ("go", "next".into()),
        ("form[scripts][0][name]", name.to_owned()),
        ("form[scripts][0][content]", content.to_owned()),
    ]
}

/// A simulated one-node cluster (`pve`, six containers) whose tasks run at `speed`.
pub async fn simulator(speed: pve_sim::Speed) -> pve_sim::Simulator {
    pve_sim::Simulator::start(pve_sim::SimConfig {
        speed,
        ..pve_sim::SimConfig::default()
    })
    .await
    .unwrap()
}

/// Form encoding for test values (fingerprints hold `:`, `+`, `/`, `=`).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// An urlencoded form body.
pub fn form(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Simulator node `node` as the add form posts it, under the display name `name`.
pub fn node_form(sim: &pve_sim::Simulator, node: &str, name: &str) -> Vec<(&'static str, String)> {
    let api = sim.node_api_url(node).unwrap();
    let ssh = sim.ssh_address(node).unwrap();
    let (token_id, token_secret) = sim.token();
    vec![
        ("form[name]", name.to_owned()),
        ("form[host]", ssh.ip().to_string()),
        ("form[port]", api.rsplit(':').next().unwrap().to_owned()),
        ("form[ssh_port]", ssh.port().to_string()),
        ("form[token_id]", token_id),
        ("form[token_secret]", token_secret),
        ("form[ssh_password]", sim.ssh_password()),
        ("form[tls_fingerprint]", sim.tls_fingerprint(node).unwrap()),
        ("form[ssh_host_key]", sim.ssh_host_key(node).unwrap()),
        ("form[confirm]", "on".into()),
    ]
}
