//! The inventory: every container on every one of a user's nodes, fetched in parallel,
//! each node with its own timeout, so one slow or offline node never holds up the others.
//!
//! Each node's answer is kept for a few seconds and shared by all requests (all tabs of
//! all users see the same node record only if they own it; node ids are unique). While
//! one request is fetching a node, others for the same node wait for that answer instead
//! of asking Proxmox again (single flight): N tabs cause one Proxmox request per node per
//! interval, not N.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use model::inventory::{ContainerRow, NodeHealth, NodeOutcome};
use model::node::NodeView;
use pve::{LxcEntry, PveError};

use crate::Backend;
use crate::accounts::User;
use crate::error::ServiceResult;
use crate::nodes::{self, NodeAccess};

/// How long a node's answer is reused.
pub const DEFAULT_FRESHNESS: Duration = Duration::from_secs(4);
/// How long one node may take before it is reported as timed out.
pub const DEFAULT_NODE_TIMEOUT: Duration = Duration::from_secs(5);

/// The per-node caches; cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Inventory {
    slots: Arc<Mutex<HashMap<String, Arc<Slot>>>>,
    freshness: Duration,
}

impl Default for Inventory {
    fn default() -> Self {
        Inventory::new(DEFAULT_FRESHNESS)
    }
}

/// One node's client and last answer. The async mutex is the single flight: whoever
/// holds it is fetching, the others wait and then read the fresh answer.
#[derive(Default)]
struct Slot {
    state: tokio::sync::Mutex<SlotState>,
}

#[derive(Default)]
struct SlotState {
    /// The client, reused across intervals (one TLS connection), with what it was made for.
    client: Option<(String, pve::Client)>,
    last: Option<(Instant, Answer)>,
}

#[derive(Clone)]
struct Answer {
    health: NodeHealth,
    message: Option<String>,
    containers: Vec<LxcEntry>,
}

/// Everything the dashboard shows: each node's outcome and all containers found.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub nodes: Vec<NodeOutcome>,
    pub containers: Vec<ContainerRow>,
}

fn classify(error: &PveError) -> NodeHealth {
    match error {
        PveError::Network { .. } | PveError::NodeUnreachable { .. } => NodeHealth::Unreachable,
        PveError::TlsMismatch { .. } => NodeHealth::TlsMismatch,
        PveError::Unauthorized { .. } => NodeHealth::TokenRejected,
        PveError::Timeout { .. } => NodeHealth::Timeout,
        _ => NodeHealth::Error,
    }
}

fn client_key(access: &NodeAccess) -> String {
    format!(
        "{}:{}|{}|{}",
        access.host, access.port, access.tls_fingerprint, access.token_id
    )
}

impl Inventory {
    /// Caches that reuse an answer for `freshness`.
    pub fn new(freshness: Duration) -> Inventory {
        Inventory {
            slots: Arc::default(),
            freshness,
        }
    }

    /// Drops what is known about a node (after its credentials or pins changed).
    pub fn forget(&self, node_id: &str) {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(node_id);
    }

    fn slot(&self, node_id: &str) -> Arc<Slot> {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(node_id.to_owned())
            .or_default()
            .clone()
    }

    /// One node's answer: fresh from the cache, or fetched (once, whoever asks).
    async fn node(
        &self,
        view: &NodeView,
        access: &NodeAccess,
        timeout: Duration,
    ) -> (Answer, Duration) {
        let slot = self.slot(&view.id);
        let mut state = slot.state.lock().await;
        if let Some((at, answer)) = &state.last
            && at.elapsed() < self.freshness
        {
            return (answer.clone(), at.elapsed());
        }
        let key = client_key(access);
        let client = match &state.client {
            Some((made_for, client)) if *made_for == key => Ok(client.clone()),
            _ => access.client(timeout).inspect(|client| {
                state.client = Some((key, client.clone()));
            }),
        };
        let answer = match client {
            Err(error) => Answer {
                health: NodeHealth::Error,
                message: Some(error.to_string()),
                containers: Vec::new(),
            },
            Ok(client) => {
                match tokio::time::timeout(timeout, client.lxc_list(&view.pve_node)).await {
                    Ok(Ok(containers)) => Answer {
                        health: NodeHealth::Ok,
                        message: None,
                        containers,
                    },
                    Ok(Err(error)) => Answer {
                        health: classify(&error),
                        message: Some(error.to_string()),
                        containers: Vec::new(),
                    },
                    Err(_) => Answer {
                        health: NodeHealth::Timeout,
                        message: Some(format!("no answer within {} s", timeout.as_secs_f64())),
                        containers: Vec::new(),
                    },
                }
            }
        };
        state.last = Some((Instant::now(), answer.clone()));
        (answer, Duration::ZERO)
    }
}

