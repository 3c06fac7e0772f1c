//! The dashboard's data: every container of every node, and how each node answered.

use serde::{Deserialize, Serialize};

use crate::container::LxcStatus;
use crate::ids::{NodeId, Vmid};

/// How a node answered the inventory request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeHealth {
    Ok,
    /// Connection refused, DNS failure, or the cluster could not reach it (595).
    Unreachable,
    /// The node presented another certificate than the pinned one.
    TlsMismatch,
    /// The API token was refused (revoked, expired, wrong).
    TokenRejected,
    /// No answer within the per-node timeout.
    Timeout,
    /// Anything else; the message says what.
    Error,
}

impl NodeHealth {
    /// Words for the banner.
    pub fn describe(self) -> &'static str {
        match self {
            NodeHealth::Ok => "ok",
            NodeHealth::Unreachable => "unreachable",
            NodeHealth::TlsMismatch => "TLS certificate changed",
            NodeHealth::TokenRejected => "API token rejected",
            NodeHealth::Timeout => "timed out",
            NodeHealth::Error => "error",
        }
    }
}

/// One container as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerRow {
    pub node_id: NodeId,
    /// The node's display name.
    pub node_name: String,
    /// The Proxmox node name (API paths).
    pub pve_node: String,
    pub vmid: Vmid,
    /// The hostname; `None` when Proxmox has none.
    pub name: Option<String>,
    pub status: LxcStatus,
    /// CPU use as a fraction of all its cores (0..1).
    pub cpu: f64,
    pub cpus: f64,
    pub mem: u64,
    pub maxmem: u64,
    pub disk: u64,
    pub maxdisk: u64,
    pub uptime: u64,
    pub tags: Vec<String>,
    /// Set while Proxmox holds a lock (create, backup, …).
    pub lock: Option<String>,
    /// IPv4 addresses reported by the running container, once known.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Its own running services (system ones left out), from its last discovery.
    #[serde(default)]
    pub services: Vec<String>,
    /// Their web UIs, from the same discovery.
    #[serde(default)]
    pub web: Vec<crate::service::ServiceLink>,
    /// How old its newest backup on any backup storage of its node is.
    #[serde(default)]
    pub backup_age: BackupAge,
}

/// How old a container's newest backup is, as far as the dashboard knows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BackupAge {
    /// Its node's backup storages are still being read (the first page after start-up, or
    /// after a backup through Corral): the page does not wait for them.
    #[default]
    Reading,
    /// No backup of it on any backup storage of its node.
    Never,
    /// Seconds since its newest backup.
    Seconds(u64),
}

/// How one node answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeOutcome {
    pub node_id: NodeId,
    pub node_name: String,
    pub demo: bool,
    pub health: NodeHealth,
    /// What went wrong, in Proxmox's or the network's words.
    pub message: Option<String>,
    /// How long ago (ms) the data was fetched (it may come from the short cache).
    pub age_ms: u64,
}

/// A dashboard search: `status:running node:pve1 tag:web svc:nginx web`, as typed in the box and
/// kept in the URL. Words without a qualifier match the name, the VMID, a tag or the
/// start of an address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// `status:` names a status; an unknown word matches nothing.
    pub status: Option<String>,
    pub node: Option<String>,
    pub tags: Vec<String>,
    /// `svc:nginx`: a running service whose name contains it.
    pub services: Vec<String>,
    /// `backup:none` or `backup:>7d`.
    pub backup: Option<BackupFilter>,
    pub words: Vec<String>,
}

/// The `backup:` qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupFilter {
    /// `backup:none`: never backed up.
    None,
    /// `backup:>7d` (also `h`, `m`): no backup newer than this many seconds.
    OlderThan(u64),
}

impl BackupFilter {
    fn parse(value: &str) -> Option<BackupFilter> {
        if value == "none" {
            return Some(BackupFilter::None);
        }
        let amount = value.strip_prefix('>')?;
        let (digits, unit) = amount.split_at(amount.len().checked_sub(1)?);
        let count: u64 = digits.parse().ok()?;
        let seconds = match unit {
            "d" => 86_400,
            "h" => 3_600,
            "m" => 60,
            _ => return None,
        };
        Some(BackupFilter::OlderThan(count.saturating_mul(seconds)))
    }

