//! One container: whether it runs, the power actions, and its page.

use serde::{Deserialize, Serialize};

use crate::audit::AuditEntry;
use crate::ids::{NodeId, Vmid};

/// Whether a container runs, as Proxmox reports it (`running` or `stopped`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LxcStatus {
    Running,
    Stopped,
}

impl LxcStatus {
    /// Proxmox's word; only `running` runs (Proxmox knows no third state for containers).
    pub fn parse(word: &str) -> LxcStatus {
        if word.eq_ignore_ascii_case("running") {
            LxcStatus::Running
        } else {
            LxcStatus::Stopped
        }
    }

    /// Proxmox's word.
    pub fn as_str(self) -> &'static str {
        match self {
            LxcStatus::Running => "running",
            LxcStatus::Stopped => "stopped",
        }
    }

    pub fn is_running(self) -> bool {
        self == LxcStatus::Running
    }
}

impl std::fmt::Display for LxcStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The power actions the lifecycle forms post (`action=start`, …); deleting has its
/// own form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PowerAction {
    Start,
    /// Graceful: the container is asked to shut down.
    Shutdown,
    Stop,
    Reboot,
}

impl PowerAction {
    /// The form value and the audit word.
    pub fn as_str(self) -> &'static str {
        match self {
            PowerAction::Start => "start",
            PowerAction::Shutdown => "shutdown",
            PowerAction::Stop => "stop",
            PowerAction::Reboot => "reboot",
        }
    }
}

/// A network interface from the container's configuration (`net0` …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetView {
    /// `net0`.
    pub key: String,
    /// `eth0`.
    pub name: String,
    pub bridge: Option<String>,
    /// `dhcp`, `manual` or a CIDR.
    pub ip: Option<String>,
    pub gw: Option<String>,
    pub ip6: Option<String>,
    pub gw6: Option<String>,
    pub hwaddr: Option<String>,
    pub firewall: bool,
    pub vlan: Option<u16>,
}

/// Status, configuration, addresses and recent events of one container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerDetail {
    pub node_id: NodeId,
    /// The node's display name in Corral.
    pub node_name: String,
    /// The Proxmox node name (API paths).
    pub pve_node: String,
    pub vmid: Vmid,
    pub status: LxcStatus,
    pub lock: Option<String>,
    pub uptime: u64,
    /// Fraction of all its cores (0..1).
    pub cpu: f64,
    pub mem: u64,
    pub maxmem: u64,
    pub disk: u64,
    pub maxdisk: u64,
    pub hostname: Option<String>,
    pub ostype: Option<String>,
    pub arch: Option<String>,
    pub cores: Option<u64>,
    pub memory_mib: Option<u64>,
    pub swap_mib: Option<u64>,
    /// `local-lvm:vm-105-disk-0`.
    pub rootfs: Option<String>,
    pub rootfs_size: Option<String>,
    pub networks: Vec<NetView>,
    /// `nesting`, `keyctl`, `fuse`, `mknod`, `mount=nfs;cifs`.
    pub features: Vec<String>,
    pub unprivileged: bool,
    pub onboot: bool,
    pub tags: Vec<String>,
    pub description: Option<String>,
    /// CPU time limit in cores; `None`: unlimited.
    pub cpulimit: Option<f64>,
    /// The `order` of its `startup` option.
    pub startup_order: Option<u32>,
    /// The config's digest: an edit made from this page is refused if it changed since.
    pub digest: String,
    /// Changes Proxmox keeps for the next start.
    pub pending: Vec<crate::resources::PendingChange>,
    /// The creation job that made it, when Corral made it.
    pub created_by: Option<crate::ids::JobId>,
    /// Addresses reported by the running container (`/interfaces`), loopback left out.
    pub addresses: Vec<String>,
    /// This container's entries in the audit log (actions and their Proxmox outcomes).
    pub events: Vec<AuditEntry>,
}

impl ContainerDetail {
    /// What the Resources form edits, as the container has it now.
    pub fn resources(&self) -> crate::resources::Resources {
        crate::resources::Resources {
            cores: self.cores.and_then(|c| u32::try_from(c).ok()).unwrap_or(1),
            cpulimit: self.cpulimit,
            memory_mib: self
                .memory_mib
                .and_then(|m| u32::try_from(m).ok())
                .unwrap_or(512),
            swap_mib: self
                .swap_mib
                .and_then(|m| u32::try_from(m).ok())
                .unwrap_or(0),
            onboot: self.onboot,
            order: self.startup_order,
            tags: self.tags.clone(),
            notes: self.description.clone().unwrap_or_default(),
        }
    }

    /// The root disk's size in whole GiB (`8G` → 8, `512M` → 0), when known.
    pub fn rootfs_gib(&self) -> Option<u32> {
        self.rootfs_size
            .as_deref()
            .and_then(crate::resources::gib_of)
    }
}
