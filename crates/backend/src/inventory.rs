//! The inventory: every container on every one of a user's nodes, fetched in parallel,
//! each node with its own timeout, so one slow or offline node never holds up the others.
//!
//! Each node's answer is kept for a few seconds and shared by all requests (all tabs of
//! all users see the same node record only if they own it; node ids are unique). While
//! one request is fetching a node, others for the same node wait for that answer instead
//! of asking Proxmox again (single flight): N tabs cause one Proxmox request per node per
//! interval, not N.
//!
//! Addresses come from each running container's `/interfaces`, one request per container
//! per boot: they are learned in the background after a list arrives (the page never waits
//! for them) and shown from then on, so the steady state costs no extra requests.
//!
//! Each answer's rows are built once (again only when addresses were learned or the node
//! renamed) and shared: a dashboard over 5,000 containers copies none of them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use model::container::LxcStatus;
use model::ids::{NodeId, Vmid};
use model::inventory::{BackupAge, ContainerRow, NodeHealth, NodeOutcome};
use model::node::NodeView;
use pve::{LxcEntry, PveError};

use crate::Backend;
use crate::accounts::User;
use crate::error::{ServiceError, ServiceResult};
use crate::nodes::{self, NodeAccess};

/// How long a node's answer is reused.
pub const DEFAULT_FRESHNESS: Duration = Duration::from_secs(4);
/// How long one node may take before it is reported as timed out.
pub const DEFAULT_NODE_TIMEOUT: Duration = Duration::from_secs(5);
/// A running container without an address yet (DHCP still busy) is asked again after this.
const ADDRESS_RETRY: Duration = Duration::from_secs(15);
/// Addresses of a container that keeps running are checked again after this (a new lease).
const ADDRESS_REFRESH: Duration = Duration::from_secs(600);
/// Two boot times this close belong to the same boot (uptime is reported in whole
/// seconds and the list is read a little after Proxmox sampled it).
const SAME_BOOT: u64 = 5;
/// `/interfaces` requests in flight per node while addresses are learned.
const ADDRESS_FETCHES: usize = 4;

/// The per-node caches; cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Inventory {
    slots: Arc<Mutex<HashMap<NodeId, Arc<Slot>>>>,
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
    addresses: Mutex<Addresses>,
}

/// What is known about the addresses of a node's running containers.
#[derive(Default)]
struct Addresses {
    by_vmid: HashMap<u32, Learned>,
    /// Set while a background task is asking; one task per node at a time.
    learning: bool,
    /// Counts changes to `by_vmid`: rows built before a change are built again.
    version: u64,
}

/// A running container's IPv4 addresses as reported during one boot.
struct Learned {
    /// Seconds since the epoch when the container started (now − uptime).
    boot: u64,
    at: Instant,
    ipv4: Vec<String>,
}

impl Learned {
    fn same_boot(&self, boot: u64) -> bool {
        self.boot.abs_diff(boot) <= SAME_BOOT
    }

    /// Whether this is still the answer for a container that started at `boot`.
    fn current(&self, boot: u64) -> bool {
        let age_limit = if self.ipv4.is_empty() {
            ADDRESS_RETRY
        } else {
            ADDRESS_REFRESH
        };
        self.same_boot(boot) && self.at.elapsed() < age_limit
    }
}

fn boot_time(entry: &LxcEntry) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    now.saturating_sub(entry.uptime)
}

fn running(entry: &LxcEntry) -> bool {
    LxcStatus::parse(&entry.status).is_running() && !entry.template
}

#[derive(Default)]
struct SlotState {
    /// The client, reused across intervals (one TLS connection), with what it was made for.
    client: Option<(String, pve::Client)>,
    last: Option<(Instant, Answer)>,
    /// The last answer's rows, with what they were built from.
    rows: Option<BuiltRows>,
}

#[derive(Clone)]
struct Answer {
    health: NodeHealth,
    message: Option<String>,
    containers: Arc<[LxcEntry]>,
}

impl Answer {
    fn failed(health: NodeHealth, message: String) -> Answer {
        Answer {
            health,
            message: Some(message),
            containers: Arc::new([]),
        }
    }
}