    /// Whether a container with this backup age matches; one whose age is still being
    /// read matches neither (the page says that ages are being read).
    fn matches(self, age: BackupAge) -> bool {
        match (self, age) {
            (_, BackupAge::Reading) => false,
            (BackupFilter::None, age) => age == BackupAge::Never,
            (BackupFilter::OlderThan(_), BackupAge::Never) => true,
            (BackupFilter::OlderThan(limit), BackupAge::Seconds(age)) => age > limit,
        }
    }
}

impl Search {
    /// Reads the search text; unknown qualifiers are treated as plain words.
    pub fn parse(text: &str) -> Search {
        let mut search = Search::default();
        for term in text.split_whitespace() {
            let lower = term.to_lowercase();
            match lower.split_once(':') {
                Some(("status", value)) if !value.is_empty() => {
                    search.status = Some(value.to_owned())
                }
                Some(("node", value)) if !value.is_empty() => search.node = Some(value.to_owned()),
                Some(("tag", value)) if !value.is_empty() => search.tags.push(value.to_owned()),
                Some(("svc", value)) if !value.is_empty() => search.services.push(value.to_owned()),
                Some(("backup", value)) if BackupFilter::parse(value).is_some() => {
                    search.backup = BackupFilter::parse(value);
                }
                _ => search.words.push(lower),
            }
        }
        search
    }

    /// Whether a container matches every part of the search.
    pub fn matches<R: FleetRow + ?Sized>(&self, item: &R) -> bool {
        let row = item.row();
        let status_ok = self
            .status
            .as_deref()
            .is_none_or(|s| row.status.as_str().eq_ignore_ascii_case(s));
        let node_ok = self.node.as_deref().is_none_or(|n| {
            row.pve_node.eq_ignore_ascii_case(n) || row.node_name.eq_ignore_ascii_case(n)
        });
        let tags_ok = self
            .tags
            .iter()
            .all(|t| row.tags.iter().any(|have| have.eq_ignore_ascii_case(t)));
        let words_ok = self.words.is_empty() || {
            let name = row.name.as_deref().unwrap_or_default().to_lowercase();
            let vmid = row.vmid.to_string();
            self.words.iter().all(|w| {
                name.contains(w.as_str())
                    || vmid == *w
                    || row
                        .tags
                        .iter()
                        .any(|t| t.to_lowercase().contains(w.as_str()))
                    || row.addresses.iter().any(|a| a.starts_with(w.as_str()))
            })
        };
        let services_ok = self.services.iter().all(|wanted| {
            item.services()
                .iter()
                .any(|s| s.to_lowercase().contains(wanted.as_str()))
        });
        let backup_ok = self.backup.is_none_or(|b| b.matches(item.backup_age()));
        status_ok && node_ok && tags_ok && services_ok && backup_ok && words_ok
    }
}

/// What search and sort read of a container: its row, and its services and backup age
/// (the dashboard joins those to cached rows without copying them).
pub trait FleetRow {
    fn row(&self) -> &ContainerRow;

    fn services(&self) -> &[String] {
        &self.row().services
    }

    fn backup_age(&self) -> BackupAge {
        self.row().backup_age
    }
}

impl FleetRow for ContainerRow {
    fn row(&self) -> &ContainerRow {
        self
    }
}

impl<R: FleetRow + ?Sized> FleetRow for &R {
    fn row(&self) -> &ContainerRow {
        (**self).row()
    }

    fn services(&self) -> &[String] {
        (**self).services()
    }

    fn backup_age(&self) -> BackupAge {
        (**self).backup_age()
    }
}

/// The dashboard's sort orders (`?sort=…`); `-` in front reverses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Vmid,
    Node,
    Status,
    Cpu,
    Memory,
    Disk,
    Uptime,
}

