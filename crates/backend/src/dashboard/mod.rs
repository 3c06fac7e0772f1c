//! The dashboard's one answer: every container of the user's nodes that matches the
//! search (its services from the last discovery included), sorted, the counts over all of
//! them, each node's health, and the user's jobs that have not ended; and its pushes
//! to open tabs ([`push`]).

pub mod push;

use model::inventory::{Dashboard, Search, SortKey};

use crate::Backend;
use crate::accounts::User;
use crate::error::ServiceResult;
use crate::{backup_ages, discovery, inventory, jobs};

/// The dashboard for `search` (`status:running node:pve tag:web svc:nginx words`) sorted by `sort`
/// (`name`, `-cpu`, …; anything else is by node). The totals count every container,
/// before the search.
pub async fn query(
    backend: &Backend,
    user: &User,
    search: &str,
    sort: &str,
) -> ServiceResult<Dashboard> {
    query_within(backend, user, search, sort, std::time::Duration::MAX).await
}

/// As [`query`], with no node answer older than `max_age`.
async fn query_within(
    backend: &Backend,
    user: &User,
    search: &str,
    sort: &str,
    max_age: std::time::Duration,
) -> ServiceResult<Dashboard> {
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
        row.backup_age_s = backups
            .get(&(row.node_id.to_string(), row.vmid.get()))
            .map(|at| now.saturating_sub(*at));
        if let Some(found) = services.get(&(row.node_id.to_string(), row.vmid.get())) {
            row.services = found.names.clone();
            row.web = found.links.clone();
        }
    }
    let total = snapshot.containers.len();
    let running = snapshot
        .containers
        .iter()
        .filter(|c| c.status.is_running())
        .count();
    let search = Search::parse(search);
    let mut containers: Vec<_> = snapshot
        .containers
        .into_iter()
        .filter(|c| search.matches(c))
        .collect();
    let (key, descending) = SortKey::parse(sort);
    key.sort(&mut containers, descending);
    Ok(Dashboard {
        nodes: snapshot.nodes,
        containers,
        total,
        running,
        stopped: total - running,
        jobs,
    })
}
