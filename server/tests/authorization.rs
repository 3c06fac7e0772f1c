//! Authorization across the whole HTTP surface, enumerated from what is registered and
//! declared, so a new server function or page is covered automatically. The access table
//! is the one the `#[action]` declarations fill (`app::action::declared`): a server
//! function without one fails `every_server_function_is_declared` (and its calls are
//! refused; `tests/undeclared.rs` shows both).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use std::collections::BTreeSet;

use app::action::{Access, declared, undeclared};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pve_sim::{SimConfig, Simulator};
use support::{TestServer, form, node_form, server};

/// Admin with one node, and a second user without any.
async fn two_users_one_node(
    server: &TestServer,
    sim: &Simulator,
) -> (String, String, serde_json::Value) {
    let admin = server.setup_admin().await;
    let created = server
        .post(
            "/api/nodes/create",
            &form(&node_form(sim, "pve", "secret-lab")),
            Some(&admin),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let node: serde_json::Value = serde_json::from_str(&created.body).unwrap();
    let bob = server.user(&admin, "bob").await;
    (admin, bob, node)
}

/// A body every server function can read: each argument name once, plausible values.
fn any_arguments() -> String {
    form(&[
        ("id", "x".into()),
        ("page", "1".into()),
        ("search", "".into()),
        ("node_id", "x".into()),
        ("vmid", "100".into()),
        ("action", "start".into()),
        ("sort", "".into()),
        ("disabled", "true".into()),
        ("confirm", "x".into()),
        ("username", "someone".into()),
        ("password", "long enough password".into()),
        ("password_repeat", "long enough password".into()),
        ("current_password", "long enough password".into()),
        ("new_password", "long enough password".into()),
        ("new_password_repeat", "long enough password".into()),
        ("host", "127.0.0.1".into()),
        ("port", "1".into()),
        ("ssh_port", "1".into()),
        ("tls_fingerprint", "x".into()),
        ("ssh_host_key", "x".into()),
        ("form[name]", "x".into()),
        ("form[host]", "127.0.0.1".into()),
        ("form[token_id]", "x".into()),
        ("draft", "x".into()),
        ("step", "configure".into()),
        ("go", "next".into()),
    ])
}

/// Every declared endpoint with its access level, by path.
fn endpoints() -> Vec<(&'static str, Access)> {
    let mut all: Vec<_> = declared().map(|d| (d.path, d.access)).collect();
    all.sort_unstable_by_key(|(path, _)| *path);
    all
}

fn guarded() -> impl Iterator<Item = (&'static str, Access)> {
    endpoints()
        .into_iter()
        .filter(|(_, access)| *access != Access::Public)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_function_is_declared() {
    let _server = server().await;
    assert_eq!(
        undeclared(),
        Vec::<String>::new(),
        "declare these with #[action] and a Call<…> parameter"
    );
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    let declared: BTreeSet<String> = endpoints().iter().map(|(p, _)| (*p).to_owned()).collect();
    assert_eq!(registered, declared, "declared once each, all registered");
    assert_eq!(endpoints().len(), 74);
    let public: Vec<&str> = endpoints()
        .into_iter()
        .filter(|(_, access)| *access == Access::Public)
        .map(|(path, _)| path)
        .collect();
    assert_eq!(
        public,
        ["/api/auth/login", "/api/auth/setup", "/api/auth/visitor"],
        "only signing in, setup and \"who am I\" are public"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_callers_get_401_and_pages_send_them_to_sign_in() {
    let server = server().await;
    server.setup_admin().await;
    for (path, _) in guarded() {
        // Whatever the body: refused before any argument is read.
        for body in [any_arguments(), String::new(), "%%%=&&".to_owned()] {
            let answer = server.post(path, &body, None).await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{path} with {body:?}: {}",
                answer.body
            );
            assert_eq!(answer.body, r#""Unauthenticated""#, "{path}");
        }
    }
    let pages = server::router::page_routes();
    assert!(pages.len() >= 10, "the route list sees every page");
    for page in pages {
        let path: String = page
            .path()
            .split('/')
            .map(|segment| {
                if segment.starts_with(':') {
                    "x"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let answer = server.get(&path, None).await;
        if path == "/login" {
            assert_eq!(answer.status, StatusCode::OK);
        } else {
            let location = answer.location().unwrap_or_default();
            assert!(
                location.starts_with("/login"),
                "{path} → {} {location}",
                answer.status
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_users_get_403_from_administrative_functions() {
    let server = server().await;
    let admin = server.setup_admin().await;
    let bob = server.user(&admin, "bob").await;
    for (path, access) in guarded() {
        if access == Access::Admin {
            for body in [any_arguments(), String::new()] {
                let answer = server.post(path, &body, Some(&bob)).await;
                assert_eq!(
                    answer.status,
                    StatusCode::FORBIDDEN,
                    "{path}: {}",
                    answer.body
                );
            }
        }
    }
    let page = server.get("/users", Some(&bob)).await;
    assert_eq!(
        page.status,
        StatusCode::FORBIDDEN,
        "the page carries its data's status"
    );
    assert!(page.body.contains("only administrators") && !page.body.contains("admin</td>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_node_is_not_found_and_nothing_leaks() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let server = server().await;
    let (admin, bob, node) = two_users_one_node(&server, &sim).await;
    let id = node["id"].as_str().unwrap();
    let fingerprint = node["tls_fingerprint"].as_str().unwrap();
    let mut attempt = node_form(&sim, "pve", "secret-lab");
    attempt.extend([
        ("id", id.to_owned()),
        ("confirm", "secret-lab".to_owned()),
        ("tls_fingerprint", fingerprint.to_owned()),
        ("ssh_host_key", sim.ssh_host_key("pve").unwrap()),
        ("page", "1".to_owned()),
        ("node_id", id.to_owned()),
        ("vmid", "100".to_owned()),
        ("action", "start".to_owned()),
        ("service", "postgresql".to_owned()),
        ("snapname", "before".to_owned()),
        ("digest", "x".to_owned()),
        ("form[cores]", "1".to_owned()),
        ("form[memory]", "512".to_owned()),
        ("form[swap]", "0".to_owned()),
        ("size", "9".to_owned()),
        ("tags", "x".to_owned()),
        ("storage", "nas".to_owned()),
        ("volid", "nas:backup/x.tar.zst".to_owned()),
        ("new_vmid", "150".to_owned()),
        ("timeframe", "hour".to_owned()),
        ("cf", "average".to_owned()),
    ]);
    let body = form(&attempt);
    let acts_on_a_node = |path: &str| {
        [
            "get",
            "update",
            "test",
            "set-default",
            "delete",
            "repin-check",
            "repin",
        ]
        .iter()
        .any(|name| path == format!("/api/nodes/{name}"))
            || path.starts_with("/api/containers/")
            || path.starts_with("/api/services/")
            || path.starts_with("/api/snapshots/")
            || path.starts_with("/api/backups/")
            || path.starts_with("/api/history/")
            || path == "/api/wizard/choices"
            || path == "/api/wizard/check-vmid"
    };
    for (path, access) in guarded() {
        if access != Access::User || path.ends_with("/create") || path.ends_with("/logout") {
            continue;
        }
        let answer = server.post(path, &body, Some(&bob)).await;
        if acts_on_a_node(path) {
            assert_eq!(
                answer.status,
                StatusCode::NOT_FOUND,
                "{path}: {}",
                answer.body
            );
            assert_eq!(answer.body, r#""NotFound""#, "{path}");
        }
        assert!(
            !answer.body.contains("secret-lab") && !answer.body.contains(id),
            "{path} leaked: {}",
            answer.body
        );
    }
    let page = server
        .get(&format!("/settings/nodes/{id}"), Some(&bob))
        .await;
    assert!(page.body.contains("No such node") && !page.body.contains("secret-lab"));
    // The owner still has it, untouched.
    let own = server
        .post("/api/nodes/get", &format!("id={id}"), Some(&admin))
        .await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(
        !own.body.contains(&sim.token().1),
        "secrets never reach the browser"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_calls_are_400_not_500() {
    let server = server().await;
    let admin = server.setup_admin().await;
    let answer = server.post("/api/nodes/get", "", Some(&admin)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert!(
        answer.body.contains("missing field `id`"),
        "{}",
        answer.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_posts_are_refused_everywhere() {
    let server = server().await;
    let admin = server.setup_admin().await;
    for (path, _) in endpoints() {
        for (name, value) in [
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://evil.example"),
        ] {
            let request = Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::HOST, "corral.lan")
                .header(header::COOKIE, &admin)
                .header(name, value)
                .body(Body::from("id=x"))
                .unwrap();
            let answer = server.send(request).await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{path} with {name}: {value}"
            );
        }
    }
    // The same post from our own pages goes through.
    let own = Request::post("/api/nodes/list")
        .header(header::HOST, "corral.lan")
        .header(header::ORIGIN, "http://corral.lan")
        .header(header::COOKIE, &admin)
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .unwrap();
    assert_eq!(server.send(own).await.status, StatusCode::OK);
}

/// A multipart upload of `bytes` as the import form sends it.
fn upload(bytes: &[u8], cookie: Option<&str>) -> Request<Body> {
    let boundary = "corral-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"archive\"; filename=\"t.tar.gz\"\r\n\
         Content-Type: application/gzip\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut request = Request::post("/api/templates/import")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::ACCEPT, "application/json")
        .header("sec-fetch-site", "same-origin");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn container_logs_belong_to_the_nodes_owner() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let server = server().await;
    let (admin, bob, node) = two_users_one_node(&server, &sim).await;
    let id = node["id"].as_str().unwrap();
    let download = format!("/api/containers/{id}/100/logs/download");
    let follow = format!("/api/containers/{id}/100/logs/follow");
    for path in [&download, &follow] {
        assert_eq!(
            server.get(path, None).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        let theirs = server.get(path, Some(&bob)).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!theirs.body.contains("secret-lab"));
        // Names are checked before anything runs in the container.
        for bad in [
            "unit=nginx%3Breboot",
            "unit=%24(id)",
            "lines=0",
            "lines=5001",
        ] {
            let refused = server.get(&format!("{path}?{bad}"), Some(&admin)).await;
            assert_eq!(
                refused.status,
                StatusCode::BAD_REQUEST,
                "{path}?{bad}: {}",
                refused.body
            );
        }
        let undiscovered = server
            .get(&format!("{path}?unit=nginx"), Some(&admin))
            .await;
        assert_eq!(
            undiscovered.status,
            StatusCode::BAD_REQUEST,
            "{}",
            undiscovered.body
        );
        assert!(
            undiscovered
                .body
                .contains("discovery found no service nginx")
        );
    }
    let mine = server
        .get(&format!("{download}?lines=5&filter=STARTED"), Some(&admin))
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert_eq!(
        mine.headers.get(header::CONTENT_DISPOSITION).unwrap(),
        "attachment; filename=\"ct100-journal.log\""
    );
    assert!(
        !mine.body.is_empty()
            && mine
                .body
                .lines()
                .all(|l| l.to_lowercase().contains("started")),
        "{}",
        mine.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_archives_belong_to_their_user() {
    let server = server().await;
    let admin = server.setup_admin().await;
    let bob = server.user(&admin, "bob").await;
    let saved = server
        .post(
            "/api/templates/edit",
            &form(&[
                ("op", "save".into()),
                ("form[name]", "Secret recipe".into()),
                ("form[cores]", "1".into()),
                ("form[memory]", "512".into()),
                ("form[swap]", "0".into()),
                ("form[disk]", "8".into()),
            ]),
            Some(&admin),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let url: String = serde_json::from_str(&saved.body).unwrap();
    let id = url
        .trim_start_matches("/templates/")
        .trim_end_matches("?saved=1")
        .to_owned();
    let export = format!("/api/templates/{id}/export");

    let mine = server.get(&export, Some(&admin)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(
        mine.headers.get(header::CONTENT_DISPOSITION).unwrap(),
        "attachment; filename=\"secret-recipe.tar.gz\""
    );
    let theirs = server.get(&export, Some(&bob)).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert!(!theirs.body.contains("Secret"));
    assert_eq!(
        server.get(&export, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let got = server
        .post(
            "/api/templates/get",
            &form(&[("id", id.clone())]),
            Some(&bob),
        )
        .await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);

    // The export imports for bob as his own; uploads need a session.
    let archive = mine.body_bytes();
    assert_eq!(
        server.send(upload(&archive, None)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let imported = server.send(upload(&archive, Some(&bob))).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    let report: serde_json::Value = serde_json::from_str(&imported.body).unwrap();
    assert_eq!(report["templates"][0]["name"], "Secret recipe");
    assert_ne!(report["templates"][0]["id"], id.as_str());
    let refused = server.send(upload(b"not an archive", Some(&bob))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("not a .tar.gz or .zip"));
}