/// Rows built from one answer, the addresses known then, and the node's names then.
struct BuiltRows {
    answered_at: Instant,
    addresses_version: u64,
    node: (String, String),
    rows: NodeRows,
}

/// One node's containers (templates left out) as dashboard rows, in its list's order;
/// shared, cheap to clone.
pub type NodeRows = Arc<[ContainerRow]>;

/// Everything the dashboard shows: each node's outcome and its containers.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub nodes: Vec<NodeOutcome>,
    /// Each node's rows, in the order of `nodes` (none for a node that failed).
    pub rows: Vec<NodeRows>,
}

impl Snapshot {
    /// Every container found, node by node.
    pub fn containers(&self) -> impl Iterator<Item = &ContainerRow> {
        self.rows.iter().flat_map(|rows| rows.iter())
    }
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
    pub fn forget(&self, node_id: &NodeId) {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(node_id);
    }

    fn slot(&self, node_id: &NodeId) -> Arc<Slot> {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(node_id.clone())
            .or_default()
            .clone()
    }

    /// One node's answer: fresh from the cache, or fetched (once, whoever asks), with its
    /// rows (the addresses known so far of its running containers included).
    async fn node(
        &self,
        view: &NodeView,
        access: &NodeAccess,
        timeout: Duration,
        max_age: Duration,
    ) -> (Answer, Duration, NodeRows) {
        let slot = self.slot(&view.id);
        let mut state = slot.state.lock().await;
        if let Some((at, answer)) = &state.last
            && at.elapsed() < self.freshness.min(max_age)
        {
            let (at, answer) = (*at, answer.clone());
            let rows = slot.rows(&mut state, view, at, &answer);
            return (answer, at.elapsed(), rows);
        }
        let key = client_key(access);
        let client = match &state.client {
            Some((made_for, client)) if *made_for == key => Ok(client.clone()),
            _ => access.client(timeout).inspect(|client| {
                state.client = Some((key, client.clone()));
            }),
        };
        let answer = match client {
            Err(error) => Answer::failed(NodeHealth::Error, error.to_string()),
            Ok(client) => {
                match tokio::time::timeout(timeout, client.lxc_list(&view.pve_node)).await {
                    Ok(Ok(containers)) => {
                        slot.learn_addresses(&client, &view.pve_node, &containers);
                        Answer {
                            health: NodeHealth::Ok,
                            message: None,
                            containers: containers.into(),
                        }
                    }
                    Ok(Err(error)) => Answer::failed(classify(&error), error.to_string()),
                    Err(_) => Answer::failed(
                        NodeHealth::Timeout,
                        format!("no answer within {} s", timeout.as_secs_f64()),
                    ),
                }
            }
        };
        let at = Instant::now();
        state.last = Some((at, answer.clone()));
        let rows = slot.rows(&mut state, view, at, &answer);
        (answer, Duration::ZERO, rows)
    }
}

impl Slot {
    fn addresses(&self) -> std::sync::MutexGuard<'_, Addresses> {
        self.addresses.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The rows of `answer` (given at `at`): those built before, unless addresses were
    /// learned or the node was renamed since.
    fn rows(
        &self,
        state: &mut SlotState,
        view: &NodeView,
        at: Instant,
        answer: &Answer,
    ) -> NodeRows {
        let addresses_version = self.addresses().version;
        let node = (view.name.clone(), view.pve_node.clone());
        if let Some(built) = &state.rows
            && built.answered_at == at
            && built.addresses_version == addresses_version
            && built.node == node
        {
            return built.rows.clone();
        }
        let known = self.known_addresses(&answer.containers);
        let rows: NodeRows = answer
            .containers
            .iter()
            .filter(|e| !e.template)
            .filter_map(|e| row(view, e, &known))
            .collect();
        state.rows = Some(BuiltRows {
            answered_at: at,
            addresses_version,
            node,
            rows: rows.clone(),
        });
        rows
    }

