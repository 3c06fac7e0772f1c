//! Resource history on the simulator: a running container's charts over an hour, a
//! stopped one's day with the gap since it stopped, peaks above averages, a node's
//! charts, and another user's container not found.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use backend::ServiceError;
use backend::history;
use model::history::{Consolidation, Timeframe};
use model::ids::Vmid;
use pve_sim::Speed;
use support::lab::lab;

#[tokio::test]
async fn charts_of_a_running_and_a_stopped_container_and_a_node() {
    let lab = lab(Speed::Instant).await;
    let (backend, admin, node) = (&lab.backend, &lab.admin, &lab.node_id);
    let running = Vmid::new(lab.running_debian()).unwrap();
    let hour = history::container(
        backend,
        admin,
        node,
        running,
        Timeframe::Hour,
        Consolidation::Average,
    )
    .await
    .unwrap();
    assert_eq!(hour.times.len(), 60);
    let titles: Vec<&str> = hour.charts.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["CPU", "Memory", "Network", "Disk I/O"]);
    let cpu = &hour.charts[0].series[0].values;
    assert!(cpu.last().unwrap().is_some(), "it runs now");
    assert!(hour.charts[1].ceiling.is_some(), "memory has its limit");

    let peaks = history::container(
        backend,
        admin,
        node,
        running,
        Timeframe::Hour,
        Consolidation::Max,
    )
    .await
    .unwrap();
    let last = |h: &model::history::History| {
        h.charts[0].series[0]
            .values
            .last()
            .copied()
            .flatten()
            .unwrap()
    };
    assert!(last(&peaks) >= last(&hour));

    // CT 103 stopped two hours ago after three days of running.
    let stopped = Vmid::new(103).unwrap();
    assert_eq!(lab.sim.container_state(103).map(|(_, up)| up), Some(false));
    let day = history::container(
        backend,
        admin,
        node,
        stopped,
        Timeframe::Day,
        Consolidation::Average,
    )
    .await
    .unwrap();
    let values = &day.charts[0].series[0].values;
    assert!(
        values[..values.len() - 180].iter().all(Option::is_some),
        "it ran then"
    );
    assert!(
        values[values.len() - 100..].iter().all(Option::is_none),
        "the gap since it stopped"
    );

    let host = history::node(backend, admin, node, Timeframe::Day, Consolidation::Average)
        .await
        .unwrap();
    assert_eq!(host.times.len(), 1440);
    assert_eq!(host.charts.len(), 4);
    assert!(
        host.charts
            .iter()
            .all(|c| c.series[0].values.iter().all(Option::is_some))
    );

    let bob = support::user(backend, admin, "bob").await;
    assert!(matches!(
        history::container(
            backend,
            &bob,
            node,
            running,
            Timeframe::Hour,
            Consolidation::Average
        )
        .await,
        Err(ServiceError::NotFound)
    ));
}
