//! What a node offers a new container: its OS templates (storages with `vztmpl`
//! content), the storages that can hold a root disk (`rootdir`) and its bridges.

use std::time::Duration;

use model::ids::NodeId;
use model::provision::NodeOfferings;

use crate::Backend;
use crate::accounts::User;
use crate::error::ServiceResult;
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