impl SortKey {
    /// Every key with its URL word.
    pub const ALL: [(SortKey, &'static str); 8] = [
        (SortKey::Name, "name"),
        (SortKey::Vmid, "vmid"),
        (SortKey::Node, "node"),
        (SortKey::Status, "status"),
        (SortKey::Cpu, "cpu"),
        (SortKey::Memory, "memory"),
        (SortKey::Disk, "disk"),
        (SortKey::Uptime, "uptime"),
    ];

    /// `name`, `-cpu`, …; anything else is (Node, ascending).
    pub fn parse(text: &str) -> (SortKey, bool) {
        let (descending, word) = match text.strip_prefix('-') {
            Some(word) => (true, word),
            None => (false, text),
        };
        SortKey::ALL
            .iter()
            .find(|(_, w)| *w == word)
            .map_or((SortKey::Node, false), |(key, _)| (*key, descending))
    }

    /// Sorts rows in place; ties fall back to node, then VMID.
    pub fn sort<R: FleetRow>(self, rows: &mut [R], descending: bool) {
        use std::cmp::Ordering;
        let fraction = |used: u64, max: u64| {
            if max == 0 {
                0.0
            } else {
                used as f64 / max as f64
            }
        };
        rows.sort_by(|a, b| {
            let (a, b) = (a.row(), b.row());
            let primary = match self {
                SortKey::Name => a
                    .name
                    .as_deref()
                    .unwrap_or_default()
                    .cmp(b.name.as_deref().unwrap_or_default()),
                SortKey::Vmid => a.vmid.cmp(&b.vmid),
                SortKey::Node => Ordering::Equal,
                SortKey::Status => a.status.as_str().cmp(b.status.as_str()),
                SortKey::Cpu => a.cpu.total_cmp(&b.cpu),
                SortKey::Memory => fraction(a.mem, a.maxmem).total_cmp(&fraction(b.mem, b.maxmem)),
                SortKey::Disk => {
                    fraction(a.disk, a.maxdisk).total_cmp(&fraction(b.disk, b.maxdisk))
                }
                SortKey::Uptime => a.uptime.cmp(&b.uptime),
            };
            let primary = if descending {
                primary.reverse()
            } else {
                primary
            };
            primary
                .then_with(|| a.node_name.cmp(&b.node_name))
                .then_with(|| a.vmid.cmp(&b.vmid))
        });
    }
}

/// Rows on one dashboard page.
pub const PAGE_SIZE: usize = 50;

/// Which slice of the matching containers a dashboard page shows (`?page=`, from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paging {
    /// This page, from 1; never past the last one.
    pub page: usize,
    /// Pages in all (at least 1, even when nothing matches).
    pub pages: usize,
    /// Containers matching the search, on every page.
    pub matched: usize,
    pub per_page: usize,
}

impl Paging {
    /// The page `wanted` of `matched` rows; a page past the end shows the last one.
    pub fn new(wanted: usize, matched: usize, per_page: usize) -> Paging {
        let per_page = per_page.max(1);
        let pages = matched.div_ceil(per_page).max(1);
        Paging {
            page: wanted.clamp(1, pages),
            pages,
            matched,
            per_page,
        }
    }

    /// `?page=` as typed: anything but a positive number is the first page.
    pub fn parse_page(text: &str) -> usize {
        text.trim().parse::<usize>().map_or(1, |page| page.max(1))
    }

    /// Indexes of this page's rows among the matching ones.
    pub fn range(&self) -> std::ops::Range<usize> {
        let start = (self.page - 1) * self.per_page;
        start.min(self.matched)..(start + self.per_page).min(self.matched)
    }
}

