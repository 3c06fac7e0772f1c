//! How old each container's newest backup is, for the dashboard: per node, the content of
//! every storage holding backups is read at most once per [`FRESHNESS`] (one caller
//! reads, the others wait for its answer), whoever asks. A node that cannot be read keeps
//! its last answer; the dashboard never fails for this.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use model::ids::NodeId;

use crate::Backend;
use crate::accounts::User;
use crate::error::ServiceResult;
use crate::nodes::{self, NodeAccess};

/// How long one node's answer is reused.
pub const FRESHNESS: Duration = Duration::from_secs(60);
/// How long reading one node may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Newest backup time (Unix seconds) by VMID.
type Newest = HashMap<u32, u64>;

/// One node's last answer, behind the lock its readers queue on.
type Slot = Arc<tokio::sync::Mutex<Option<(Instant, Newest)>>>;

/// The per-node answers; cheap to clone.
#[derive(Clone, Default)]
pub struct BackupAges {
    slots: Arc<Mutex<HashMap<NodeId, Slot>>>,
}

impl BackupAges {
    fn slot(&self, node_id: &NodeId) -> Slot {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(node_id.clone())
            .or_default()
            .clone()
    }

    /// Forgets a node's answer (a backup was made, restored or deleted there).
    pub fn forget(&self, node_id: &NodeId) {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(node_id);
    }
}

async fn read(access: &NodeAccess, pve_node: &str) -> Option<Newest> {
    let client = access.client(TIMEOUT).ok()?;
    let reading = async {
        let mut newest = Newest::new();
        for storage in client.storages(pve_node, Some("backup")).await.ok()? {
            for item in client
                .backups(pve_node, &storage.storage, None)
                .await
                .ok()?
            {
                let (Some(vmid), Some(ctime)) = (item.vmid, item.ctime) else {
                    continue;
                };
                if let Ok(vmid) = u32::try_from(vmid) {
                    let seen = newest.entry(vmid).or_insert(ctime);
                    *seen = (*seen).max(ctime);
                }
            }
        }
        Some(newest)
    };
    tokio::time::timeout(TIMEOUT, reading).await.ok().flatten()
}

/// The newest backup time of every container on the user's nodes, by node id and VMID.
pub async fn newest(backend: &Backend, user: &User) -> ServiceResult<HashMap<(String, u32), u64>> {
    let mut tasks = tokio::task::JoinSet::new();
    for (view, access) in nodes::accesses(backend, user).await? {
        let slot = backend.backup_ages.slot(&view.id);
        tasks.spawn(async move {
            let mut answer = slot.lock().await;
            let fresh = answer
                .as_ref()
                .is_some_and(|(at, _)| at.elapsed() < FRESHNESS);
            if !fresh {
                // A node that cannot be read keeps its last answer until the next try.
                let read = read(&access, &view.pve_node).await;
                let kept = answer.take().map(|(_, newest)| newest);
                *answer = Some((Instant::now(), read.or(kept).unwrap_or_default()));
            }
            let newest = answer.as_ref().map(|(_, n)| n.clone()).unwrap_or_default();
            (view.id.to_string(), newest)
        });
    }
    let mut all = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((node, newest)) = joined {
            all.extend(
                newest
                    .into_iter()
                    .map(|(vmid, at)| ((node.clone(), vmid), at)),
            );
        }
    }
    Ok(all)
}
