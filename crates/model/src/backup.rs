//! A container's backups as its page lists them, and how a backup is made.

use serde::{Deserialize, Serialize};

/// One backup archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupView {
    /// `nas:backup/vzdump-lxc-100-2026_12_01-18_00_00.tar.zst`.
    pub volid: String,
    pub storage: String,
    /// RFC 3339.
    pub created_at: Option<String>,
    pub size: u64,
    pub format: String,
    pub notes: String,
    pub protected: bool,
}

impl BackupView {
    /// The archive's file name.
    pub fn file_name(&self) -> &str {
        self.volid.rsplit('/').next().unwrap_or(&self.volid)
    }
}

/// What the Backups section lists: the backups (newest first) and the storages a new one
/// may go to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backups {
    pub list: Vec<BackupView>,
    pub storages: Vec<String>,
    /// Storages for a restored container's root disk.
    pub rootfs_storages: Vec<String>,
}

/// `vzdump --mode`: a snapshot of a running container (it keeps running; storage that
/// cannot snapshot falls back to suspend), a short suspend, or stop and start again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackupMode {
    Snapshot,
    Suspend,
    Stop,
}

impl BackupMode {
    pub fn parse(text: &str) -> Option<BackupMode> {
        match text.trim() {
            "" | "snapshot" => Some(BackupMode::Snapshot),
            "suspend" => Some(BackupMode::Suspend),
            "stop" => Some(BackupMode::Stop),
            _ => None,
        }
    }
}
