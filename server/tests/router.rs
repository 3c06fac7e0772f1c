//! The whole router, driven in-process: health, the auth gate, pages, 404, sessions,
//! server functions, static files.
//!
//! The tests run on a multi-threaded runtime, like the server itself: on a current-thread
//! runtime, an `SsrMode::Async` render that calls a server function which queries the
//! embedded SurrealDB hung in about 1 of 30 runs under load (measured: 2 of 60 runs with two
//! test processes in parallel; 0 of 60 on two worker threads).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use app::state::SessionPolicy;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use support::{PASSWORD, server, server_with};
use tower::ServiceExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_reports_the_database_up() {
    let server = server().await;
    let answer = server.get("/healthz", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(answer.body, r#"{"status":"ok","database":"up"}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_install_sends_every_page_to_setup_and_setup_then_disappears() {
    let server = server().await;
    for page in ["/", "/login", "/settings/nodes", "/nowhere"] {
        let answer = server.get(page, None).await;
        assert!(answer.status.is_redirection(), "{page}: {}", answer.status);
        assert_eq!(answer.location(), Some("/setup"), "{page}");
    }
    let setup = server.get("/setup", None).await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
    assert!(setup.body.contains("Create the administrator"));

    let admin = server.setup_admin().await;
    assert_eq!(server.get("/setup", None).await.location(), Some("/login"));
    assert_eq!(
        server.get("/setup", Some(&admin)).await.location(),
        Some("/")
    );
    let again = server
        .post(
            "/api/auth/setup",
            &format!(
                "setup_code=ABCD-EFGH-JKLM&username=eve&password={PASSWORD}&password_repeat={PASSWORD}"
            ),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_need_a_session_and_remember_where_you_were_going() {
    let server = server().await;
    let admin = server.setup_admin().await;
    let anonymous = server.get("/settings/nodes?x=1", None).await;
    assert_eq!(
        anonymous.location(),
        Some("/login?next=/settings/nodes%3Fx%3D1")
    );
    let login = server.get("/login", None).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("Sign in to Corral"));

    let dashboard = server.get("/", Some(&admin)).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(
        dashboard.body.contains("<h1>Dashboard</h1>"),
        "{}",
        dashboard.body
    );
    assert!(
        dashboard.body.contains("/pkg/corral.js"),
        "hydration script missing"
    );
    assert!(
        dashboard.body.contains(r#"data-testid="no-nodes""#),
        "{}",
        dashboard.body
    );
    assert!(
        dashboard
            .body
            .contains(r#"data-testid="current-user">admin<"#)
    );
    // Data is rendered in place, not streamed for a script to move.
    let settings = server.get("/settings", Some(&admin)).await;
    assert!(
        settings
            .body
            .contains(r#"data-testid="database-state" class="badge ok">up<"#),
        "{}",
        settings.body
    );
    assert!(!settings.body.contains("<template"), "out-of-order chunks");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_render_the_404_page_with_status_404() {
    let server = server().await;
    let admin = server.setup_admin().await;
    let answer = server.get("/definitely/not/here", Some(&admin)).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(answer.body.contains("Page not found"), "{}", answer.body);
    assert!(answer.body.contains("<title>Not found · Corral</title>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_strict_cycled_at_login_and_flushed_at_logout() {
    let server = server().await;
    let admin = server.setup_admin().await;
    let answer = server
        .post(
            "/api/auth/login",
            &format!("username=admin&password={PASSWORD}"),
            Some(&admin),
        )
        .await;
    let set_cookie = answer.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain http in tests");
    let cycled = answer.session_cookie().unwrap();
    assert_ne!(cycled, admin, "a new session id at login");
    assert_eq!(
        server
            .post("/api/nodes/list", "", Some(&admin))
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "the old id is gone"
    );

    let status = server.post("/api/system/status", "", Some(&cycled)).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    let json: serde_json::Value = serde_json::from_str(&status.body).unwrap();
    assert_eq!(
        (
            json["database_engine"].as_str(),
            json["database_up"].as_bool()
        ),
        (Some(server.state.backend.store.engine()), Some(true))
    );

    let logout = server.post("/api/auth/logout", "", Some(&cycled)).await;
    assert_eq!(logout.status, StatusCode::OK);
    assert_eq!(
        server
            .post("/api/system/status", "", Some(&cycled))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server.get("/", Some(&cycled)).await.location(),
        Some("/login")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_failures_are_vague_and_form_posts_return_to_the_form() {
    let server = server().await;
    server.setup_admin().await;
    for form in [
        "username=admin&password=wrong",
        "username=ghost&password=wrong",
    ] {
        let answer = server.post("/api/auth/login", form, None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.body, r#""BadCredentials""#);
    }
    // Without JavaScript: a plain form post comes back to the form with the error.
    let request = Request::post("/api/auth/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "http://localhost/login")
        .header(header::ORIGIN, "http://localhost")
        .header(header::HOST, "localhost")
        .body(Body::from("username=admin&password=wrong"))
        .unwrap();
    let answer = server.send(request).await;
    assert_eq!(answer.status, StatusCode::FOUND);
    let location = answer.location().unwrap();
    assert!(
        location.starts_with("http://localhost/login?__path=%2Fapi%2Fauth%2Flogin&__err="),
        "{location}"
    );
    let page = server
        .get(&location.replace("http://localhost", ""), None)
        .await;
    assert!(
        page.body.contains("wrong username or password"),
        "{}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_or_deleted_account_loses_its_session_at_once() {
    let server = server().await;
    let admin = server.setup_admin().await;
    let bob = server.user(&admin, "bob").await;
    assert_eq!(
        server.post("/api/nodes/list", "", Some(&bob)).await.status,
        StatusCode::OK
    );
    let users = server.post("/api/users/list", "", Some(&admin)).await;
    let list: serde_json::Value = serde_json::from_str(&users.body).unwrap();
    let bob_id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "bob")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let disabled = server
        .post(
            "/api/users/set-disabled",
            &format!("id={bob_id}&disabled=true"),
            Some(&admin),
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    assert_eq!(
        server.post("/api/nodes/list", "", Some(&bob)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let wrong_confirm = server
        .post(
            "/api/users/delete",
            &format!("id={bob_id}&confirm=bo"),
            Some(&admin),
        )
        .await;
    assert_eq!(wrong_confirm.status, StatusCode::UNPROCESSABLE_ENTITY);
    let deleted = server
        .post(
            "/api/users/delete",
            &format!("id={bob_id}&confirm=bob"),
            Some(&admin),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_keeps_this_session_under_a_new_id_and_ends_the_others() {
    let server = server().await;
    let first = server.setup_admin().await;
    let second = server.login("admin").await;
    let changed = server
        .post(
            "/api/auth/change-password",
            &format!("current_password={PASSWORD}&new_password=another%20long%20password&new_password_repeat=another%20long%20password"),
            Some(&first),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let cycled = changed.session_cookie().expect("a new session id");
    assert_ne!(cycled, first);
    assert_eq!(
        server
            .post("/api/nodes/list", "", Some(&cycled))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        server
            .post("/api/nodes/list", "", Some(&first))
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "a copy of the old cookie is worthless"
    );
    assert_eq!(
        server
            .post("/api/nodes/list", "", Some(&second))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_past_its_absolute_limit_ends_even_when_used() {
    let server = server_with(SessionPolicy {
        inactivity_secs: 7 * 86_400,
        absolute_limit_secs: 3600,
    })
    .await;
    let admin = server.setup_admin().await;
    assert_eq!(
        server
            .post("/api/nodes/list", "", Some(&admin))
            .await
            .status,
        StatusCode::OK
    );
    server.state.clock.advance(3601);
    assert_eq!(
        server
            .post("/api/nodes/list", "", Some(&admin))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_files_are_served_precompressed_when_the_browser_accepts_it() {
    let server = server().await;
    let request = Request::get("/pkg/corral.css")
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .body(Body::empty())
        .unwrap();
    let answer = server.send(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers[header::CONTENT_ENCODING], "br");
    assert_eq!(answer.body, "brotli bytes");

    let plain = server.get("/pkg/corral.css", None).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(plain.body, "body { color: red }");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_compressed_on_the_fly() {
    let server = server().await;
    let admin = server.setup_admin().await;
    let request = Request::get("/")
        .header(header::ACCEPT_ENCODING, "gzip")
        .header(header::COOKIE, admin)
        .body(Body::empty())
        .unwrap();
    let response = server.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
}