    /// The addresses learned during the current boot of each running container listed.
    fn known_addresses(&self, containers: &[LxcEntry]) -> HashMap<u32, Vec<String>> {
        let addresses = self.addresses();
        containers
            .iter()
            .filter(|entry| running(entry))
            .filter_map(|entry| {
                let learned = addresses.by_vmid.get(&entry.vmid)?;
                (learned.same_boot(boot_time(entry)) && !learned.ipv4.is_empty())
                    .then(|| (entry.vmid, learned.ipv4.clone()))
            })
            .collect()
    }

    /// Starts asking `/interfaces` of the running containers whose addresses are unknown
    /// for their current boot (or due for a check), unless that is already under way.
    /// Forgets containers that are gone or stopped.
    fn learn_addresses(self: &Arc<Self>, client: &pve::Client, pve_node: &str, list: &[LxcEntry]) {
        let wanted: Vec<(u32, u64)> = {
            let mut addresses = self.addresses();
            let before = addresses.by_vmid.len();
            addresses
                .by_vmid
                .retain(|vmid, _| list.iter().any(|e| e.vmid == *vmid && running(e)));
            if addresses.by_vmid.len() != before {
                addresses.version += 1;
            }
            if addresses.learning {
                return;
            }
            let wanted: Vec<(u32, u64)> = list
                .iter()
                .filter(|entry| running(entry))
                .map(|entry| (entry.vmid, boot_time(entry)))
                .filter(|(vmid, boot)| {
                    addresses
                        .by_vmid
                        .get(vmid)
                        .is_none_or(|learned| !learned.current(*boot))
                })
                .collect();
            addresses.learning = !wanted.is_empty();
            wanted
        };
        if wanted.is_empty() {
            return;
        }
        let (slot, client, pve_node) = (self.clone(), client.clone(), pve_node.to_owned());
        tokio::spawn(async move {
            let mut pending = wanted.into_iter();
            let mut asking = tokio::task::JoinSet::new();
            loop {
                while asking.len() < ADDRESS_FETCHES
                    && let Some((vmid, boot)) = pending.next()
                {
                    let (client, pve_node) = (client.clone(), pve_node.clone());
                    asking.spawn(async move {
                        let ipv4 = match client.lxc_interfaces(&pve_node, vmid).await {
                            Ok(interfaces) => ipv4_of(&interfaces.unwrap_or_default()),
                            Err(error) => {
                                tracing::debug!(%error, vmid, "interfaces unavailable");
                                Vec::new()
                            }
                        };
                        (vmid, boot, ipv4)
                    });
                }
                let Some(joined) = asking.join_next().await else {
                    break;
                };
                if let Ok((vmid, boot, ipv4)) = joined {
                    let mut addresses = slot.addresses();
                    addresses.version += 1;
                    addresses.by_vmid.insert(
                        vmid,
                        Learned {
                            boot,
                            at: Instant::now(),
                            ipv4,
                        },
                    );
                }
            }
            slot.addresses().learning = false;
        });
    }
}

/// A container's IPv4 addresses, loopback left out.
fn ipv4_of(interfaces: &[pve::Interface]) -> Vec<String> {
    interfaces
        .iter()
        .filter(|i| i.name != "lo")
        .flat_map(pve::Interface::ipv4_addresses)
        .collect()
}

/// The wizard's live check: whether the VMID as typed is free on the user's node
/// `node_id`; a malformed VMID is the field's error.
pub async fn check_typed_vmid(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    typed: &str,
) -> ServiceResult<bool> {
    let vmid = model::provision::vmid("vmid", typed)?;
    is_vmid_free(backend, user, node_id, vmid).await
}

/// Whether `vmid` is free for a new container on the user's node `node_id`. A VMID seen in
/// the node's cached inventory is taken at once; otherwise Proxmox decides
/// (`GET /cluster/nextid?vmid=…`, cluster-wide), so a stale cache never says "free" wrongly.
pub async fn is_vmid_free(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
) -> ServiceResult<bool> {
    let (_, access) = nodes::access(backend, user, node_id).await?;
    let slot = backend.inventory.slot(node_id);
    if let Some((_, answer)) = &slot.state.lock().await.last
        && answer.containers.iter().any(|c| c.vmid == vmid.get())
    {
        return Ok(false);
    }
    let client = access.client(DEFAULT_NODE_TIMEOUT)?;
    match client.next_id(Some(vmid.get())).await {
        Ok(_) => Ok(true),
        Err(PveError::Parameters { .. }) => Ok(false),
        Err(error) => Err(access.upstream(&error)),
    }
}

