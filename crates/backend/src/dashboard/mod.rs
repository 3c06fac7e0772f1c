//! The dashboard's one answer: every container of the user's nodes that matches the
//! search (its services from the last discovery included), sorted, the counts over all of
//! them, each node's health, and the user's jobs that have not ended; and its pushes
//! to open tabs ([`push`]).
//!
//! The rows, services and backup ages come shared from their caches; search and sort run
//! over references to them, and only the page's rows are copied.

pub mod push;

use std::collections::HashMap;
use std::sync::Arc;

use model::ids::NodeId;
use model::inventory::{
    BackupAge, ContainerRow, Dashboard, FleetRow, NodeOutcome, PAGE_SIZE, Paging, Search, SortKey,
};
use model::job::JobView;

use crate::Backend;
use crate::accounts::User;
use crate::backup_ages::Newest;
use crate::discovery::rows::{RowServices, ServicesByNode};
use crate::error::ServiceResult;
use crate::inventory::NodeRows;
use crate::{backup_ages, discovery, inventory, jobs, nodes};

/// Page `page` (from 1; past the end: the last) of the containers matching `search`
/// (`status:running node:pve tag:web svc:nginx words`), sorted by `sort` (`name`, `-cpu`,
/// …; anything else is by node). Search, sort and totals cover the whole fleet; only the
/// page's rows are sent.
pub async fn query(
    backend: &Backend,
    user: &User,
    search: &str,
    sort: &str,
    page: usize,
) -> ServiceResult<Dashboard> {
    let fleet = Fleet::read(backend, user, std::time::Duration::MAX).await?;
    Ok(fleet.page(search, sort, page, PAGE_SIZE))
}

/// Every container of the user's nodes with its services and backup age, each node's
/// outcome, and the user's jobs that have not ended.
struct Fleet {
    nodes: Vec<NodeOutcome>,
    /// Each node's rows, in the order of `nodes`.
    rows: Vec<NodeRows>,
    services: Arc<ServicesByNode>,
    backups: HashMap<NodeId, Arc<Newest>>,
    /// When the backup ages are counted from (Unix seconds).
    now: u64,
    jobs: Vec<JobView>,
}

/// A container with what the dashboard joins to its row, borrowed from the caches.
struct Joined<'a> {
    row: &'a ContainerRow,
    services: Option<&'a RowServices>,
    backup_age: BackupAge,
}

impl FleetRow for Joined<'_> {
    fn row(&self) -> &ContainerRow {
        self.row
    }

    fn services(&self) -> &[String] {
        self.services.map_or(&[], |found| &found.names)
    }

    fn backup_age(&self) -> BackupAge {
        self.backup_age
    }
}

impl Joined<'_> {
    /// The row as sent, with its services and backup age.
    fn to_row(&self) -> ContainerRow {
        let mut row = self.row.clone();
        if let Some(found) = self.services {
            row.services = found.names.clone();
            row.web = found.links.clone();
        }
        row.backup_age = self.backup_age;
        row
    }
}

impl Fleet {
    /// The fleet with no node answer older than `max_age`.
    async fn read(
        backend: &Backend,
        user: &User,
        max_age: std::time::Duration,
    ) -> ServiceResult<Fleet> {
        // The node list is read while the jobs and services are.
        let from_nodes = async {
            let nodes = nodes::shared_accesses(backend, user).await?;
            let backups = backup_ages::of_nodes(backend, &nodes);
            let snapshot =
                inventory::of_nodes(backend, &nodes, inventory::DEFAULT_NODE_TIMEOUT, max_age)
                    .await;
            Ok((snapshot, backups))
        };
        let ((snapshot, backups), jobs, services) = tokio::try_join!(
            from_nodes,
            jobs::active(backend, user),
            discovery::rows::running_services(backend, user),
        )?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Ok(Fleet {
            nodes: snapshot.nodes,
            rows: snapshot.rows,
            services,
            backups,
            now,
            jobs,
        })
    }

    /// Every container with its services and backup age, node by node.
    fn joined(&self) -> Vec<Joined<'_>> {
        let mut all = Vec::with_capacity(self.rows.iter().map(|rows| rows.len()).sum());
        for (node, rows) in self.nodes.iter().zip(&self.rows) {
            let services = self.services.get(&node.node_id);
            let backups = self.backups.get(&node.node_id);
            all.extend(rows.iter().map(|row| {
                let vmid = row.vmid.get();
                Joined {
                    row,
                    services: services.and_then(|found| found.get(&vmid)),
                    backup_age: match backups {
                        None => BackupAge::Reading,
                        Some(newest) => newest.get(&vmid).map_or(BackupAge::Never, |at| {
                            BackupAge::Seconds(self.now.saturating_sub(*at))
                        }),
                    },
                }
            }));
        }
        all
    }

    /// One page of the rows matching `search`, sorted; the counts over the whole fleet.
    fn page(self, search: &str, sort: &str, page: usize, per_page: usize) -> Dashboard {
        let backup_ages_reading = self
            .nodes
            .iter()
            .filter(|node| !self.backups.contains_key(&node.node_id))
            .count();
        let all = self.joined();
        let total = all.len();
        let running = all.iter().filter(|c| c.row.status.is_running()).count();
        let search = Search::parse(search);
        let mut matching: Vec<_> = all.into_iter().filter(|c| search.matches(c)).collect();
        let (key, descending) = SortKey::parse(sort);
        key.sort(&mut matching, descending);
        let paging = Paging::new(page, matching.len(), per_page);
        let containers = matching[paging.range()]
            .iter()
            .map(Joined::to_row)
            .collect();
        Dashboard {
            nodes: self.nodes,
            containers,
            paging,
            total,
            running,
            stopped: total - running,
            jobs: self.jobs,
            backup_ages_reading,
            backup_search: search.backup.is_some(),
        }
    }
}
