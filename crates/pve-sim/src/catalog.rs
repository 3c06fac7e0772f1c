//! What every simulated node has configured: its storages (and how their volumes are
//! named, whether they can snapshot) and the appliance templates it can download.

use crate::model::GIB;

/// A storage as configured on every node.
#[derive(Debug, Clone)]
pub struct StorageDef {
    pub id: &'static str,
    pub plugin: &'static str,
    pub content: &'static str,
    pub total: u64,
}

impl StorageDef {
    /// Whether volumes on it can be snapshotted (LVM-thin, ZFS, Ceph can; raw files on a
    /// directory or an NFS share cannot).
    pub fn snapshots(&self) -> bool {
        matches!(self.plugin, "lvmthin" | "zfspool" | "rbd" | "btrfs")
    }

    /// The volume id of a container's disk `n` on it (PVE's naming per storage type).
    pub fn volume(&self, vmid: u32, n: u32) -> String {
        match self.plugin {
            "dir" | "nfs" | "cifs" => format!("{}:{vmid}/vm-{vmid}-disk-{n}.raw", self.id),
            "zfspool" => format!("{}:subvol-{vmid}-disk-{n}", self.id),
            _ => format!("{}:vm-{vmid}-disk-{n}", self.id),
        }
    }
}

/// The storage a volume id (`local-lvm:vm-100-disk-0`) is on.
pub fn storage_of(volume: &str) -> Option<&'static StorageDef> {
    let id = volume.split(':').next()?;
    STORAGES.iter().find(|s| s.id == id)
}

/// The two storages of a default PVE install, and an NFS share for backups and
/// containers (raw files: no snapshots).
pub const STORAGES: [StorageDef; 3] = [
    StorageDef {
        id: "local",
        plugin: "dir",
        content: "backup,iso,vztmpl",
        total: 100 * GIB,
    },
    StorageDef {
        id: "local-lvm",
        plugin: "lvmthin",
        content: "rootdir,images",
        total: 400 * GIB,
    },
    StorageDef {
        id: "nas",
        plugin: "nfs",
        content: "backup,images,rootdir",
        total: 2048 * GIB,
    },
];

/// A downloadable appliance (`pveam available`).
#[derive(Debug, Clone)]
pub struct ApplianceDef {
    pub template: &'static str,
    pub package: &'static str,
    pub version: &'static str,
    pub os: &'static str,
    pub headline: &'static str,
    pub size: u64,
}

/// What `aplinfo` offers; the first two are already downloaded on every node.
pub const APPLIANCES: [ApplianceDef; 4] = [
    ApplianceDef {
        template: "debian-12-standard_12.12-1_amd64.tar.zst",
        package: "debian-12-standard",
        version: "12.12-1",
        os: "debian-12",
        headline: "Debian 12 Bookworm (standard)",
        size: 126_354_342,
    },
    ApplianceDef {
        template: "alpine-3.22-default_20250617_amd64.tar.xz",
        package: "alpine-3.22-default",
        version: "20250617",
        os: "alpine-3.22",
        headline: "Alpine Linux 3.22 (default)",
        size: 3_162_548,
    },
    ApplianceDef {
        template: "ubuntu-24.04-standard_24.04-2_amd64.tar.zst",
        package: "ubuntu-24.04-standard",
        version: "24.04-2",
        os: "ubuntu-24.04",
        headline: "Ubuntu 24.04 Noble (standard)",
        size: 141_525_306,
    },
    ApplianceDef {
        template: "rockylinux-9-default_20240912_amd64.tar.xz",
        package: "rockylinux-9-default",
        version: "20240912",
        os: "rockylinux-9",
        headline: "Rocky Linux 9 (default)",
        size: 94_712_116,
    },
];