/// A listed container as a dashboard row; `None` for a VMID outside Proxmox's range
/// (logged: the node answered something no Proxmox would).
fn row(
    view: &NodeView,
    entry: &LxcEntry,
    addresses: &HashMap<u32, Vec<String>>,
) -> Option<ContainerRow> {
    let Some(vmid) = Vmid::new(entry.vmid) else {
        tracing::warn!(node = %view.name, vmid = entry.vmid, "container with an impossible VMID left out");
        return None;
    };
    Some(ContainerRow {
        node_id: view.id.clone(),
        node_name: view.name.clone(),
        pve_node: view.pve_node.clone(),
        vmid,
        name: entry.name.clone(),
        status: LxcStatus::parse(&entry.status),
        cpu: entry.cpu,
        cpus: entry.cpus,
        mem: entry.mem,
        maxmem: entry.maxmem,
        disk: entry.disk,
        maxdisk: entry.maxdisk,
        uptime: entry.uptime,
        tags: entry.tags.clone(),
        lock: entry.lock.clone(),
        addresses: addresses.get(&entry.vmid).cloned().unwrap_or_default(),
        services: Vec::new(),
        web: Vec::new(),
        backup_age: BackupAge::default(),
    })
}

/// One container of the user's, as its node's list shows it now: from the same short
/// cache as the dashboard, so any number of open pages cost one Proxmox request per node
/// per [`DEFAULT_FRESHNESS`]. `None` when the node does not list it (any more); an error
/// when the node cannot be asked.
pub async fn container(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
) -> ServiceResult<Option<ContainerRow>> {
    let (view, access) = nodes::access(backend, user, node_id).await?;
    let (answer, _, rows) = backend
        .inventory
        .node(&view, &access, DEFAULT_NODE_TIMEOUT, Duration::MAX)
        .await;
    if answer.health != NodeHealth::Ok {
        return Err(ServiceError::Upstream {
            node: view.name.clone(),
            message: answer
                .message
                .unwrap_or_else(|| "the node did not answer".into()),
        });
    }
    Ok(rows.iter().find(|row| row.vmid == vmid).cloned())
}

/// Every container on every node of `user`, each node fetched in parallel with its own
/// `timeout`; failing nodes are reported, the others' containers kept. Nodes keep their
/// list order (default first), containers their node's.
pub async fn for_user(
    backend: &Backend,
    user: &User,
    timeout: Duration,
) -> ServiceResult<Snapshot> {
    let nodes = nodes::accesses(backend, user).await?;
    Ok(of_nodes(backend, &nodes, timeout, Duration::MAX).await)
}

/// As [`for_user`], for nodes the caller has already read (with their access), reusing no
/// node answer older than `max_age` (the dashboard's pushes want each interval's own).
pub async fn of_nodes(
    backend: &Backend,
    nodes: &[(NodeView, NodeAccess)],
    timeout: Duration,
    max_age: Duration,
) -> Snapshot {
    let mut tasks = tokio::task::JoinSet::new();
    for (index, (view, access)) in nodes.iter().enumerate() {
        let (view, access) = (view.clone(), access.clone());
        let inventory = backend.inventory.clone();
        tasks.spawn(async move {
            let (answer, age, rows) = inventory.node(&view, &access, timeout, max_age).await;
            (index, view, answer, age, rows)
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
        rows: Vec::new(),
    };
    for (_, view, answer, age, rows) in answers {
        snapshot.rows.push(rows);
        snapshot.nodes.push(NodeOutcome {
            node_id: view.id.clone(),
            node_name: view.name.clone(),
            demo: view.demo,
            health: answer.health,
            message: answer.message,
            age_ms: u64::try_from(age.as_millis()).unwrap_or(u64::MAX),
        });
    }
    snapshot
}
