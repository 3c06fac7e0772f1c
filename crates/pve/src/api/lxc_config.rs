//! A container's configuration: read it (property strings parsed), change it (guarded by
//! its digest), grow a disk, and the changes Proxmox keeps for the next start.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::api;
use crate::client::Client;
use crate::error::PveError;
use crate::lenient;
use crate::params::Params;
use crate::propstring::{Features, NetConfig, Volume};
use crate::upid::Upid;

/// `GET /nodes/{node}/lxc/{vmid}/config`, with the property strings parsed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LxcConfig {
    pub hostname: Option<String>,
    pub ostype: Option<String>,
    pub arch: Option<String>,
    pub cores: Option<u64>,
    /// CPU time limit in cores (`0.5`); `None`: unlimited.
    pub cpulimit: Option<f64>,
    /// `order=1,up=30,down=60`.
    pub startup: Option<String>,
    /// MiB.
    pub memory: Option<u64>,
    /// MiB.
    pub swap: Option<u64>,
    pub rootfs: Option<Volume>,
    /// `net0` … by index.
    pub networks: BTreeMap<u8, NetConfig>,
    /// `mp0` … by index.
    pub mountpoints: BTreeMap<u8, Volume>,
    pub features: Features,
    pub unprivileged: bool,
    pub onboot: bool,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub nameserver: Option<String>,
    pub searchdomain: Option<String>,
    pub lock: Option<String>,
    /// SHA-1 of the config file, for optimistic locking on update.
    pub digest: String,
    /// Every key as received, including the ones above.
    pub raw: BTreeMap<String, serde_json::Value>,
}

impl LxcConfig {
    /// Reads the raw key/value object PVE returns.
    pub fn from_raw(raw: BTreeMap<String, serde_json::Value>) -> Result<LxcConfig, PveError> {
        let text = |key: &str| -> Option<String> {
            match raw.get(key)? {
                serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let number = |key: &str| {
            text(key)
                .and_then(|t| t.parse::<f64>().ok())
                .map(|f| f as u64)
        };
        let flag = |key: &str| text(key).is_some_and(|t| t == "1" || t == "true");
        let bad = |key: &str, e: crate::propstring::PropertyError| PveError::Decode {
            message: format!("config key `{key}`: {e}"),
        };
        let mut networks = BTreeMap::new();
        let mut mountpoints = BTreeMap::new();
        for key in raw.keys() {
            let Some(value) = text(key) else { continue };
            if let Some(index) = key.strip_prefix("net").and_then(|i| i.parse::<u8>().ok()) {
                networks.insert(index, value.parse().map_err(|e| bad(key, e))?);
            } else if let Some(index) = key.strip_prefix("mp").and_then(|i| i.parse::<u8>().ok()) {
                mountpoints.insert(index, value.parse().map_err(|e| bad(key, e))?);
            }
        }
        Ok(LxcConfig {
            hostname: text("hostname"),
            ostype: text("ostype"),
            arch: text("arch"),
            cores: number("cores"),
            cpulimit: text("cpulimit")
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|limit| *limit > 0.0),
            startup: text("startup"),
            memory: number("memory"),
            swap: number("swap"),
            rootfs: text("rootfs")
                .map(|r| r.parse().map_err(|e| bad("rootfs", e)))
                .transpose()?,
            networks,
            mountpoints,
            features: text("features")
                .map(|f| f.parse().map_err(|e| bad("features", e)))
                .transpose()?
                .unwrap_or_default(),
            unprivileged: flag("unprivileged"),
            onboot: flag("onboot"),
            tags: text("tags")
                .map(|t| lenient::split_tags(&t))
                .unwrap_or_default(),
            description: text("description").map(|d| d.trim_end_matches('\n').to_owned()),
            nameserver: text("nameserver"),
            searchdomain: text("searchdomain"),
            lock: text("lock"),
            digest: text("digest").unwrap_or_default(),
            raw,
        })
    }
}

/// One key of `GET …/pending`: `value` now, `pending` after the next start, `delete` when
/// the key goes then (1, or 2 when forced).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PendingEntry {
    pub key: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub value: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub pending: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub delete: Option<u64>,
}

