//! The wire itself: what real Proxmox versions send, checked without the client.

use pve::{PowerAction, PveError};
use pve_sim::{ErrorStyle, SimConfig};

use super::support::*;

#[tokio::test]
async fn old_servers_put_the_message_only_in_the_reason_phrase() {
    let sim = simulator(SimConfig {
        error_style: ErrorStyle::Old,
        ..SimConfig::default()
    })
    .await;
    let error = client(&sim)
        .lxc_power("pve", 100, &PowerAction::Start)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        PveError::Server {
            status: 500,
            message: "CT 100 already running".into()
        }
    );
}

/// A plain HTTP client trusting the simulator's CA (it neither asks for nor unpacks
/// compressed bodies: the workspace's reqwest could, for the client), and the token's
/// `Authorization` value.
fn plain_http(sim: &pve_sim::Simulator) -> (reqwest::Client, String) {
    let ca = reqwest::Certificate::from_pem(sim.ca_pem().as_bytes()).unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_only([ca])
        .no_gzip()
        .build()
        .unwrap();
    let (id, secret) = sim.token();
    (http, format!("PVEAPIToken={id}={secret}"))
}

/// Wire details the client never produces, checked with a plain HTTP client trusting the CA.
#[tokio::test]
async fn the_wire_format_matches_pve() {
    let sim = simulator(SimConfig::default()).await;
    let (http, auth) = plain_http(&sim);
    let url = |path: &str| format!("{}/api2/json{path}", sim.api_url());

    let response = http
        .get(url("/cluster/nextid"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    assert_eq!(response.text().await.unwrap(), r#"{"data":"106"}"#);

    let response = http.get(url("/version")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(
        response.text().await.unwrap().is_empty(),
        "the auth layer sends no body"
    );

    let response = http
        .delete(url("/nodes/pve/lxc/100"))
        .header("Authorization", &auth)
        .body("purge=1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 501);
    assert_eq!(
        response.text().await.unwrap(),
        "Unexpected content for method 'DELETE'"
    );

    let response = http
        .post(url("/nodes/pve/lxc/103/status/start"))
        .header("Authorization", &auth)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("debug=true&color=blue")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(
        body["errors"]["debug"],
        "type check ('boolean') failed - got 'true'\n"
    );
    assert!(
        body["errors"]["color"]
            .as_str()
            .unwrap()
            .starts_with("property is not defined in schema")
    );
    assert_eq!(body["message"], "Parameter verification failed.\n");

    let response = http
        .get(url("/nodes/pve/lxc/100/foo"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 501);
    let body: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(
        body["message"],
        "Method 'GET /nodes/pve/lxc/100/foo' not implemented\n"
    );

    let response = http
        .get(url("/nodes/pve/lxc"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    let stopped = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|ct| ct["status"] == "stopped")
        .unwrap();
    assert_eq!(stopped["uptime"], 0, "stopped containers report uptime 0");
    assert!(stopped.get("pid").is_none());
}

#[tokio::test]
async fn an_answer_over_the_size_limit_is_refused_not_buffered() {
    let sim = simulator(SimConfig::default()).await;
    let mut config = pve::ClientConfig::new(sim.api_url(), token_auth(&sim), pin(&sim, "pve"));
    config.max_body_bytes = 512;
    let small = pve::Client::new(config).unwrap();
    let error = small.cluster_resources(None).await.unwrap_err();
    assert_eq!(error, PveError::TooLarge { limit: 512 });
    // The same answer passes the default limit.
    assert!(client(&sim).cluster_resources(None).await.is_ok());
}

/// pveproxy gzips a body over 1 KiB for a client that accepts it, and only then; the
/// client (which accepts gzip) reads both.
#[tokio::test]
async fn large_bodies_are_gzipped_when_the_client_accepts_it() {
    use std::io::Read;
    let sim = simulator(SimConfig::default()).await;
    let (http, auth) = plain_http(&sim);
    let get = |path: &str, accept: Option<&str>| {
        let mut request = http
            .get(format!("{}/api2/json{path}", sim.api_url()))
            .header("Authorization", &auth);
        if let Some(accept) = accept {
            request = request.header("Accept-Encoding", accept);
        }
        request.send()
    };

    let plain = get("/nodes/pve/lxc", None).await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap();
    assert!(plain.len() > 1024, "a list worth compressing");

    let gzipped = get("/nodes/pve/lxc", Some("gzip, deflate")).await.unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let body = gzipped.bytes().await.unwrap();
    assert!(body.len() < plain.len());
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut unpacked)
        .unwrap();
    // The same list (its figures move between two reads).
    let vmids = |body: &[u8]| {
        let list: serde_json::Value = serde_json::from_slice(body).unwrap();
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["vmid"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(vmids(&unpacked), vmids(&plain));

    let small = get("/cluster/nextid", Some("gzip")).await.unwrap();
    assert!(
        small.headers().get("content-encoding").is_none(),
        "1 KiB or less stays plain"
    );
    assert_eq!(small.text().await.unwrap(), r#"{"data":"106"}"#);

    let listed = client(&sim).lxc_list("pve").await.unwrap();
    assert!(!listed.is_empty(), "the client reads the gzipped list");
}
