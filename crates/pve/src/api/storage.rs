//! Storages, their content (container templates) and downloadable appliances.

use serde::Deserialize;

use crate::api;
use crate::client::Client;
use crate::error::PveError;
use crate::lenient;
use crate::params::Params;
use crate::upid::Upid;

/// One storage of `GET /nodes/{node}/storage`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Storage {
    pub storage: String,
    /// Plugin type: `dir`, `lvmthin`, `zfspool`, `nfs`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Comma-separated content types, e.g. `vztmpl,iso,backup` or `rootdir,images`.
    #[serde(default)]
    pub content: String,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub shared: bool,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub enabled: bool,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub active: bool,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub total: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub used: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub avail: u64,
}

impl Storage {
    /// Whether the storage holds this content type (`vztmpl`, `rootdir`, …).
    pub fn holds(&self, content: &str) -> bool {
        self.content.split(',').any(|c| c.trim() == content)
    }
}

/// One volume of `GET /nodes/{node}/storage/{storage}/content`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StorageItem {
    /// `local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst`.
    pub volid: String,
    pub content: String,
    #[serde(default)]
    pub format: String,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub size: u64,
    /// A string on LVM, a number on file storages.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub ctime: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub vmid: Option<u64>,
}

/// One downloadable appliance of `GET /nodes/{node}/aplinfo` (all strings on the wire).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Appliance {
    /// The file name to download: `debian-12-standard_12.12-1_amd64.tar.zst`.
    pub template: String,
    pub package: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub section: String,
    #[serde(default)]
    pub headline: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub sha512sum: Option<String>,
}

impl Client {
    /// `GET /nodes/{node}/storage`, optionally only those holding `content`.
    pub async fn storages(
        &self,
        node: &str,
        content: Option<&str>,
    ) -> Result<Vec<Storage>, PveError> {
        let node = api::node(node)?;
        let params = Params::new().opt_text("content", content);
        Ok(self
            .get(&format!("/nodes/{node}/storage"), &params)
            .await?
            .data)
    }

    /// `GET /nodes/{node}/storage/{storage}/content`, optionally of one content type.
    pub async fn storage_content(
        &self,
        node: &str,
        storage: &str,
        content: Option<&str>,
    ) -> Result<Vec<StorageItem>, PveError> {
        let node = api::node(node)?;
        let storage = api::identifier("storage id", storage)?;
        let params = Params::new().opt_text("content", content);
        let path = format!("/nodes/{node}/storage/{storage}/content");
        Ok(self.get(&path, &params).await?.data)
    }

    /// `GET /nodes/{node}/aplinfo`: templates the node can download.
    pub async fn appliances(&self, node: &str) -> Result<Vec<Appliance>, PveError> {
        let node = api::node(node)?;
        Ok(self
            .get(&format!("/nodes/{node}/aplinfo"), &Params::new())
            .await?
            .data)
    }

    /// `POST /nodes/{node}/aplinfo`: downloads `template` into `storage` (task `download`).
    pub async fn appliance_download(
        &self,
        node: &str,
        storage: &str,
        template: &str,
    ) -> Result<Upid, PveError> {
        let node = api::node(node)?;
        let storage = api::identifier("storage id", storage)?;
        let params = Params::new()
            .text("storage", storage)
            .text("template", template);
        Ok(self
            .post(&format!("/nodes/{node}/aplinfo"), &params)
            .await?
            .data)
    }
}
