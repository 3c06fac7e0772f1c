//! Container logs on the simulator: a unit's journal and the whole container's, syslog's
//! `/var/log/messages` on Alpine (no journal there), names checked before anything runs
//! (only discovered services, nothing a shell would read), another user's container not
//! found, and following: new lines arrive, and the command ends when the reader goes or
//! the container stops.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod support;

use std::time::Duration;

use backend::ServiceError;
use backend::container_logs::{self, FOLLOW_BUFFER};
use backend::discovery;
use backend::ssh::FollowEnd;
use model::ids::Vmid;
use model::job::JobState;
use model::logs::LogQuery;
use pve_sim::Speed;
use support::lab::{Lab, lab};
use tokio::sync::mpsc;

fn query(unit: Option<&str>, lines: u32) -> LogQuery {
    LogQuery {
        unit: unit.map(str::to_owned),
        lines,
    }
}

/// A running Debian container with its services discovered.
async fn discovered(lab: &Lab) -> Vmid {
    let vmid = Vmid::new(lab.running_debian()).unwrap();
    discovery::refresh(&lab.backend, &lab.admin, &lab.node_id, vmid)
        .await
        .unwrap();
    vmid
}

#[tokio::test]
async fn a_units_journal_and_the_whole_containers_are_read() {
    let lab = lab(Speed::Instant).await;
    let vmid = discovered(&lab).await;
    let read = |q: LogQuery| {
        let lab = &lab;
        async move { container_logs::read(&lab.backend, &lab.admin, &lab.node_id, vmid, &q).await }
    };
    let nginx = read(query(Some("nginx"), 200)).await.unwrap();
    assert_eq!(nginx.source, "journal");
    assert!(
        nginx
            .lines
            .iter()
            .any(|l| l.contains("Started nginx.service")),
        "{:?}",
        nginx.lines
    );
    assert!(
        nginx.lines.iter().all(|l| !l.contains("cron")),
        "only nginx's"
    );
    assert!(nginx.units.contains(&"nginx".to_owned()) && nginx.units.contains(&"cron".to_owned()));
    // short-iso: `2026-12-01T18:00:00+0000 web-01 systemd[1]: …`
    assert!(
        nginx.lines[0].split(' ').next().unwrap().contains('T'),
        "{}",
        nginx.lines[0]
    );
    let one = read(query(Some("nginx"), 1)).await.unwrap();
    assert_eq!(one.lines.len(), 1);
    assert_eq!(one.lines[0], *nginx.lines.last().unwrap(), "the newest");
    let whole = read(query(None, 200)).await.unwrap();
    assert!(
        whole.lines.iter().any(|l| l.contains("nginx"))
            && whole.lines.iter().any(|l| l.contains("cron"))
    );

    // Refused before anything runs: a service discovery did not find, another user.
    let unknown = read(query(Some("apache2"), 200)).await;
    assert!(
        matches!(&unknown, Err(ServiceError::Validation(e)) if e.field == "unit"),
        "{unknown:?}"
    );
    let bob = support::user(&lab.backend, &lab.admin, "bob").await;
    assert!(matches!(
        container_logs::read(
            &lab.backend,
            &bob,
            &lab.node_id,
            vmid,
            &query(Some("nginx"), 10)
        )
        .await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        container_logs::follower(&lab.backend, &bob, &lab.node_id, vmid, &query(None, 10)).await,
        Err(ServiceError::NotFound)
    ));
}

#[tokio::test]
async fn alpine_logs_come_from_syslog() {
    let lab = lab(Speed::Instant).await;
    let _runner = lab.runner("r1");
    let mut form = lab.form(161);
    form.ostemplate = "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz".into();
    let (_, job) = lab.run(&form).await;
    assert_eq!(job.state, JobState::Succeeded, "{:?}", job.error);
    lab.on_node(
        "pct exec 161 -- sh -c 'apk add nginx >/dev/null && rc-service nginx start >/dev/null'",
    )
    .await;
    let vmid = Vmid::new(161).unwrap();
    discovery::refresh(&lab.backend, &lab.admin, &lab.node_id, vmid)
        .await
        .unwrap();
    let nginx = container_logs::read(
        &lab.backend,
        &lab.admin,
        &lab.node_id,
        vmid,
        &query(Some("nginx"), 50),
    )
    .await
    .unwrap();
    assert_eq!(nginx.source, "/var/log/messages");
    assert!(!nginx.lines.is_empty());
    assert!(
        nginx
            .lines
            .iter()
            .all(|l| model::logs::syslog_line_of(l, "nginx")),
        "{:?}",
        nginx.lines
    );
    let whole = container_logs::read(
        &lab.backend,
        &lab.admin,
        &lab.node_id,
        vmid,
        &query(None, 50),
    )
    .await
    .unwrap();
    assert!(
        whole.lines.iter().any(|l| l.contains("crond")),
        "{:?}",
        whole.lines
    );
}

