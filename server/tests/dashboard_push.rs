//! Dashboard pushes: open dashboards hear of a container's change through
//! `/api/dashboard/events`, many tabs share one refresher (one Proxmox request per node per
//! interval, not one per tab), and the refresher goes with the last tab.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use backend::dashboard::push::DashboardPush;
use backend::inventory::Inventory;
use http_body_util::BodyExt;
use pve_sim::Speed;
use support::{TestServer, form, server_pushing};
use tower::ServiceExt;

/// The refresher's interval in this test.
const INTERVAL: Duration = Duration::from_millis(200);
/// Tabs open at once.
const TABS: usize = 12;

/// One open dashboard's event stream.
struct Tab(axum::body::Body);

impl Tab {
    async fn open(server: &TestServer, cookie: &str) -> Tab {
        let request = Request::get("/api/dashboard/events")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        let response = server.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        Tab(response.into_body())
    }

    /// The next `changed` event's version, waiting at most `within`.
    async fn next_change(&mut self, within: Duration) -> Option<u64> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.0.frame())
                .await
                .ok()??;
            let Ok(data) = frame.unwrap().into_data() else {
                continue;
            };
            let text = String::from_utf8_lossy(&data).into_owned();
            if let Some(version) = text
                .lines()
                .skip_while(|line| *line != "event: changed")
                .find_map(|line| line.strip_prefix("data: "))
            {
                return version.parse().ok();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tabs_hear_of_a_change_share_one_refresher_and_let_it_go() {
    let sim = support::simulator(Speed::Scaled(0.02)).await;
    // Node answers are reused for less than one interval: every tick may ask Proxmox.
    let server = server_pushing(Inventory::new(INTERVAL / 2), DashboardPush::new(INTERVAL)).await;
    let admin = server.setup_admin().await;
    let node_id = server.add_node(&sim, "pve", "lab", &admin).await;
    let push = server.state.backend.dashboard_push.clone();
    let power = |vmid: u32, action: &'static str| {
        let body = form(&[
            ("node_id", node_id.clone()),
            ("vmid", vmid.to_string()),
            ("action", action.into()),
        ]);
        let server = &server;
        let admin = &admin;
        async move {
            let answer = server
                .post("/api/containers/power", &body, Some(admin))
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        }
    };
    // Nothing running: nothing moves by itself (running containers' load figures do).
    let containers: Vec<u32> = (100..200)
        .filter(|vmid| sim.container_state(*vmid).is_some())
        .collect();
    for vmid in &containers {
        if sim
            .container_state(*vmid)
            .is_some_and(|(_, running)| running)
        {
            power(*vmid, "stop").await;
        }
    }

    server.await_backup_ages(&admin).await;
    let mut tabs = Vec::new();
    for _ in 0..TABS {
        tabs.push(Tab::open(&server, &admin).await);
    }
    assert_eq!(
        push.refreshers(),
        1,
        "one refresher for all of a user's tabs"
    );

    // Twelve tabs over about ten intervals: about ten container lists, not 120; and no
    // push, as nothing changed.
    let lists = || sim.request_count_where("pve", |path| path.ends_with("/lxc"));
    let before = lists();
    assert_eq!(
        tabs[0].next_change(INTERVAL * 10).await,
        None,
        "nothing changed"
    );
    let asked = lists() - before;
    assert!(
        (5..=12).contains(&asked),
        "{asked} container lists for {TABS} tabs in 10 intervals"
    );

    // A container starts (from this dashboard, another, the Proxmox UI): every tab hears.
    power(containers[0], "start").await;
    for tab in &mut tabs {
        assert!(
            tab.next_change(Duration::from_secs(10)).await.is_some(),
            "a tab heard of the start"
        );
    }

    // The last tab closing ends the refresher.
    tabs.truncate(1);
    assert_eq!(push.refreshers(), 1);
    drop(tabs);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while push.refreshers() > 0 {
        assert!(std::time::Instant::now() < deadline, "the refresher stayed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn only_a_signed_in_user_gets_a_stream() {
    let server = support::server().await;
    let refused = server.get("/api/dashboard/events", None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert_eq!(server.state.backend.dashboard_push.refreshers(), 0);
}