impl PendingEntry {
    /// Whether this key changes at the next start.
    pub fn is_pending(&self) -> bool {
        self.pending.is_some() || self.delete.is_some_and(|d| d > 0)
    }
}

impl Client {
    /// `GET /nodes/{node}/lxc/{vmid}/config` (pending changes merged in, as PVE does).
    pub async fn lxc_config(&self, node: &str, vmid: u32) -> Result<LxcConfig, PveError> {
        let node = api::node(node)?;
        let path = format!("/nodes/{node}/lxc/{vmid}/config");
        let raw: BTreeMap<String, serde_json::Value> = self.get(&path, &Params::new()).await?.data;
        LxcConfig::from_raw(raw)
    }

    /// `PUT /nodes/{node}/lxc/{vmid}/config`: sets `changes` and removes `delete`, refused
    /// by PVE when the config no longer has `digest`.
    pub async fn lxc_update_config(
        &self,
        node: &str,
        vmid: u32,
        changes: Params,
        delete: &[&str],
        digest: Option<&str>,
    ) -> Result<(), PveError> {
        let node = api::node(node)?;
        let params = changes
            .opt_text("delete", (!delete.is_empty()).then(|| delete.join(",")))
            .opt_text("digest", digest);
        let path = format!("/nodes/{node}/lxc/{vmid}/config");
        let _: Option<serde_json::Value> = self.put(&path, &params).await?.data;
        Ok(())
    }

    /// `PUT /nodes/{node}/lxc/{vmid}/resize`: grows `disk` (`rootfs`, `mp0` …) to `size`
    /// (`12G`, or `+2G` to add). Starts `resize`; `None` when the disk already has that
    /// size. Proxmox refuses to shrink (`unable to shrink disk size`).
    pub async fn lxc_resize(
        &self,
        node: &str,
        vmid: u32,
        disk: &str,
        size: &str,
        digest: Option<&str>,
    ) -> Result<Option<Upid>, PveError> {
        let node = api::node(node)?;
        let params = Params::new()
            .text("disk", disk)
            .text("size", size)
            .opt_text("digest", digest);
        let path = format!("/nodes/{node}/lxc/{vmid}/resize");
        Ok(self.put(&path, &params).await?.data)
    }

    /// `GET /nodes/{node}/lxc/{vmid}/pending`: each config key with its current value and
    /// the change waiting for the next start, if any.
    pub async fn lxc_pending(&self, node: &str, vmid: u32) -> Result<Vec<PendingEntry>, PveError> {
        let node = api::node(node)?;
        let path = format!("/nodes/{node}/lxc/{vmid}/pending");
        Ok(self.get(&path, &Params::new()).await?.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_is_read_with_its_property_strings() {
        let raw: BTreeMap<String, serde_json::Value> = serde_json::from_str(
            r#"{"arch":"amd64","cores":2,"features":"nesting=1","hostname":"web-01","memory":2048,
                "net0":"name=eth0,bridge=vmbr0,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth",
                "onboot":1,"ostype":"debian","rootfs":"local-lvm:vm-105-disk-0,size=8G","swap":512,
                "tags":"web;prod","unprivileged":1,"cpulimit":"1.5","description":"hello\n",
                "mp0":"local-lvm:vm-105-disk-1,mp=/data,size=4G","digest":"0123abcd"}"#,
        )
        .unwrap();
        let config = LxcConfig::from_raw(raw).unwrap();
        assert_eq!(config.hostname.as_deref(), Some("web-01"));
        assert_eq!(config.cores, Some(2));
        assert_eq!(config.networks[&0].bridge.as_deref(), Some("vmbr0"));
        assert_eq!(config.mountpoints[&0].mp.as_deref(), Some("/data"));
        assert_eq!(config.rootfs.unwrap().size.as_deref(), Some("8G"));
        assert!(config.features.nesting && config.unprivileged && config.onboot);
        assert_eq!(config.tags, ["web", "prod"]);
        assert_eq!(config.description.as_deref(), Some("hello"));
        assert_eq!(config.raw["cpulimit"], "1.5");
    }
}
