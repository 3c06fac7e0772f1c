//! Backups as `vzdump` makes them: an archive on a storage with `backup` content (its
//! files a copy of the container's root file system, its config the container's at that
//! moment), restored by `vzrestore` into a new VMID or over a stopped container, and
//! removed by `imgdel` unless protected. The log lines are vzdump's and pct restore's.

use std::collections::BTreeMap;

use super::Runner;
use crate::model::{GIB, civil, storage_of, unix_now};

/// `vzdump --mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupMode {
    Snapshot,
    Suspend,
    Stop,
}

impl BackupMode {
    pub fn parse(text: &str) -> Option<BackupMode> {
        match text {
            "snapshot" => Some(BackupMode::Snapshot),
            "suspend" => Some(BackupMode::Suspend),
            "stop" => Some(BackupMode::Stop),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            BackupMode::Snapshot => "snapshot",
            BackupMode::Suspend => "suspend",
            BackupMode::Stop => "stop",
        }
    }
}

/// A backup archive on a storage.
#[derive(Debug, Clone)]
pub struct ArchiveDef {
    /// `nas:backup/vzdump-lxc-100-2026_12_01-18_00_00.tar.zst`.
    pub volid: String,
    pub storage: String,
    /// The node whose storage holds it (shared storages show it on every node).
    pub node: String,
    pub vmid: u32,
    pub ctime: u64,
    pub size: u64,
    pub notes: String,
    pub protected: bool,
    /// The container's config when it was backed up.
    pub config: BTreeMap<String, String>,
}

impl ArchiveDef {
    /// The archive's file name, which also names its copy of the files on disk.
    pub fn file_name(&self) -> &str {
        self.volid.rsplit('/').next().unwrap_or(&self.volid)
    }

    /// Where Proxmox keeps it on the node.
    fn path(&self) -> String {
        let dir = match self.storage.as_str() {
            "local" => "/var/lib/vz/dump".to_owned(),
            other => format!("/mnt/pve/{other}/dump"),
        };
        format!("{dir}/{}", self.file_name())
    }

    /// Whether `node` sees it (on its own storage, or a shared one).
    pub fn visible_on(&self, node: &str) -> bool {
        self.node == node || storage_of(&self.volid).is_some_and(|s| s.plugin == "nfs")
    }
}

/// `2026_12_01-18_00_00`, as vzdump names archives.
fn stamp(epoch: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(epoch);
    format!("{y:04}_{mo:02}_{d:02}-{h:02}_{mi:02}_{s:02}")
}

