//! One container as its page shows it.

use serde::{Deserialize, Serialize};

use crate::audit::AuditEntry;

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
    pub node_id: String,
    pub node_name: String,
    pub pve_node: String,
    pub vmid: u32,
    pub status: String,
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
    /// Addresses reported by the running container (`/interfaces`), loopback left out.
    pub addresses: Vec<String>,
    /// This container's entries in the audit log (actions and their Proxmox outcomes).
    pub events: Vec<AuditEntry>,
}
