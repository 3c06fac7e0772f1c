//! The dashboard's data: every container of every node, and how each node answered.

use serde::{Deserialize, Serialize};

/// How a node answered the inventory request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeHealth {
    Ok,
    /// Connection refused, DNS failure, or the cluster could not reach it (595).
    Unreachable,
    /// The node presented another certificate than the pinned one.
    TlsMismatch,
    /// The API token was refused (revoked, expired, wrong).
    TokenRejected,
    /// No answer within the per-node timeout.
    Timeout,
    /// Anything else; the message says what.
    Error,
}

impl NodeHealth {
    /// Words for the banner.
    pub fn describe(self) -> &'static str {
        match self {
            NodeHealth::Ok => "ok",
            NodeHealth::Unreachable => "unreachable",
            NodeHealth::TlsMismatch => "TLS certificate changed",
            NodeHealth::TokenRejected => "API token rejected",
            NodeHealth::Timeout => "timed out",
            NodeHealth::Error => "error",
        }
    }
}

/// One container as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerRow {
    /// Corral's node record id.
    pub node_id: String,
    /// The node's display name.
    pub node_name: String,
    /// The Proxmox node name (API paths).
    pub pve_node: String,
    pub vmid: u32,
    /// The hostname; `None` when Proxmox has none.
    pub name: Option<String>,
    /// `running` or `stopped`.
    pub status: String,
    /// CPU use as a fraction of all its cores (0..1).
    pub cpu: f64,
    pub cpus: f64,
    pub mem: u64,
    pub maxmem: u64,
    pub disk: u64,
    pub maxdisk: u64,
    pub uptime: u64,
    pub tags: Vec<String>,
    /// Set while Proxmox holds a lock (create, backup, …).
    pub lock: Option<String>,
}

/// How one node answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeOutcome {
    pub node_id: String,
    pub node_name: String,
    pub demo: bool,
    pub health: NodeHealth,
    /// What went wrong, in Proxmox's or the network's words.
    pub message: Option<String>,
    /// How long ago (ms) the data was fetched (it may come from the short cache).
    pub age_ms: u64,
}