/// Whether `vmid` is free for a new container on the user's node `node_id`. A VMID seen in
/// the node's cached inventory is taken at once; otherwise Proxmox decides
/// (`GET /cluster/nextid?vmid=…`, cluster-wide), so a stale cache never says "free" wrongly.
pub async fn is_vmid_free(
    backend: &Backend,
    user: &User,
    node_id: &str,
    vmid: u32,
) -> ServiceResult<bool> {
    if !(100..=999_999_999).contains(&vmid) {
        return Err(crate::ServiceError::field(
            "vmid",
            "a VMID is 100 to 999999999",
        ));
    }
    let (_, access) = nodes::access(backend, user, node_id).await?;
    let slot = backend.inventory.slot(node_id);
    if let Some((_, answer)) = &slot.state.lock().await.last
        && answer.containers.iter().any(|c| c.vmid == vmid)
    {
        return Ok(false);
    }
    let client = access.client(DEFAULT_NODE_TIMEOUT)?;
    match client.next_id(Some(vmid)).await {
        Ok(_) => Ok(true),
        Err(PveError::Parameters { .. }) => Ok(false),
        Err(error) => Err(access.upstream(&error)),
    }
}

fn row(view: &NodeView, entry: &LxcEntry) -> ContainerRow {
    ContainerRow {
        node_id: view.id.clone(),
        node_name: view.name.clone(),
        pve_node: view.pve_node.clone(),
        vmid: entry.vmid,
        name: entry.name.clone(),
        status: entry.status.clone(),
        cpu: entry.cpu,
        cpus: entry.cpus,
        mem: entry.mem,
        maxmem: entry.maxmem,
        disk: entry.disk,
        maxdisk: entry.maxdisk,
        uptime: entry.uptime,
        tags: entry.tags.clone(),
        lock: entry.lock.clone(),
    }
}

/// Every container on every node of `user`, each node fetched in parallel with its own
/// `timeout`; failing nodes are reported, the others' containers kept. Nodes keep their
/// list order (default first); containers are sorted by node, then VMID.
pub async fn for_user(
    backend: &Backend,
    user: &User,
    timeout: Duration,
) -> ServiceResult<Snapshot> {
    let nodes = nodes::accesses(backend, user).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for (index, (view, access)) in nodes.into_iter().enumerate() {
        let inventory = backend.inventory.clone();
        tasks.spawn(async move {
            let (answer, age) = inventory.node(&view, &access, timeout).await;
            (index, view, answer, age)
        });
    }
    let mut answers = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(answer) => answers.push(answer),
            Err(error) => tracing::error!(%error, "inventory task failed"),
        }
    }
    answers.sort_by_key(|(index, ..)| *index);
    let mut snapshot = Snapshot {
        nodes: Vec::new(),
        containers: Vec::new(),
    };
    for (_, view, answer, age) in answers {
        snapshot.containers.extend(
            answer
                .containers
                .iter()
                .filter(|e| !e.template)
                .map(|e| row(&view, e)),
        );
        snapshot.nodes.push(NodeOutcome {
            node_id: view.id.clone(),
            node_name: view.name.clone(),
            demo: view.demo,
            health: answer.health,
            message: answer.message,
            age_ms: u64::try_from(age.as_millis()).unwrap_or(u64::MAX),
        });
    }
    Ok(snapshot)
}
