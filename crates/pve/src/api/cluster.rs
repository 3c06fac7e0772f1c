//! Version, nodes, node status, cluster resources and the next free VMID.

use serde::Deserialize;

use crate::api;
use crate::client::Client;
use crate::error::PveError;
use crate::lenient;
use crate::params::Params;

/// `GET /version`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Version {
    /// Full pve-manager version, e.g. `9.1.6`.
    pub version: String,
    /// Major.minor release, e.g. `9.1`.
    #[serde(default)]
    pub release: String,
    #[serde(default)]
    pub repoid: String,
    #[serde(default)]
    pub console: Option<String>,
}

/// One entry of `GET /nodes`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NodeEntry {
    pub node: String,
    /// `online`, `offline` or `unknown`.
    pub status: String,
    #[serde(default)]
    pub ssl_fingerprint: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub uptime: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub cpu: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub maxcpu: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub mem: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub maxmem: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub disk: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub maxdisk: Option<u64>,
}

/// Used/total pairs in `GET /nodes/{node}/status`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Usage {
    #[serde(default, deserialize_with = "lenient::u64")]
    pub total: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub used: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub free: u64,
}

/// The CPU part of `GET /nodes/{node}/status`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CpuInfo {
    #[serde(default)]
    pub model: String,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub cpus: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub sockets: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub cores: u64,
    /// PVE sends this as a string.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub mhz: Option<f64>,
}

/// `GET /nodes/{node}/status`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NodeStatus {
    #[serde(default, deserialize_with = "lenient::u64")]
    pub uptime: u64,
    #[serde(default, deserialize_with = "lenient::f64")]
    pub cpu: f64,
    /// I/O wait fraction.
    #[serde(default, deserialize_with = "lenient::f64")]
    pub wait: f64,
    /// 1, 5 and 15 minute load (strings on the wire).
    #[serde(default, deserialize_with = "lenient::f64_list")]
    pub loadavg: Vec<f64>,
    #[serde(default)]
    pub cpuinfo: CpuInfo,
    #[serde(default)]
    pub memory: Usage,
    #[serde(default)]
    pub swap: Usage,
    #[serde(default)]
    pub rootfs: Usage,
    #[serde(default)]
    pub kversion: String,
    #[serde(default)]
    pub pveversion: String,
}

/// One entry of `GET /cluster/resources`: a guest, node, storage, pool or SDN zone.
/// Which fields are present depends on `kind`; everything is optional but `id` and `kind`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClusterResource {
    /// `lxc/105`, `node/pve`, `storage/pve/local`, `/pool/x`.
    pub id: String,
    /// `lxc`, `qemu`, `node`, `storage`, `pool`, `sdn`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub node: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub vmid: Option<u64>,
    #[serde(default)]
    pub name: Option<String>,
    /// Guests: `running`, `stopped`, `unknown`; nodes: `online`…; storages: `available`…
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub uptime: u64,
    #[serde(default, deserialize_with = "lenient::f64")]
    pub cpu: f64,
    #[serde(default, deserialize_with = "lenient::f64")]
    pub maxcpu: f64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub mem: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub maxmem: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub disk: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub maxdisk: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub netin: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub netout: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub diskread: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub diskwrite: u64,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub template: bool,
    #[serde(default, deserialize_with = "lenient::tags")]
    pub tags: Vec<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub lock: Option<String>,
    #[serde(default)]
    pub pool: Option<String>,
    #[serde(default)]
    pub hastate: Option<String>,
    #[serde(default)]
    pub storage: Option<String>,
    #[serde(default)]
    pub plugintype: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub shared: bool,
}

/// The `type` filter of `GET /cluster/resources`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// Guests: both qemu and lxc.
    Vm,
    Storage,
    Node,
    Sdn,
}

impl ResourceKind {
    fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Vm => "vm",
            ResourceKind::Storage => "storage",
            ResourceKind::Node => "node",
            ResourceKind::Sdn => "sdn",
        }
    }
}

impl Client {
    /// `GET /version`: the PVE release the node runs.
    pub async fn version(&self) -> Result<Version, PveError> {
        Ok(self.get("/version", &Params::new()).await?.data)
    }

    /// `GET /nodes`: the nodes of the cluster (one for a standalone host).
    pub async fn nodes(&self) -> Result<Vec<NodeEntry>, PveError> {
        Ok(self.get("/nodes", &Params::new()).await?.data)
    }

    /// `GET /nodes/{node}/status`.
    pub async fn node_status(&self, node: &str) -> Result<NodeStatus, PveError> {
        let node = api::node(node)?;
        Ok(self
            .get(&format!("/nodes/{node}/status"), &Params::new())
            .await?
            .data)
    }

    /// `GET /cluster/resources`, optionally of one kind.
    pub async fn cluster_resources(
        &self,
        kind: Option<ResourceKind>,
    ) -> Result<Vec<ClusterResource>, PveError> {
        let params = Params::new().opt_text("type", kind.map(ResourceKind::as_str));
        Ok(self.get("/cluster/resources", &params).await?.data)
    }

    /// `GET /cluster/nextid`: the lowest free VMID, or whether `vmid` is free.
    ///
    /// A taken `vmid` is a [`PveError::Parameters`] error whose `vmid` entry says so.
    pub async fn next_id(&self, vmid: Option<u32>) -> Result<u32, PveError> {
        #[derive(Deserialize)]
        struct NextId(#[serde(deserialize_with = "lenient::vmid")] u32);
        let params = Params::new().opt_number("vmid", vmid);
        Ok(self.get::<NextId>("/cluster/nextid", &params).await?.data.0)
    }
}