/// `2026-12-01 18:00:00`.
fn readable(epoch: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(epoch);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

impl Runner {
    /// `vzdump VMID --storage S --mode M --compress zstd`.
    pub(super) async fn vzdump(
        &self,
        vmid: u32,
        storage: &str,
        mode: BackupMode,
        notes: Option<String>,
        protected: bool,
    ) -> super::Outcome {
        let started = unix_now();
        let (running, hostname, snapshots_ok, used) = {
            let cluster = self.sim.cluster();
            let ct = cluster
                .containers
                .get(&vmid)
                .ok_or_else(|| self.missing(vmid))?;
            let rootfs = ct.config.get("rootfs").cloned().unwrap_or_default();
            (
                ct.running,
                ct.name(),
                storage_of(&rootfs).is_none_or(|s| s.snapshots()),
                ct.live_figures().disk.max(GIB / 2),
            )
        };
        self.log(format!(
            "INFO: starting new backup job: vzdump {vmid} --storage {storage} --mode {} --compress zstd --remove 0",
            mode.as_str()
        ));
        self.log(format!("INFO: Starting Backup of VM {vmid} (lxc)"));
        self.log(format!("INFO: Backup started at {}", readable(started)));
        self.log(format!(
            "INFO: status = {}",
            if running { "running" } else { "stopped" }
        ));
        self.log(format!("INFO: CT Name: {hostname}"));
        self.log("INFO: including mount point rootfs ('/') in backup");
        self.set_backup_lock(vmid, true);
        let mut mode = if running { mode } else { BackupMode::Stop };
        if mode == BackupMode::Snapshot && !snapshots_ok {
            self.log("INFO: mode failure - some volumes do not support snapshots");
            self.log("INFO: trying 'suspend' mode instead");
            mode = BackupMode::Suspend;
        }
        self.log(format!("INFO: backup mode: {}", mode.as_str()));
        self.log("INFO: ionice priority: 7");
        let stopped_here = running && mode == BackupMode::Stop;
        if stopped_here {
            self.log("INFO: stopping virtual guest");
            self.set_running(vmid, false);
        }
        if mode == BackupMode::Snapshot {
            self.log("INFO: create storage snapshot 'vzdump'");
        }
        let file = format!("vzdump-lxc-{vmid}-{}.tar.zst", stamp(started));
        let mut archive = ArchiveDef {
            volid: format!("{storage}:backup/{file}"),
            storage: storage.to_owned(),
            node: self.node.clone(),
            vmid,
            ctime: started,
            size: used * 2 / 5,
            notes: notes.unwrap_or_else(|| hostname.clone()),
            protected,
            config: BTreeMap::new(),
        };
        self.log(format!(
            "INFO: creating vzdump archive '{}'",
            archive.path()
        ));
        let paused = self.pause(5_000).await;
        if stopped_here {
            self.log("INFO: restarting vm");
            self.set_running(vmid, true);
        }
        let copied = paused.and_then(|()| {
            let mut cluster = self.sim.cluster();
            archive.config = cluster
                .containers
                .get(&vmid)
                .map(|ct| ct.config.clone())
                .unwrap_or_default();
            archive.config.remove("lock");
            cluster
                .disk
                .archive(vmid, archive.file_name())
                .map_err(|e| format!("backup of the root file system failed: {e}"))
        });
        self.set_backup_lock(vmid, false);
        copied?;
        self.log(format!(
            "INFO: Total bytes written: {used} ({}MiB, 120MiB/s)",
            used / 1024 / 1024
        ));
        self.log(format!(
            "INFO: archive file size: {}MB",
            archive.size / 1_000_000
        ));
        self.log("INFO: adding notes to backup");
        if protected {
            self.log("INFO: marking backup as protected");
        }
        self.log(format!(
            "INFO: Finished Backup of VM {vmid} (00:00:{:02})",
            (unix_now() - started).min(59)
        ));
        self.log(format!("INFO: Backup finished at {}", readable(unix_now())));
        self.log("INFO: Backup job finished successfully");
        self.sim.cluster().archives.push(archive);
        Ok(0)
    }

    fn set_backup_lock(&self, vmid: u32, on: bool) {
        if let Some(ct) = self.sim.cluster().containers.get_mut(&vmid) {
            if on {
                ct.config.insert("lock".into(), "backup".into());
            } else if ct.config.get("lock").is_some_and(|l| l == "backup") {
                ct.config.remove("lock");
            }
        }
    }

    fn set_running(&self, vmid: u32, running: bool) {
        if !running {
            crate::processes::kill_container_commands(&self.sim.disk_root, vmid);
        }
        if let Some(ct) = self.sim.cluster().containers.get_mut(&vmid) {
            ct.running = running;
            ct.started = running.then(std::time::Instant::now);
        }
        crate::guest_net::reconcile(&self.sim, vmid);
    }

    /// `pct restore`: the archive's files and config into `vmid` (new, or a stopped
    /// container it replaces), its root disk on `storage`.
    pub(super) async fn restore(
        &self,
        vmid: u32,
        volid: &str,
        storage: &str,
        start: bool,
    ) -> super::Outcome {
        let fail = |reason: &str| format!("unable to restore CT {vmid} - {reason}");
        let archive = self
            .sim
            .cluster()
            .archives
            .iter()
            .find(|a| a.volid == volid && a.visible_on(&self.node))
            .cloned()
            .ok_or_else(|| fail(&format!("volume '{volid}' does not exist")))?;
        self.log(format!("recovering backed-up configuration from '{volid}'"));
        self.pause(1_000).await.map_err(|e| fail(&e))?;
        let size = archive
            .config
            .get("rootfs")
            .and_then(|r| r.split(',').find_map(|p| p.strip_prefix("size=")))
            .unwrap_or("8G")
            .to_owned();
        let volume = storage_of(&format!("{storage}:")).map_or_else(
            || format!("{storage}:vm-{vmid}-disk-0"),
            |s| s.volume(vmid, 0),
        );
        self.log(format!("  Logical volume \"vm-{vmid}-disk-0\" created."));
        self.log(format!("restoring '{volid}' now.."));
        self.log(format!("extracting archive '{}'", archive.path()));
        self.pause(6_000).await.map_err(|e| fail(&e))?;
        self.log(format!(
            "Total bytes read: {} ({}MiB, 95MiB/s)",
            archive.size * 5 / 2,
            archive.size * 5 / 2 / 1024 / 1024
        ));
        self.log("merging backed-up and given configuration..");
        {
            let mut cluster = self.sim.cluster();
            let state = &mut *cluster;
            let ct = state
                .containers
                .get_mut(&vmid)
                .ok_or_else(|| fail("container vanished"))?;
            let mut config = archive.config.clone();
            config.insert("rootfs".into(), format!("{volume},size={size}"));
            ct.config = config;
            ct.snapshots.clear();
            state
                .disk
                .restore_archive(vmid, archive.file_name())
                .map_err(|e| fail(&format!("extracting the archive failed: {e}")))?;
        }
        if start {
            super::start_as(
                &self.sim,
                &self.node,
                &self.user,
                super::TaskKind::Start { vmid },
            );
        }
        Ok(0)
    }

    /// `imgdel`: removes a backup volume, unless it is protected.
    pub(super) async fn remove_volume(&self, volid: &str) -> super::Outcome {
        self.pause(300).await?;
        let mut cluster = self.sim.cluster();
        let Some(at) = cluster
            .archives
            .iter()
            .position(|a| a.volid == volid && a.visible_on(&self.node))
        else {
            return Err(format!("volume '{volid}' does not exist"));
        };
        let archive = &cluster.archives[at];
        if archive.protected {
            let name = volid.split_once(':').map_or(volid, |(_, name)| name);
            return Err(format!(
                "cannot remove protected volume '{name}' on '{}'",
                archive.storage
            ));
        }
        let archive = cluster.archives.remove(at);
        if let Err(error) = cluster.disk.remove_archive(archive.file_name()) {
            tracing::warn!(%error, "could not remove an archive's files");
        }
        drop(cluster);
        self.log(format!("Removed volume '{volid}'"));
        Ok(0)
    }
}
