//! The HTTP edge, hardened: the real client address behind a proxy, the host guard, the
//! setup code, safe redirects after sign-in, sliding sessions, the security headers and
//! a panicking handler.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use app::state::SessionPolicy;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use backend::login_limit::LoginLimits;
use http_body_util::BodyExt;
use support::{PASSWORD, encode, server, server_secured, server_with};
use tower::ServiceExt;

/// A JSON sign-in from `peer`, forwarded for `forwarded_for` when given.
fn sign_in_from(peer: &str, forwarded_for: Option<&str>, password: &str) -> Request<Body> {
    let mut request = Request::post("/api/auth/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(client) = forwarded_for {
        request = request.header("x-forwarded-for", client);
    }
    let mut request = request
        .body(Body::from(format!("username=admin&password={password}")))
        .unwrap();
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forwarded_client_is_limited_on_its_own_address_and_the_proxy_is_not() {
    let server = server_secured(
        LoginLimits {
            per_username_burst: 1000,
            per_address_burst: 3,
            per_address_period: Duration::from_secs(3600),
            ..LoginLimits::default()
        },
        |security| security.trusted_proxies = "10.0.0.0/8".parse().unwrap(),
    )
    .await;
    let admin = server.setup_admin().await;
    let attacker = Some("203.0.113.9");
    for _ in 0..3 {
        let answer = server
            .send(sign_in_from("10.0.0.2", attacker, "wrong"))
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let limited = server
        .send(sign_in_from("10.0.0.2", attacker, "wrong"))
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy still signs in.
    let other = server
        .send(sign_in_from("10.0.0.2", Some("203.0.113.10"), PASSWORD))
        .await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
    // A stranger cannot borrow a fresh address by sending the header itself.
    for _ in 0..3 {
        server
            .send(sign_in_from("198.51.100.1", Some("192.0.2.1"), "wrong"))
            .await;
    }
    let spoofer = server
        .send(sign_in_from("198.51.100.1", Some("192.0.2.2"), "wrong"))
        .await;
    assert_eq!(spoofer.status, StatusCode::TOO_MANY_REQUESTS);
    // The audit log names the forwarded client.
    let log = server.post("/api/audit/list", "page=1", Some(&admin)).await;
    assert!(log.body.contains("203.0.113.9"), "{}", log.body);
    assert!(!log.body.contains("\"10.0.0.2\""), "{}", log.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_public_url_a_rebinding_host_is_refused() {
    let server = server_secured(LoginLimits::default(), |security| {
        security.public_origin = Some("https://corral.example.net".into());
    })
    .await;
    let for_host = |host: &str| {
        Request::get("/login")
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap()
    };
    let hostile = server.send(for_host("evil.example:3000")).await;
    assert_eq!(hostile.status, StatusCode::MISDIRECTED_REQUEST);
    assert!(hostile.session_cookie().is_none());
    let ours = server.send(for_host("corral.example.net")).await;
    assert_ne!(ours.status, StatusCode::MISDIRECTED_REQUEST);
    let health = Request::get("/healthz")
        .header(header::HOST, "10.0.0.5:3000")
        .body(Body::empty())
        .unwrap();
    assert_eq!(server.send(health).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_without_the_code_is_refused_and_creates_nothing() {
    let server = server().await;
    server.state.backend.setup_code.issue();
    let form = format!("username=mallory&password={PASSWORD}&password_repeat={PASSWORD}");
    for (attempt, status) in [
        (form.clone(), StatusCode::BAD_REQUEST),
        (
            format!("setup_code=AAAA-BBBB-CCCC&{form}"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let answer = server.post("/api/auth/setup", &attempt, None).await;
        assert_eq!(answer.status, status, "{}", answer.body);
        assert!(answer.session_cookie().is_none());
    }
    let visitor = server.post("/api/auth/visitor", "", None).await;
    assert!(visitor.body.contains("FreshInstall"), "{}", visitor.body);
    server.setup_admin().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_after_sign_in_stays_on_site() {
    let server = server().await;
    server.setup_admin().await;
    for (next, expected) in [
        ("/%09/evil.example", "/"),
        ("/%0a/evil.example", "/"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("/%C3%A9", "/"),
        ("/settings/nodes", "/settings/nodes"),
    ] {
        let request = Request::post("/api/auth/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(format!(
                "username=admin&password={}&next={}",
                encode(PASSWORD),
                encode(&percent_decode(next))
            )))
            .unwrap();
        let answer = server.send(request).await;
        assert_eq!(answer.status, StatusCode::FOUND, "{next}");
        assert_eq!(answer.location(), Some(expected), "{next}");
    }
}

/// `%XX` escapes decoded to bytes (as the browser's form would send the raw value).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_in_use_survives_its_idle_limit_and_an_idle_one_ends() {
    let server = server_with(SessionPolicy {
        inactivity_secs: 3600,
        absolute_limit_secs: 7 * 86_400,
    })
    .await;
    let admin = server.setup_admin().await;
    let list = || server.post("/api/nodes/list", "", Some(&admin));
    for _ in 0..4 {
        server.state.clock.advance(3000);
        assert_eq!(list().await.status, StatusCode::OK, "in use, it slides");
    }
    server.state.clock.advance(3601);
    assert_eq!(
        list().await.status,
        StatusCode::UNAUTHORIZED,
        "idle, it ends"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_a_nonce_policy_that_their_inline_scripts_match() {
    let server = server().await;
    let page = server.get("/setup", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let policy = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap();
    assert!(nonce.len() >= 20);
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let scripts = page.body.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        page.body.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "every inline script carries the nonce:\n{}",
        page.body
    );
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(page.headers["referrer-policy"], "same-origin");
    let again = server.get("/setup", None).await;
    assert_ne!(
        again.headers[header::CONTENT_SECURITY_POLICY],
        page.headers[header::CONTENT_SECURITY_POLICY],
        "a fresh nonce per answer"
    );
}

#[tokio::test]
async fn a_panicking_handler_answers_500_with_a_reference() {
    async fn boom() -> &'static str {
        panic!("a bug in a handler")
    }
    let router = server::router::edge(Router::new().route("/boom", get(boom)));
    let response = router
        .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        response
            .headers()
            .contains_key(header::CONTENT_SECURITY_POLICY)
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("reference"), "{text}");
}
