//! What the dashboard shows of discoveries: each container's own running services and
//! their web UIs. Read from the database at most once per [`FRESHNESS`] per user, and
//! again at once after this process wrote a discovery ([`PerUser`]); a 5,000-container
//! dashboard does not parse 5,000 stored discoveries per page.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use model::ids::NodeId;
use model::service::{Service, ServiceLink, ServiceStatus};
use surrealdb::types::SurrealValue;

use crate::Backend;
use crate::accounts::User;
use crate::error::ServiceResult;
use crate::per_user::PerUser;

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

/// Each user's services as the dashboard shows them; [`PerUser::changed`] after a
/// discovery was written. (Deleting a node or an account deletes its discoveries too; its
/// rows leave the dashboard with the node, so nothing stale shows.)
pub type RowServicesCache = PerUser<ServicesByNode>;

/// Every container's own running services (system ones left out) and their web UIs, by
/// node id and VMID: kept, or one query over the user's discoveries.
pub async fn running_services(
    backend: &Backend,
    user: &User,
) -> ServiceResult<Arc<ServicesByNode>> {
    backend
        .row_services
        .get(&user.id, || query(backend, user))
        .await
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
