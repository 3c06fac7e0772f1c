//! The dashboard rendered on the server with two simulated nodes, one of them offline:
//! the failure banner names the node and the reason, the healthy node's containers are
//! listed, and search qualifiers in the URL filter them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use axum::http::StatusCode;
use pve_sim::{SimConfig, Simulator};
use support::{form, node_form, server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_offline_node_gets_a_banner_and_the_other_is_listed_and_filtered() {
    let sim = Simulator::start(SimConfig {
        nodes: 2,
        containers: 8,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let server = server().await;
    let admin = server.setup_admin().await;
    for (node, name) in [("pve", "alpha"), ("pve2", "beta")] {
        let created = server
            .post(
                "/api/nodes/create",
                &form(&node_form(&sim, node, name)),
                Some(&admin),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    }
    sim.set_offline("pve2", true).await.unwrap();

    let page = server
        .get("/?q=status:running%20node:pve", Some(&admin))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.body;
    assert!(html.contains(r#"data-testid="node-failure""#), "{html}");
    let banner = html
        .split(r#"data-testid="node-failure""#)
        .nth(1)
        .unwrap_or_default();
    let banner = banner.split("</p>").next().unwrap_or_default();
    assert!(
        banner.contains(">beta") && banner.contains("<b>unreachable"),
        "{banner}"
    );
    assert!(banner.contains("Connection refused"), "{banner}");
    assert!(html.contains("1 / 2"), "one of two nodes ok: {html}");
    let rows = html.matches("<tr data-vmid=").count();
    assert!(rows > 0, "{html}");
    let running = html.matches(r#"<span class="badge ok">running<"#).count();
    assert_eq!(rows, running, "only running containers are listed");
    assert!(
        !html.contains(r#"class="badge">stopped<"#),
        "the search keeps running ones only"
    );
}
