//! A checked template: what is stored, exported and turned into a container.

use serde::{Deserialize, Serialize};

use super::kinds::FilePolicy;
use super::packages::PackageRef;
use crate::ids::BucketId;

/// One of a template's scripts, run in order with `sh` inside the new container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateScript {
    pub name: String,
    pub description: String,
    pub content: String,
    /// Ticked in the wizard unless the user unticks it.
    pub enabled: bool,
}

/// One of a template's files, deployed into the new container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateFile {
    pub name: String,
    /// The absolute directory the file goes into.
    pub target_dir: String,
    pub policy: FilePolicy,
    /// Permission bits, such as `0o644`.
    pub mode: u32,
    pub content: String,
}

impl TemplateFile {
    /// Where the file lands: target directory and name.
    pub fn target_path(&self) -> String {
        if self.target_dir == "/" {
            format!("/{}", self.name)
        } else {
            format!("{}/{}", self.target_dir, self.name)
        }
    }
}

/// A template whose every field passed its check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateContent {
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    /// The start of the OS template's file name (`debian-12`), if the template asks for one.
    pub os_hint: Option<String>,
    pub cores: u32,
    pub memory_mib: u32,
    pub swap_mib: u32,
    pub disk_gib: u32,
    pub storage: Option<String>,
    pub bridge: Option<String>,
    pub unprivileged: bool,
    pub nesting: bool,
    pub keyctl: bool,
    pub fuse: bool,
    pub scripts: Vec<TemplateScript>,
    pub files: Vec<TemplateFile>,
    /// The package buckets it selects, in order.
    pub buckets: Vec<BucketId>,
    /// Packages of its own, beyond the buckets'.
    pub packages: Vec<PackageRef>,
}

impl TemplateContent {
    /// An empty template named `name` with the wizard's defaults.
    pub fn named(name: &str) -> TemplateContent {
        TemplateContent {
            name: name.to_owned(),
            description: String::new(),
            tags: Vec::new(),
            os_hint: None,
            cores: 1,
            memory_mib: 512,
            swap_mib: 512,
            disk_gib: 8,
            storage: None,
            bridge: None,
            unprivileged: true,
            nesting: true,
            keyctl: false,
            fuse: false,
            scripts: Vec::new(),
            files: Vec::new(),
            buckets: Vec::new(),
            packages: Vec::new(),
        }
    }
}
