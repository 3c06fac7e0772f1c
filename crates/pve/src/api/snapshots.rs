//! Container snapshots: list, create, roll back, delete.

use serde::Deserialize;

use crate::api;
use crate::client::Client;
use crate::error::PveError;
use crate::lenient;
use crate::params::Params;
use crate::upid::Upid;

/// One entry of the snapshot list; the last entry is always `current` ("You are here!").
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Snapshot {
    pub name: String,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub snaptime: Option<u64>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub parent: Option<String>,
    /// Only on `current`.
    #[serde(default, deserialize_with = "lenient::bool")]
    pub running: bool,
}

impl Snapshot {
    /// Whether this is the `current` pseudo-entry rather than a snapshot.
    pub fn is_current(&self) -> bool {
        self.name == "current"
    }
}

impl Client {
    /// `GET /nodes/{node}/lxc/{vmid}/snapshot`.
    pub async fn lxc_snapshots(&self, node: &str, vmid: u32) -> Result<Vec<Snapshot>, PveError> {
        let node = api::node(node)?;
        let path = format!("/nodes/{node}/lxc/{vmid}/snapshot");
        Ok(self.get(&path, &Params::new()).await?.data)
    }

    /// `POST /nodes/{node}/lxc/{vmid}/snapshot`: starts `vzsnapshot`.
    pub async fn lxc_snapshot_create(
        &self,
        node: &str,
        vmid: u32,
        name: &str,
        description: Option<&str>,
    ) -> Result<Upid, PveError> {
        let node = api::node(node)?;
        let name = api::identifier("snapshot name", name)?;
        let params = Params::new()
            .text("snapname", name)
            .opt_text("description", description);
        let path = format!("/nodes/{node}/lxc/{vmid}/snapshot");
        Ok(self.post(&path, &params).await?.data)
    }

    /// `POST …/snapshot/{name}/rollback`: starts `vzrollback`; `start` boots it afterwards.
    pub async fn lxc_snapshot_rollback(
        &self,
        node: &str,
        vmid: u32,
        name: &str,
        start: bool,
    ) -> Result<Upid, PveError> {
        let node = api::node(node)?;
        let name = api::identifier("snapshot name", name)?;
        let path = format!("/nodes/{node}/lxc/{vmid}/snapshot/{name}/rollback");
        Ok(self
            .post(&path, &Params::new().flag("start", start))
            .await?
            .data)
    }

    /// `DELETE …/snapshot/{name}`: starts `vzdelsnapshot`.
    pub async fn lxc_snapshot_delete(
        &self,
        node: &str,
        vmid: u32,
        name: &str,
        force: bool,
    ) -> Result<Upid, PveError> {
        let node = api::node(node)?;
        let name = api::identifier("snapshot name", name)?;
        let path = format!("/nodes/{node}/lxc/{vmid}/snapshot/{name}");
        Ok(self
            .delete(&path, &Params::new().flag("force", force))
            .await?
            .data)
    }
}
