//! What the dashboard shows of discoveries: each container's own running services and
//! their web UIs. Read from the database at most once per [`FRESHNESS`] per user, and
//! again at once after this process wrote a discovery; a 5,000-container dashboard does
//! not parse 5,000 stored discoveries per page.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use model::ids::{NodeId, UserId};
use model::service::{Service, ServiceLink, ServiceStatus};
use surrealdb::types::SurrealValue;

use crate::Backend;
use crate::accounts::User;
use crate::error::ServiceResult;

/// How long a user's services are reused; a discovery written by another process shows
/// after at most this long.
pub const FRESHNESS: Duration = Duration::from_secs(5);

/// A container's own running services and their web UIs, for its dashboard row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowServices {
    pub names: Vec<String>,
    pub links: Vec<ServiceLink>,
}

/// Services by node and VMID.
pub type ServicesByNode = HashMap<NodeId, HashMap<u32, RowServices>>;

/// Each user's last read; cheap to clone.
#[derive(Clone, Default)]
pub struct RowServicesCache {
    read: Arc<Mutex<HashMap<UserId, Kept>>>,
    /// Counts discovery writes in this process: a read from before one is read again.
    writes: Arc<AtomicU64>,
}

struct Kept {
    at: Instant,
    writes: u64,
    services: Arc<ServicesByNode>,
}

impl RowServicesCache {
    /// Called after a discovery was written. (Deleting a node or an account deletes its
    /// discoveries too; its rows leave the dashboard with the node, so nothing stale shows.)
    pub fn changed(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
    }

    fn read(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Kept>> {
        self.read.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Every container's own running services (system ones left out) and their web UIs, by
/// node id and VMID: from the cache, or one query over the user's discoveries.
pub async fn running_services(
    backend: &Backend,
    user: &User,
) -> ServiceResult<Arc<ServicesByNode>> {
    let cache = &backend.row_services;
    let writes = cache.writes.load(Ordering::SeqCst);
    if let Some(kept) = cache.read().get(&user.id)
        && kept.writes == writes
        && kept.at.elapsed() < FRESHNESS
    {
        return Ok(kept.services.clone());
    }
    let services = Arc::new(query(backend, user).await?);
    let mut read = cache.read();
    // Users who left no longer hold memory.
    read.retain(|_, kept| kept.at.elapsed() < FRESHNESS);
    read.insert(
        user.id.clone(),
        Kept {
            at: Instant::now(),
            writes,
            services: services.clone(),
        },
    );
    Ok(services)
}

async fn query(backend: &Backend, user: &User) -> ServiceResult<ServicesByNode> {
    #[derive(SurrealValue)]
    struct Row {
        node: String,
        vmid: i64,
        services: String,
    }
    let rows: Vec<Row> = backend
        .store
        .db()
        .query(
            "SELECT record::id(node) AS node, vmid, services FROM discovery
              WHERE owner = type::record('user', $owner)",
        )
        .bind(("owner", user.id.to_string()))
        .await?
        .check()?
        .take(0)?;
    let mut by_node = ServicesByNode::new();
    for row in rows {
        let (Ok(node), Ok(vmid)) = (row.node.parse::<NodeId>(), u32::try_from(row.vmid)) else {
            continue;
        };
        let Ok(services) = serde_json::from_str::<Vec<Service>>(&row.services) else {
            continue;
        };
        by_node
            .entry(node)
            .or_default()
            .insert(vmid, shown(services));
    }
    Ok(by_node)
}

/// The running, non-system services of one discovery and their web UIs.
fn shown(services: Vec<Service>) -> RowServices {
    let mut found = RowServices::default();
    for service in services
        .into_iter()
        .filter(|s| !s.is_system && s.status == ServiceStatus::Running)
    {
        found
            .links
            .extend(service.web.iter().map(|link| ServiceLink {
                service: service.name.clone(),
                link: link.clone(),
            }));
        found.names.push(service.name);
    }
    found
}
