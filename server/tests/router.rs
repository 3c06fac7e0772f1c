//! The whole router, driven in-process: health, pages, 404, server functions, static files.
//!
//! The tests run on a multi-threaded runtime, like the server itself: on a current-thread
//! runtime, an `SsrMode::Async` render that calls a server function which queries the
//! embedded SurrealDB hung in about 1 of 30 runs under load (measured: 2 of 60 runs with two
//! test processes in parallel; 0 of 60 on two worker threads).

use std::time::Instant;

use app::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use backend::store::Store;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use tower::ServiceExt;

struct TestServer {
    router: Router,
    _site: tempfile::TempDir,
}

/// A router on a fresh in-memory database, with a site folder holding a stylesheet
/// and its precompressed copies.
async fn server() -> TestServer {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("corral.css"), "body { color: red }").unwrap();
    std::fs::write(pkg.join("corral.css.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("corral.css.gz"), b"gzip bytes").unwrap();
    let (store, _) = Store::open("mem://", None).await.unwrap();
    let leptos_options = LeptosOptions::builder()
        .output_name("corral")
        .site_root(site.path().display().to_string())
        .build();
    let state = AppState {
        leptos_options,
        store,
        started_at: Instant::now(),
    };
    TestServer {
        router: server::router::build(state),
        _site: site,
    }
}

async fn send(
    server: &TestServer,
    request: Request<Body>,
) -> (StatusCode, header::HeaderMap, String) {
    let response = server.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_reports_the_database_up() {
    let server = server().await;
    let (status, headers, body) = send(&server, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(body, r#"{"status":"ok","database":"up"}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_is_rendered_on_the_server_with_hydration_scripts() {
    let server = server().await;
    let (status, headers, body) = send(&server, get("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(body.contains("<h1>Dashboard</h1>"), "{body}");
    assert!(body.contains("/pkg/corral.css"), "stylesheet link missing");
    assert!(body.contains("/pkg/corral.js"), "hydration script missing");
    // The server function's answer is rendered in place, not streamed for a script to
    // move: the page must be complete without JavaScript.
    assert!(
        body.contains(r#"data-testid="database-state" class="badge ok">up<"#),
        "{body}"
    );
    assert!(
        !body.contains("Loading…"),
        "the fallback reached the browser: {body}"
    );
    assert!(!body.contains("<template"), "out-of-order chunks: {body}");
    assert!(body.contains("JavaScript off"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_render_the_404_page_with_status_404() {
    let server = server().await;
    let (status, _, body) = send(&server, get("/definitely/not/here")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("Page not found"), "{body}");
    assert!(body.contains("<title>Not found · Corral</title>"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_server_function_has_a_stable_endpoint() {
    let server = server().await;
    let request = Request::post("/api/system/status")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&server, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["database_engine"], "mem");
    assert_eq!(json["database_up"], true);
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_files_are_served_precompressed_when_the_browser_accepts_it() {
    let server = server().await;
    let request = Request::get("/pkg/corral.css")
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = send(&server, request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "br");
    assert_eq!(body, "brotli bytes");

    let (status, headers, body) = send(&server, get("/pkg/corral.css")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(body, "body { color: red }");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_compressed_on_the_fly() {
    let server = server().await;
    let request = Request::get("/")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let response = server.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
}
