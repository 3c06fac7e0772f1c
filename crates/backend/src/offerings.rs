//! What a node offers a new container: its OS templates (storages with `vztmpl`
//! content), the storages that can hold a root disk (`rootdir`), its bridges, and the
//! next free VMID.

use std::time::Duration;

use model::ids::{NodeId, Vmid};
use model::provision::NodeOfferings;

use crate::Backend;
use crate::accounts::User;
use crate::error::{ServiceError, ServiceResult};
use crate::inventory::DEFAULT_NODE_TIMEOUT;
use crate::nodes;

/// What the user's node `node_id` offers the wizard.
pub async fn of_node(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
) -> ServiceResult<NodeOfferings> {
    let (view, access) = nodes::access(backend, user, node_id).await?;
    let client = access.client(Duration::from_secs(10))?;
    let upstream = |e: pve::PveError| access.upstream(&e);
    let node = view.pve_node.as_str();
    let (template_stores, disk_stores, bridges) = tokio::try_join!(
        async {
            client
                .storages(node, Some("vztmpl"))
                .await
                .map_err(upstream)
        },
        async {
            client
                .storages(node, Some("rootdir"))
                .await
                .map_err(upstream)
        },
        async { client.bridges(node).await.map_err(upstream) },
    )?;
    let mut templates = Vec::new();
    for store in template_stores.iter().filter(|s| s.enabled && s.active) {
        let items = client
            .storage_content(node, &store.storage, Some("vztmpl"))
            .await
            .map_err(upstream)?;
        templates.extend(items.into_iter().map(|item| item.volid));
    }
    templates.sort();
    Ok(NodeOfferings {
        templates,
        storages: disk_stores
            .into_iter()
            .filter(|s| s.enabled && s.active)
            .map(|s| s.storage)
            .collect(),
        bridges: bridges.into_iter().map(|b| b.iface).collect(),
    })
}

/// VMIDs tried at most when looking for a free one.
const MAX_VMID_TRIES: u32 = 64;

/// The VMID a new container on the user's node `node_id` should start with: Proxmox's
/// lowest free id (`GET /cluster/nextid`), skipping ids that queued or running jobs on
/// that node have claimed (Proxmox does not know them yet).
pub async fn next_free_vmid(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
) -> ServiceResult<Vmid> {
    let (_, access) = nodes::access(backend, user, node_id).await?;
    let claimed: Vec<i64> = backend
        .store
        .db()
        .query(
            "SELECT VALUE vmid FROM job WHERE node = type::record('node', $node)
               AND state IN ['queued', 'running']",
        )
        .bind(("node", node_id.to_string()))
        .await?
        .check()?
        .take(0)?;
    let client = access.client(DEFAULT_NODE_TIMEOUT)?;
    let upstream = |e: &pve::PveError| access.upstream(e);
    let mut candidate = client.next_id(None).await.map_err(|e| upstream(&e))?;
    let first = candidate;
    for _ in 0..MAX_VMID_TRIES {
        if claimed.contains(&i64::from(candidate)) {
            candidate += 1;
            continue;
        }
        if candidate != first {
            match client.next_id(Some(candidate)).await {
                Ok(_) => {}
                Err(pve::PveError::Parameters { .. }) => {
                    candidate += 1;
                    continue;
                }
                Err(error) => return Err(upstream(&error)),
            }
        }
        return Vmid::new(candidate)
            .ok_or_else(|| ServiceError::Internal(format!("{candidate} is no VMID")));
    }
    Err(ServiceError::Conflict(format!(
        "no free VMID found after {first} (tried {MAX_VMID_TRIES}); type one"
    )))
}
