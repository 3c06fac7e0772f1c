//! The dashboard at fleet size, paged on the server: 3 simulated nodes with 180
//! containers, 50 rows a page. Search, sort and counts cover the whole fleet; the URL
//! (`?page=`) is the state, without JavaScript; every page comes from one container list
//! per node.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use axum::http::StatusCode;
use model::inventory::{Dashboard, PAGE_SIZE};
use pve_sim::{SimConfig, Simulator};
use support::{TestServer, form, node_form, server};

const CONTAINERS: usize = 180;

async fn fleet() -> (Simulator, TestServer, String) {
    let sim = Simulator::start(SimConfig {
        nodes: 3,
        containers: CONTAINERS,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let server = server().await;
    let admin = server.setup_admin().await;
    for node in sim.node_names() {
        let created = server
            .post(
                "/api/nodes/create",
                &form(&node_form(&sim, &node, &node)),
                Some(&admin),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    }
    (sim, server, admin)
}

/// The VMIDs of the rows on a rendered page, in order.
fn vmids(html: &str) -> Vec<u32> {
    html.split("<tr data-vmid=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().parse().unwrap())
        .collect()
}

/// The page at `url`, without Leptos's hydration markers (`<!>`).
async fn render(server: &TestServer, admin: &str, url: &str) -> String {
    let page = server.get(url, Some(admin)).await;
    assert_eq!(page.status, StatusCode::OK, "{url}");
    page.body.replace("<!>", "")
}

/// The pager above the table, for messages.
fn pager(html: &str) -> &str {
    let start = html.find("data-testid=\"pager-above\"").unwrap_or(0);
    &html[start..html.len().min(start + 1500)]
}

fn container_lists(sim: &Simulator) -> u64 {
    sim.node_names()
        .iter()
        .map(|node| sim.request_count_where(node, |path| path.ends_with("/lxc")))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_cover_the_sorted_fleet_once_with_counts_over_all_of_it() {
    let (sim, server, admin) = fleet().await;
    let lists_before = container_lists(&sim);

    let html = render(&server, &admin, "/?sort=vmid").await;
    assert_eq!(vmids(&html).len(), PAGE_SIZE, "one page of rows");
    assert!(html.contains("Showing 1–50 of 180"), "{}", pager(&html));
    assert!(
        html.contains("<dt>Containers</dt><dd>180</dd>"),
        "the summary counts the fleet"
    );
    assert!(
        html.contains(r#"href="/?q=&amp;sort=vmid&amp;page=2" rel="next""#),
        "{}",
        pager(&html)
    );
    assert!(
        html.contains(r#"data-testid="pager-below""#),
        "a pager under the table too"
    );

    // Every page, then one past the end: each VMID exactly once, in order.
    let mut seen = Vec::new();
    for page in 1..=4 {
        let html = render(&server, &admin, &format!("/?sort=vmid&page={page}")).await;
        assert!(
            html.contains(&format!("value=\"{page}\"")),
            "page {page} is marked: {}",
            pager(&html)
        );
        seen.extend(vmids(&html));
    }
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(seen, sorted, "ascending VMIDs, none twice");
    assert_eq!(seen.len(), CONTAINERS, "every container on some page");
    let past = render(&server, &admin, "/?sort=vmid&page=99").await;
    assert_eq!(vmids(&past), seen[150..], "past the end: the last page");
    assert!(past.contains("Showing 151–180 of 180"), "{}", pager(&past));
    let junk = render(&server, &admin, "/?sort=vmid&page=abc").await;
    assert_eq!(vmids(&junk), seen[..50], "not a number: the first page");

    // Reversed order: the first page holds the largest VMIDs of the whole fleet.
    let reversed = render(&server, &admin, "/?sort=-vmid").await;
    let mut largest: Vec<u32> = seen[130..].to_vec();
    largest.reverse();
    assert_eq!(vmids(&reversed), largest);

    // All of that came from one container list per node (the inventory's cache).
    assert_eq!(container_lists(&sim) - lists_before, 3, "one list per node");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_pages_its_matches_and_says_how_many_of_all() {
    let (sim, server, admin) = fleet().await;
    let on_pve2 = sim.vmids_on("pve2").len();
    assert!(on_pve2 > PAGE_SIZE, "the search needs two pages: {on_pve2}");

    let html = render(&server, &admin, "/?q=node:pve2&sort=vmid").await;
    assert!(
        html.contains(&format!("Showing 1–50 of {on_pve2} matching (180 in all)")),
        "{}",
        pager(&html)
    );
    assert!(
        html.contains(r#"href="/?q=node%3Apve2&amp;sort=vmid&amp;page=2""#),
        "{}",
        pager(&html)
    );
    // The page-number form keeps the search and the sort (no JavaScript needed).
    assert!(
        html.contains(r#"<input type="hidden" name="q" value="node:pve2""#),
        "{}",
        pager(&html)
    );

    // The hydrated page asks the server function for a page: the same slice as JSON.
    let answer = server
        .post(
            "/api/inventory/dashboard",
            "search=node%3Apve2&sort=vmid&page=2",
            Some(&admin),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let dashboard: Dashboard = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(dashboard.paging.page, 2);
    assert_eq!(dashboard.paging.matched, on_pve2);
    assert_eq!(dashboard.containers.len(), on_pve2 - PAGE_SIZE);
    assert!(dashboard.containers.iter().all(|c| c.pve_node == "pve2"));
    assert_eq!(dashboard.total, CONTAINERS, "the counts cover the fleet");
    assert_eq!(dashboard.running + dashboard.stopped, CONTAINERS);

    // A search that matches nothing says so (no pager).
    let none = render(&server, &admin, "/?q=no-such-name").await;
    assert!(none.contains("Nothing matches this search."));
    assert!(!none.contains("data-testid=\"pager-above\""));
}
