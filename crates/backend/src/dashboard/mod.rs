//! The dashboard's one answer: every container of the user's nodes that matches the
//! search (its services from the last discovery included), sorted, the counts over all of
//! them, each node's health, and the user's jobs that have not ended; and its pushes
//! to open tabs ([`push`]).

pub mod push;

use model::inventory::{ContainerRow, Dashboard, NodeOutcome, PAGE_SIZE, Paging, Search, SortKey};
use model::job::JobView;

use crate::Backend;
use crate::accounts::User;
use crate::error::ServiceResult;
use crate::{backup_ages, discovery, inventory, jobs};

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
    containers: Vec<ContainerRow>,
    jobs: Vec<JobView>,
}

impl Fleet {
    /// The fleet with no node answer older than `max_age`.
    async fn read(
        backend: &Backend,
        user: &User,
        max_age: std::time::Duration,
    ) -> ServiceResult<Fleet> {
        let (mut snapshot, jobs, services, backups) = tokio::try_join!(
            inventory::for_user_within(backend, user, inventory::DEFAULT_NODE_TIMEOUT, max_age),
            jobs::active(backend, user),
            discovery::running_services(backend, user),
            backup_ages::newest(backend, user),
        )?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        for row in &mut snapshot.containers {
            let key = (row.node_id.to_string(), row.vmid.get());
            row.backup_age_s = backups.get(&key).map(|at| now.saturating_sub(*at));
            if let Some(found) = services.get(&key) {
                row.services = found.names.clone();
                row.web = found.links.clone();
            }
        }
        Ok(Fleet {
            nodes: snapshot.nodes,
            containers: snapshot.containers,
            jobs,
        })
    }

    /// One page of the rows matching `search`, sorted; the counts over the whole fleet.
    fn page(self, search: &str, sort: &str, page: usize, per_page: usize) -> Dashboard {
        let total = self.containers.len();
        let running = self
            .containers
            .iter()
            .filter(|c| c.status.is_running())
            .count();
        let search = Search::parse(search);
        let mut matching: Vec<_> = self
            .containers
            .into_iter()
            .filter(|c| search.matches(c))
            .collect();
        let (key, descending) = SortKey::parse(sort);
        key.sort(&mut matching, descending);
        let paging = Paging::new(page, matching.len(), per_page);
        let containers = matching.drain(paging.range()).collect();
        Dashboard {
            nodes: self.nodes,
            containers,
            paging,
            total,
            running,
            stopped: total - running,
            jobs: self.jobs,
        }
    }
}