/// What the dashboard page needs in one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub nodes: Vec<NodeOutcome>,
    /// This page of the containers that match the search, sorted.
    pub containers: Vec<ContainerRow>,
    /// Where this page is among all matching containers.
    pub paging: Paging,
    /// Before filtering.
    pub total: usize,
    pub running: usize,
    pub stopped: usize,
    /// The user's provisioning jobs that have not ended.
    #[serde(default)]
    pub jobs: Vec<crate::job::JobView>,
    /// Nodes whose backup ages are still being read (their rows say so).
    #[serde(default)]
    pub backup_ages_reading: usize,
    /// The search has a `backup:` qualifier, which rows still being read match not yet.
    /// (The page says so; the browser need not parse searches itself.)
    #[serde(default)]
    pub backup_search: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        vmid: u32,
        name: &str,
        status: &str,
        node: &str,
        tags: &[&str],
        cpu: f64,
    ) -> ContainerRow {
        ContainerRow {
            node_id: NodeId::parse(node).unwrap(),
            node_name: node.into(),
            pve_node: node.into(),
            vmid: Vmid::new(vmid).unwrap(),
            name: Some(name.into()),
            status: LxcStatus::parse(status),
            cpu,
            cpus: 1.0,
            mem: 0,
            maxmem: 0,
            disk: 0,
            maxdisk: 0,
            uptime: 0,
            tags: tags.iter().map(|t| (*t).into()).collect(),
            lock: None,
            addresses: vec![format!("10.0.0.{}", vmid - 100)],
            services: if vmid == 100 {
                vec!["nginx".into()]
            } else {
                Vec::new()
            },
            web: Vec::new(),
            backup_age: match vmid {
                101 => BackupAge::Seconds(10 * 86_400),
                104 => BackupAge::Reading,
                _ => BackupAge::Never,
            },
        }
    }

    #[test]
    fn qualifiers_and_words_combine() {
        let rows = [
            row(100, "web-1", "running", "pve", &["web"], 0.2),
            row(101, "db-1", "stopped", "pve", &["db"], 0.0),
            row(102, "web-2", "stopped", "pve2", &["web", "edge"], 0.0),
            row(104, "cache", "running", "pve3", &[], 0.0),
        ];
        let hits = |text: &str| -> Vec<u32> {
            let search = Search::parse(text);
            rows.iter()
                .filter(|r| search.matches(r))
                .map(|r| r.vmid.get())
                .collect()
        };
        assert_eq!(hits(""), [100, 101, 102, 104]);
        assert_eq!(hits("status:stopped node:pve"), [101]);
        assert_eq!(hits("svc:ngi"), [100]);
        assert!(hits("svc:postgres").is_empty());
        assert_eq!(hits("tag:web"), [100, 102]);
        assert_eq!(hits("Tag:WEB tag:edge"), [102]);
        assert_eq!(hits("web"), [100, 102]);
        assert_eq!(hits("101"), [101]);
        assert_eq!(hits("10.0.0.2"), [102], "the start of an address");
        assert_eq!(hits("status:paused"), Vec::<u32>::new());
        // 101's newest backup is 10 days old; 104's node is still being read (it
        // matches no backup search); the others have none.
        assert_eq!(hits("backup:none"), [100, 102]);
        assert_eq!(hits("backup:>7d"), [100, 101, 102]);
        assert_eq!(hits("backup:>11d"), [100, 102]);
        assert_eq!(
            hits("backup:>240h"),
            [100, 102],
            "exactly 10 days is not older"
        );
        assert_eq!(
            hits("colour:red"),
            Vec::<u32>::new(),
            "unknown qualifiers are words"
        );
    }

    #[test]
    fn sorting_is_stable_and_reversible() {
        let mut rows = vec![
            row(101, "b", "running", "pve", &[], 0.5),
            row(100, "a", "running", "pve", &[], 0.1),
            row(102, "c", "stopped", "pve2", &[], 0.9),
        ];
        let (key, descending) = SortKey::parse("-cpu");
        key.sort(&mut rows, descending);
        assert_eq!(
            rows.iter().map(|r| r.vmid.get()).collect::<Vec<_>>(),
            [102, 101, 100]
        );
        let (key, descending) = SortKey::parse("bogus");
        assert_eq!((key, descending), (SortKey::Node, false));
        key.sort(&mut rows, descending);
        assert_eq!(
            rows.iter().map(|r| r.vmid.get()).collect::<Vec<_>>(),
            [100, 101, 102]
        );
    }

    #[test]
    fn paging_clamps_and_slices() {
        let paging = Paging::new(2, 120, 50);
        assert_eq!((paging.page, paging.pages), (2, 3));
        assert_eq!(paging.range(), 50..100);
        assert_eq!(
            Paging::new(3, 120, 50).range(),
            100..120,
            "the last page is short"
        );
        assert_eq!(
            Paging::new(9, 120, 50).page,
            3,
            "past the end: the last page"
        );
        assert_eq!(Paging::new(0, 120, 50).page, 1);
        let empty = Paging::new(4, 0, 50);
        assert_eq!((empty.page, empty.pages, empty.range()), (1, 1, 0..0));
        assert_eq!(Paging::new(1, 50, 50).pages, 1, "exactly one full page");
        for (text, page) in [
            ("3", 3),
            ("0", 1),
            ("-2", 1),
            ("abc", 1),
            ("", 1),
            (" 7 ", 7),
        ] {
            assert_eq!(Paging::parse_page(text), page, "{text:?}");
        }
    }
}
