//! The job history: newest first, filtered by state, node, template and day, a page at a
//! time; a user sees their own jobs, an administrator everyone's (and may open their
//! progress pages, not reveal their root passwords).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use backend::ServiceError;
use backend::jobs;
use model::job::{JobFilter, JobState};
use pve_sim::Speed;
use support::lab::lab;

fn filter(state: &str, node: &str, template: &str, from: &str, to: &str) -> JobFilter {
    JobFilter::parse(state, node, template, from, to, "").unwrap()
}

#[tokio::test]
async fn jobs_are_listed_newest_first_and_filtered() {
    let lab = lab(Speed::Instant).await;
    let _runner = lab.runner("r1");
    let (_, good) = lab.run(&lab.form(171)).await;
    assert_eq!(good.state, JobState::Succeeded);
    lab.sim.fail_next_task("pve", "simulated failure");
    let (_, bad) = lab.run(&lab.form(172)).await;
    assert_eq!(bad.state, JobState::Failed);
    let (backend, admin) = (&lab.backend, &lab.admin);

    let all = jobs::history(backend, admin, &filter("", "", "", "", ""))
        .await
        .unwrap();
    let vmids: Vec<u32> = all.rows.iter().map(|r| r.job.vmid.get()).collect();
    assert_eq!(vmids, [172, 171], "newest first");
    assert_eq!((all.total, all.page), (2, 1));
    assert_eq!(all.rows[0].owner, "admin");
    assert_eq!(all.nodes.len(), 1);

    let failed = jobs::history(backend, admin, &filter("failed", "", "", "", ""))
        .await
        .unwrap();
    assert_eq!(failed.rows.len(), 1);
    assert_eq!(failed.rows[0].job.vmid.get(), 172);
    let on_node = jobs::history(
        backend,
        admin,
        &filter("", lab.node_id.as_str(), "", "", ""),
    )
    .await
    .unwrap();
    assert_eq!(on_node.total, 2);
    let templated = jobs::history(backend, admin, &filter("", "", "nginx", "", ""))
        .await
        .unwrap();
    assert_eq!(templated.total, 0, "made from scratch");
    let today = model::time::rfc3339(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )[..10]
        .to_owned();
    let since_today = jobs::history(backend, admin, &filter("", "", "", &today, &today))
        .await
        .unwrap();
    assert_eq!(since_today.total, 2);
    let long_ago = jobs::history(
        backend,
        admin,
        &filter("", "", "", "2020-01-01", "2020-12-31"),
    )
    .await
    .unwrap();
    assert_eq!(long_ago.total, 0);

    // A plain user sees only their own; an administrator sees theirs and may open them.
    let bob = support::user(backend, admin, "bob").await;
    let own = jobs::history(backend, &bob, &filter("", "", "", "", ""))
        .await
        .unwrap();
    assert!(own.rows.is_empty() && !own.everyone);
    assert!(matches!(
        jobs::get(backend, &bob, &good.id).await,
        Err(ServiceError::NotFound)
    ));
    let promoted = backend::accounts::User {
        is_admin: true,
        ..bob.clone()
    };
    let everyone = jobs::history(backend, &promoted, &filter("", "", "", "", ""))
        .await
        .unwrap();
    assert_eq!(everyone.total, 2);
    assert!(everyone.everyone);
    assert_eq!(
        jobs::get(backend, &promoted, &good.id)
            .await
            .unwrap()
            .vmid
            .get(),
        171
    );
    assert!(matches!(
        jobs::reveal_root_password(backend, &promoted, &good.id).await,
        Err(ServiceError::NotFound)
    ));
}
