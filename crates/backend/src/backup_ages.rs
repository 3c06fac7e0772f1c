//! How old each container's newest backup is, for the dashboard: per node, the content of
//! every storage holding backups is read at most once per [`FRESHNESS`] (one reader at a
//! time, whoever asks), always in the background: the dashboard never waits for it (a
//! node's first read takes two round trips after its container list, and a hung backup
//! storage up to [`TIMEOUT`]) and shows "reading…" until the first answer is in. A node
//! that cannot be read keeps its last answer; the dashboard never fails for this.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use model::ids::NodeId;
use model::node::NodeView;

use crate::Backend;
use crate::nodes::NodeAccess;

/// How long one node's answer is reused.
pub const FRESHNESS: Duration = Duration::from_secs(60);
/// How long reading one node may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Newest backup time (Unix seconds) by VMID.
pub type Newest = HashMap<u32, u64>;

/// One node's last answer, and the lock its reader holds.
#[derive(Default)]
struct NodeAges {
    last: Mutex<Option<(Instant, Arc<Newest>)>>,
    /// Held while the node is read: one reader per node, whoever asks.
    reading: tokio::sync::Mutex<()>,
}

type Slot = Arc<NodeAges>;

/// The per-node answers; cheap to clone.
#[derive(Clone)]
pub struct BackupAges {
    slots: Arc<Mutex<HashMap<NodeId, Slot>>>,
    freshness: Duration,
}

impl Default for BackupAges {
    fn default() -> Self {
        BackupAges::new(FRESHNESS)
    }
}

impl BackupAges {
    /// Answers read again once they are `freshness` old.
    pub fn new(freshness: Duration) -> BackupAges {
        BackupAges {
            slots: Arc::default(),
            freshness,
        }
    }

    fn slot(&self, node_id: &NodeId) -> Slot {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(node_id.clone())
            .or_default()
            .clone()
    }

    /// Forgets a node's answer (a backup was made, restored or deleted there): the next
    /// dashboard reads it again and shows "reading…" meanwhile.
    pub fn forget(&self, node_id: &NodeId) {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(node_id);
    }
}

impl NodeAges {
    fn last(&self) -> Option<(Instant, Arc<Newest>)> {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reads the node (the caller holds `reading`); a node that cannot be read keeps its
    /// last answer until the next try.
    async fn refresh(&self, access: &NodeAccess, pve_node: &str) -> Arc<Newest> {
        let read = read(access, pve_node).await.map(Arc::new);
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let kept = last.take().map(|(_, newest)| newest);
        let newest = read.or(kept).unwrap_or_default();
        *last = Some((Instant::now(), newest.clone()));
        newest
    }
}

/// Every backup storage's content, the storages asked at the same time.
async fn read(access: &NodeAccess, pve_node: &str) -> Option<Newest> {
    let client = access.client(TIMEOUT).ok()?;
    let reading = async {
        let storages = client.storages(pve_node, Some("backup")).await.ok()?;
        let contents = futures_util::future::join_all(
            storages
                .iter()
                .map(|storage| client.backups(pve_node, &storage.storage, None)),
        )
        .await;
        let mut newest = Newest::new();
        for item in contents
            .into_iter()
            .map(Result::ok)
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .flatten()
        {
            let (Some(vmid), Some(ctime)) = (item.vmid, item.ctime) else {
                continue;
            };
            if let Ok(vmid) = u32::try_from(vmid) {
                let seen = newest.entry(vmid).or_insert(ctime);
                *seen = (*seen).max(ctime);
            }
        }
        Some(newest)
    };
    tokio::time::timeout(TIMEOUT, reading).await.ok().flatten()
}

/// The newest backup time of every container on `nodes` known now, by node id and VMID;
/// a node missing from the answer is still being read. Never waits: a node never read
/// (or forgotten after a backup), or whose answer is older than [`FRESHNESS`] (or the
/// freshness [`BackupAges::new`] was given), is read in the background, and an old
/// answer is shown meanwhile.
pub fn of_nodes(
    backend: &Backend,
    nodes: &[(NodeView, NodeAccess)],
) -> HashMap<NodeId, Arc<Newest>> {
    let mut known = HashMap::new();
    for (view, access) in nodes {
        let slot = backend.backup_ages.slot(&view.id);
        let last = slot.last();
        if let Some((_, newest)) = &last {
            known.insert(view.id.clone(), newest.clone());
        }
        let due = last.is_none_or(|(at, _)| at.elapsed() >= backend.backup_ages.freshness);
        if due && slot.reading.try_lock().is_ok() {
            let (access, pve_node) = (access.clone(), view.pve_node.clone());
            tokio::spawn(async move {
                // Whoever gets the lock reads; a reader already at work is enough.
                if let Ok(_reading) = slot.reading.try_lock() {
                    slot.refresh(&access, &pve_node).await;
                }
            });
        }
    }
    known
}
