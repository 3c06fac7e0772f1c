//! Host network interfaces, for the bridges a container can attach to.

use serde::Deserialize;

use crate::api;
use crate::client::Client;
use crate::error::PveError;
use crate::lenient;
use crate::params::Params;

/// One interface of `GET /nodes/{node}/network`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HostInterface {
    pub iface: String,
    /// `bridge`, `OVSBridge`, `eth`, `bond`, `vlan`, …
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub active: bool,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub autostart: bool,
    #[serde(default)]
    pub cidr: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub gateway: Option<String>,
    #[serde(default)]
    pub bridge_ports: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub bridge_vlan_aware: Option<bool>,
    #[serde(default)]
    pub comments: Option<String>,
}

impl Client {
    /// `GET /nodes/{node}/network?type=any_bridge`: bridges usable for `net[n]`.
    pub async fn bridges(&self, node: &str) -> Result<Vec<HostInterface>, PveError> {
        let node = api::node(node)?;
        let params = Params::new().text("type", "any_bridge");
        Ok(self
            .get(&format!("/nodes/{node}/network"), &params)
            .await?
            .data)
    }
}
