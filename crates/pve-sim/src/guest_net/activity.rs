//! Services that log while they run: every [`crate::SimConfig::journal_activity`], each
//! running container's cron (and Grafana, where it runs) writes the line the real daemon
//! writes on its schedule, so `journalctl -f` (or `/var/log/messages` on Alpine, which has
//! no journal) grows over time. Lines go where the modelled tools keep them.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use crate::Sim;
use crate::disk::GUEST_ROOT_ID;
use crate::model::{civil, unix_now};

/// Starts the ticker when the simulator's configuration asks for one; it ends with the
/// simulator.
pub(crate) fn spawn(sim: &Arc<Sim>) {
    let Some(every) = sim.config.journal_activity.filter(|d| !d.is_zero()) else {
        return;
    };
    let weak = Arc::downgrade(sim);
    let mut stopped = sim.stopped.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.tick().await;
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stopped.changed() => return,
            }
            let Some(sim) = weak.upgrade() else { return };
            tick(&sim);
        }
    });
}

/// One round: a line from each running, logging service of each running container.
fn tick(sim: &Sim) {
    let guests: Vec<(std::path::PathBuf, String)> = {
        let cluster = sim.cluster();
        cluster
            .containers
            .values()
            .filter(|ct| ct.running && cluster.disk.is_made(ct.vmid))
            .map(|ct| (cluster.disk.rootfs(ct.vmid), ct.name()))
            .collect()
    };
    let shifted = sim.cluster().disk.shifted();
    let now = unix_now();
    for (root, hostname) in guests {
        let alpine = std::fs::read_to_string(root.join("etc/os-release"))
            .is_ok_and(|text| text.lines().any(|l| l == "ID=alpine"));
        for (unit, ident, message) in lines(&root, alpine, now) {
            let written = if alpine {
                let line = format!(
                    "{} {hostname} cron.info {ident}: {message}\n",
                    syslog_time(now)
                );
                append(&root.join("var/log/messages"), &line, shifted)
            } else {
                let line = format!("{now}\t{ident}\t{message}\n");
                append(
                    &root.join("var/lib/pve-sim/journal").join(&unit),
                    &line,
                    shifted,
                )
            };
            if let Err(error) = written {
                tracing::debug!(%error, unit, "a service's log line could not be written");
            }
        }
    }
}

/// The lines due now: (unit, identifier, message) of each running service that logs.
fn lines(root: &Path, alpine: bool, now: u64) -> Vec<(String, String, String)> {
    let services = root.join("var/lib/pve-sim/services");
    let running = |name: &str| {
        std::fs::read_to_string(services.join(name)).is_ok_and(|text| {
            text.lines()
                .any(|l| l == "ACTIVE=active" || l == "ACTIVE='active'")
        })
    };
    let pid = 1000 + (now % 30_000);
    let mut due = Vec::new();
    if running("cron") {
        due.push((
            "cron".to_owned(),
            format!("CRON[{pid}]"),
            "(root) CMD (cd / && run-parts --report /etc/cron.hourly)".to_owned(),
        ));
    }
    if running("crond") {
        let message = if alpine {
            format!("USER root pid {pid} cmd run-parts /etc/periodic/15min")
        } else {
            "(root) CMD (run-parts /etc/cron.hourly)".to_owned()
        };
        let ident = if alpine { "crond" } else { "CROND" };
        due.push(("crond".to_owned(), format!("{ident}[{pid}]"), message));
    }
    if running("grafana-server") {
        due.push((
            "grafana-server".to_owned(),
            "grafana[412]".to_owned(),
            format!(
                "logger=cleanup t={} level=info msg=\"Completed cleanup jobs\" duration=3.1ms",
                iso_time(now)
            ),
        ));
    }
    due
}

/// Appends `line`; a file made here belongs to the container's root, as one the guest
/// wrote would.
fn append(path: &Path, line: &str, shifted: bool) -> std::io::Result<()> {
    let existed = path.exists();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(line.as_bytes())?;
    if !existed && shifted {
        std::os::unix::fs::chown(path, Some(GUEST_ROOT_ID), Some(GUEST_ROOT_ID))?;
    }
    Ok(())
}

/// `Dec  1 18:00:00`, as syslog stamps a line.
pub(crate) fn syslog_time(epoch: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (_, month, day, h, m, s) = civil(epoch);
    format!(
        "{} {day:>2} {h:02}:{m:02}:{s:02}",
        MONTHS[(month - 1) as usize]
    )
}

/// `2026-12-01T18:00:00Z`.
fn iso_time(epoch: u64) -> String {
    let (y, mo, d, h, m, s) = civil(epoch);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_syslog_and_iso() {
        // 2026-12-01T18:05:09Z
        let epoch = 1_796_148_309;
        assert_eq!(iso_time(epoch), "2026-12-01T18:05:09Z");
        assert_eq!(syslog_time(epoch), "Dec  1 18:05:09");
        assert_eq!(iso_time(951_782_400), "2000-02-29T00:00:00Z");
    }
}
