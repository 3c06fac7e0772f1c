//! Every server function, called with missing, wrong-typed and oversized fields, answers
//! a client error with a message and changes nothing. The cases are generated from the
//! access table (`app::action::declared()`: each endpoint's fields and their types), so
//! a new endpoint is covered without touching this file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use app::action::{FieldSpec, declared};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use support::{TestServer, server};

/// Tables whose row counts must not move.
const TABLES: [&str; 16] = [
    "user",
    "discovery",
    "node",
    "draft",
    "template",
    "template_script",
    "template_file",
    "template_draft",
    "bucket",
    "bucket_package",
    "job",
    "job_event",
    "vmid_claim",
    "audit",
    "setting",
    "sessions",
];

async fn snapshot(server: &TestServer) -> Vec<(String, i64)> {
    let mut counts = Vec::new();
    for table in TABLES {
        let n: Option<i64> = server
            .state
            .backend
            .store
            .db()
            .query(format!("RETURN count(SELECT id FROM {table})"))
            .await
            .unwrap()
            .take(0)
            .unwrap();
        counts.push((table.to_owned(), n.unwrap_or(0)));
    }
    counts
}

fn optional(field: &FieldSpec) -> bool {
    field.ty.starts_with("Option<")
}

fn textual(field: &FieldSpec) -> bool {
    matches!(field.ty, "String" | "Option<String>")
}

/// A value that cannot be read as `field`'s type (a scalar where a form is expected).
fn wrong_value(field: &FieldSpec) -> String {
    format!(
        "{}=%FF%00not-a-{}",
        field.name,
        field.ty.replace(['<', '>'], "")
    )
}

/// The bad bodies for one endpoint: (what, body).
fn cases(fields: &[FieldSpec]) -> Vec<(String, String)> {
    let mut cases = Vec::new();
    if fields.iter().any(|f| !optional(f)) {
        cases.push(("every field missing".to_owned(), String::new()));
    }
    for field in fields.iter().filter(|f| !textual(f)) {
        cases.push((
            format!("{} of the wrong type", field.name),
            wrong_value(field),
        ));
    }
    let huge = "a".repeat(1 << 20);
    for field in fields.iter().filter(|f| textual(f)) {
        cases.push((
            format!("{} of 1 MiB", field.name),
            format!("{}={huge}", field.name),
        ));
    }
    cases
}

async fn post(server: &TestServer, path: &str, body: String, cookie: &str) -> (StatusCode, String) {
    let answer = server.post(path, &body, Some(cookie)).await;
    (answer.status, answer.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_refuses_bad_input_with_a_message_and_changes_nothing() {
    let server = server().await;
    let admin = server.setup_admin().await;
    let before = snapshot(&server).await;
    let mut wrong = Vec::new();
    let mut tried = 0;
    let mut endpoints: Vec<_> = declared().collect();
    endpoints.sort_by_key(|d| d.path);
    for endpoint in endpoints {
        for (what, body) in cases(endpoint.fields) {
            tried += 1;
            let (status, answer) = post(&server, endpoint.path, body, &admin).await;
            let client_error = matches!(status.as_u16(), 400 | 413 | 422);
            if !client_error || answer.trim().is_empty() {
                wrong.push(format!(
                    "{} with {what}: {status} {answer:.200}",
                    endpoint.path
                ));
            }
        }
        // A body over the limit, whatever the endpoint: declared (413 at once) or
        // streamed without a length (reading stops at the limit: 400).
        for (declared, expected) in [(true, 413), (false, 400)] {
            let mut oversized = Request::post(endpoint.path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .header(header::COOKIE, admin.as_str());
            if declared {
                oversized = oversized.header(header::CONTENT_LENGTH, 9 << 20);
            }
            let request = oversized.body(Body::from(vec![b'a'; 9 << 20])).unwrap();
            let status = server.send(request).await.status;
            if status.as_u16() != expected {
                wrong.push(format!("{} with a 9 MiB body: {status}", endpoint.path));
            }
        }
    }
    assert!(tried > 40, "only {tried} cases: is the access table empty?");
    assert!(
        wrong.is_empty(),
        "{} of {tried} cases answered wrongly:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(snapshot(&server).await, before, "bad input changed nothing");
    // The admin is still signed in: nothing above was a sign-out.
    let list = server.post("/api/users/list", "", Some(&admin)).await;
    assert_eq!(list.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_list_indexes_in_a_wizard_form_are_refused_cheaply() {
    let server = server().await;
    let admin = server.setup_admin().await;
    let started = server.post("/api/wizard/start", "", Some(&admin)).await;
    let draft: String = serde_json::from_str(&started.body).unwrap_or_default();
    let draft = if draft.is_empty() {
        started
            .location()
            .and_then(|l| l.split('/').nth(3))
            .unwrap_or_default()
            .to_owned()
    } else {
        draft
    };
    let before = snapshot(&server).await;
    for index in [
        "4294967295",
        "18446744073709551615",
        "99999999999999999999999",
    ] {
        let body = format!(
            "draft={draft}&step=scripts&go=stay&form[scripts][{index}][name]=x&form[scripts][{index}][content]=y"
        );
        let answer = server.post("/api/wizard/save", &body, Some(&admin)).await;
        assert!(
            answer.status.is_client_error() || answer.status.is_success(),
            "{index}: {} {}",
            answer.status,
            answer.body
        );
    }
    assert_eq!(snapshot(&server).await, before, "nothing new was stored");
}
