//! Backups: `vzdump` one container, list a storage's backups (with notes and protection),
//! change a backup's notes or protection, remove one, restore one into a container.

use serde::Deserialize;

use crate::api;
use crate::client::Client;
use crate::error::PveError;
use crate::lenient;
use crate::params::Params;
use crate::upid::Upid;

/// A backup volume of `GET …/storage/{storage}/content?content=backup`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BackupItem {
    /// `nas:backup/vzdump-lxc-100-2026_12_01-18_00_00.tar.zst`.
    pub volid: String,
    /// `tar.zst`, `tar.gz`, …
    #[serde(default)]
    pub format: String,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub size: u64,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub ctime: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub vmid: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub notes: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub protected: bool,
    /// `lxc` or `qemu`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub subtype: Option<String>,
}

/// `vzdump --mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupMode {
    Snapshot,
    Suspend,
    Stop,
}

impl BackupMode {
    fn as_str(self) -> &'static str {
        match self {
            BackupMode::Snapshot => "snapshot",
            BackupMode::Suspend => "suspend",
            BackupMode::Stop => "stop",
        }
    }
}

impl Client {
    /// `POST /nodes/{node}/vzdump`: one container to `storage`, zstd-compressed; starts
    /// `vzdump`.
    pub async fn vzdump(
        &self,
        node: &str,
        vmid: u32,
        storage: &str,
        mode: BackupMode,
        notes: Option<&str>,
        protected: bool,
    ) -> Result<Upid, PveError> {
        let node = api::node(node)?;
        let storage = api::identifier("storage id", storage)?;
        let params = Params::new()
            .number("vmid", vmid)
            .text("storage", storage)
            .text("mode", mode.as_str())
            .text("compress", "zstd")
            .opt_text("notes-template", notes)
            .flag("protected", protected);
        Ok(self
            .post(&format!("/nodes/{node}/vzdump"), &params)
            .await?
            .data)
    }

    /// `GET …/storage/{storage}/content?content=backup[&vmid=]`.
    pub async fn backups(
        &self,
        node: &str,
        storage: &str,
        vmid: Option<u32>,
    ) -> Result<Vec<BackupItem>, PveError> {
        let node = api::node(node)?;
        let storage = api::identifier("storage id", storage)?;
        let params = Params::new()
            .text("content", "backup")
            .opt_number("vmid", vmid);
        let path = format!("/nodes/{node}/storage/{storage}/content");
        Ok(self.get(&path, &params).await?.data)
    }

    /// `DELETE …/storage/{storage}/content/{volid}`: starts `imgdel` (which fails for a
    /// protected backup).
    pub async fn delete_volume(
        &self,
        node: &str,
        storage: &str,
        volid: &str,
    ) -> Result<Upid, PveError> {
        let node = api::node(node)?;
        let storage = api::identifier("storage id", storage)?;
        let path = format!(
            "/nodes/{node}/storage/{storage}/content/{}",
            api::segment(volid)
        );
        Ok(self.delete(&path, &Params::new()).await?.data)
    }

    /// `POST /nodes/{node}/lxc` with `restore=1`: backup `volid` into `vmid`, its root
    /// disk on `storage`; `force` replaces an existing (stopped) container. Starts
    /// `vzrestore`.
    pub async fn lxc_restore(
        &self,
        node: &str,
        vmid: u32,
        volid: &str,
        storage: &str,
        force: bool,
        start: bool,
    ) -> Result<Upid, PveError> {
        let node = api::node(node)?;
        let storage = api::identifier("storage id", storage)?;
        let params = Params::new()
            .number("vmid", vmid)
            .text("ostemplate", volid)
            .flag("restore", true)
            .text("storage", storage)
            .flag("force", force)
            .flag("start", start);
        Ok(self
            .post(&format!("/nodes/{node}/lxc"), &params)
            .await?
            .data)
    }
}