/// Restarts nginx until a line about it arrives (the follow may not listen yet).
async fn nudge_until_a_line(lab: &Lab, vmid: Vmid, lines: &mut mpsc::Receiver<String>) -> String {
    for _ in 0..20 {
        lab.on_node(&format!("pct exec {vmid} -- systemctl restart nginx"))
            .await;
        if let Ok(Some(line)) = tokio::time::timeout(Duration::from_millis(500), lines.recv()).await
        {
            return line;
        }
    }
    panic!("no line followed");
}

/// Starts following `unit`'s log (the whole container's for `None`): the running follow
/// and its lines.
async fn start_following(
    lab: &Lab,
    vmid: Vmid,
    unit: Option<&str>,
) -> (
    tokio::task::JoinHandle<Result<FollowEnd, ServiceError>>,
    mpsc::Receiver<String>,
) {
    let follower = container_logs::follower(
        &lab.backend,
        &lab.admin,
        &lab.node_id,
        vmid,
        &query(unit, 10),
    )
    .await
    .unwrap();
    let (sink, lines) = mpsc::channel(FOLLOW_BUFFER);
    let backend = lab.backend.clone();
    (
        tokio::spawn(async move { follower.run(&backend, sink).await }),
        lines,
    )
}

#[tokio::test]
async fn following_streams_new_lines_until_the_reader_goes_or_the_container_stops() {
    let lab = lab(Speed::Instant).await;
    let vmid = discovered(&lab).await;
    let (following, mut lines) = start_following(&lab, vmid, Some("nginx")).await;
    let line = nudge_until_a_line(&lab, vmid, &mut lines).await;
    assert!(line.contains("nginx.service"), "{line}");
    drop(lines);
    let end = tokio::time::timeout(Duration::from_secs(10), following)
        .await
        .expect("the follow ends once nobody reads")
        .unwrap()
        .unwrap();
    assert_eq!(end, FollowEnd::ReceiverGone);

    // The whole container's journal, until the container stops.
    let (following, mut lines) = start_following(&lab, vmid, None).await;
    nudge_until_a_line(&lab, vmid, &mut lines).await;
    backend::lifecycle::run(
        &lab.backend,
        &lab.admin,
        &lab.node_id,
        vmid,
        backend::lifecycle::Action::power(model::container::PowerAction::Stop, None, false),
        None,
    )
    .await
    .unwrap();
    let end = tokio::time::timeout(Duration::from_secs(10), following)
        .await
        .expect("the follow ends with its container")
        .unwrap()
        .unwrap();
    assert!(matches!(end, FollowEnd::Exited(_)), "{end:?}");
}

#[tokio::test]
async fn a_follow_left_open_ends_by_itself() {
    let lab = lab(Speed::Instant).await;
    let vmid = lab.running_debian();
    let (_, access) = backend::nodes::access(&lab.backend, &lab.admin, &lab.node_id)
        .await
        .unwrap();
    let session = lab.backend.ssh.session(&access.ssh_target()).await.unwrap();
    let (sink, _reader) = mpsc::channel(FOLLOW_BUFFER);
    // The reader stays, nothing is written: the limit ends it (30 minutes in Corral).
    let end = tokio::time::timeout(
        Duration::from_secs(10),
        session.follow(
            &format!("pct exec {vmid} -- journalctl -f -u nginx"),
            Duration::from_millis(500),
            &sink,
        ),
    )
    .await
    .expect("ends at its limit")
    .unwrap();
    assert_eq!(end, FollowEnd::LimitReached);
    // The session is still good for the next command.
    assert!(lab.on_node("true").await.is_empty());
}
