//! Keeping discoveries fresh in the background: every minute, the discoveries older than
//! the configured age (default 15 minutes) are read again, oldest first, a bounded batch
//! per round and at most a few at a time per node, so that no node is flooded. A container
//! that cannot be read (stopped, node down) keeps its last result with the error; it is
//! tried again only once the error is as old as the age.

use std::collections::BTreeMap;
use std::time::Duration;

use model::ids::{NodeId, UserId, Vmid};
use surrealdb::types::SurrealValue;
use tokio::task::JoinSet;

use crate::Backend;
use crate::accounts;
use crate::error::ServiceResult;
use crate::store::record_id;

/// How the background refresh runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// A discovery older than this is read again.
    pub max_age: Duration,
    /// Containers read at the same time on one node.
    pub per_node: usize,
    /// Containers read per round at most.
    pub batch: usize,
    /// Time between rounds.
    pub every: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            max_age: Duration::from_secs(15 * 60),
            per_node: 2,
            batch: 50,
            every: Duration::from_secs(60),
        }
    }
}

/// Runs rounds until the task is aborted.
pub fn spawn(backend: Backend, policy: RefreshPolicy) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(policy.every).await;
            match refresh_stale(&backend, &policy).await {
                Ok(0) => {}
                Ok(count) => tracing::debug!(count, "discoveries refreshed"),
                Err(error) => tracing::warn!(%error, "cannot refresh discoveries"),
            }
        }
    })
}

#[derive(Debug, SurrealValue)]
struct Stale {
    owner: String,
    node: String,
    vmid: i64,
    /// Only for the order (oldest first).
    #[allow(dead_code)]
    discovered_at: Option<String>,
}

/// One round: reads the stale discoveries again (a batch, oldest first, a few at a time
/// per node, nodes side by side); how many were read.
pub async fn refresh_stale(backend: &Backend, policy: &RefreshPolicy) -> ServiceResult<usize> {
    let stale: Vec<Stale> = backend
        .store
        .db()
        .query(
            "SELECT record::id(owner) AS owner, record::id(node) AS node, vmid,
                    IF discovered_at { time::format(discovered_at, '%Y-%m-%dT%H:%M:%SZ') }
                    ELSE { NONE } AS discovered_at
               FROM discovery
              WHERE (discovered_at = NONE OR discovered_at < time::now() - <duration> $age)
                AND (failed_at = NONE OR failed_at < time::now() - <duration> $age)
              ORDER BY discovered_at LIMIT $batch",
        )
        .bind(("age", format!("{}s", policy.max_age.as_secs())))
        .bind(("batch", i64::try_from(policy.batch).unwrap_or(i64::MAX)))
        .await?
        .check()?
        .take(0)?;
    let mut per_node: BTreeMap<String, Vec<(UserId, NodeId, Vmid)>> = BTreeMap::new();
    for row in stale {
        let (Ok(owner), Ok(node), Some(vmid)) = (
            record_id::<model::ids::UserTable>(&row.owner),
            record_id::<model::ids::NodeTable>(&row.node),
            u32::try_from(row.vmid).ok().and_then(Vmid::new),
        ) else {
            continue;
        };
        per_node
            .entry(row.node)
            .or_default()
            .push((owner, node, vmid));
    }
    let mut nodes = JoinSet::new();
    for (_, containers) in per_node {
        let backend = backend.clone();
        let width = policy.per_node.max(1);
        nodes.spawn(async move {
            let mut done = 0;
            for chunk in containers.chunks(width) {
                let mut reads = JoinSet::new();
                for (owner, node, vmid) in chunk.iter().cloned() {
                    let backend = backend.clone();
                    reads.spawn(async move { refresh_one(&backend, &owner, &node, vmid).await });
                }
                while let Some(read) = reads.join_next().await {
                    if matches!(read, Ok(true)) {
                        done += 1;
                    }
                }
            }
            done
        });
    }
    let mut total = 0;
    while let Some(done) = nodes.join_next().await {
        total += done.unwrap_or(0);
    }
    Ok(total)
}

/// Reads one container again for its owner; whether it was read (failures are kept on the
/// discovery by [`super::refresh`], and logged).
async fn refresh_one(backend: &Backend, owner: &UserId, node: &NodeId, vmid: Vmid) -> bool {
    let user = match accounts::find(backend, owner).await {
        Ok(Some(user)) if !user.disabled => user,
        _ => return false,
    };
    match Box::pin(super::refresh(backend, &user, node, vmid)).await {
        Ok(_) => true,
        Err(error) => {
            tracing::info!(%error, %node, %vmid, "background discovery failed");
            false
        }
    }
}
