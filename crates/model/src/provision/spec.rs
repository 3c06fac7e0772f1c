//! The checked specification a provisioning job runs, and what a node offers a new
//! container.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::ids::{NodeId, Vmid};
use crate::template::{PackageRef, TemplateFile, TemplateRef};

/// What a node offers a new container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeOfferings {
    /// OS template volumes, `local:vztmpl/…`.
    pub templates: Vec<String>,
    /// Storages that can hold a root disk.
    pub storages: Vec<String>,
    /// Bridges such as `vmbr0`.
    pub bridges: Vec<String>,
}

/// How the first interface gets its IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ipv4Config {
    Dhcp,
    Static {
        address: Ipv4Addr,
        prefix: u8,
        gateway: Option<Ipv4Addr>,
    },
}

/// How the first interface gets its IPv6 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ipv6Config {
    None,
    Auto,
    Dhcp,
    Static {
        address: Ipv6Addr,
        prefix: u8,
        gateway: Option<Ipv6Addr>,
    },
}

/// One script to run inside the new container, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    pub name: String,
    pub content: String,
}

/// A checked container: every value within its bounds, every name safe to pass on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerSpec {
    pub node_id: NodeId,
    pub ostemplate: String,
    pub hostname: String,
    pub vmid: Vmid,
    pub cores: u32,
    pub memory_mib: u32,
    pub swap_mib: u32,
    pub rootfs_storage: String,
    pub rootfs_gib: u32,
    pub bridge: String,
    pub ipv4: Ipv4Config,
    pub ipv6: Ipv6Config,
    pub nameservers: Vec<String>,
    pub searchdomain: Option<String>,
    pub unprivileged: bool,
    pub nesting: bool,
    pub keyctl: bool,
    pub fuse: bool,
    pub tags: Vec<String>,
    pub ssh_keys: Vec<String>,
    /// Extra packages typed in the wizard, for the container's own package manager.
    pub packages: Vec<String>,
    /// The template's packages (its chosen buckets and its own), each with its manager.
    #[serde(default)]
    pub template_packages: Vec<PackageRef>,
    /// The template's files, deployed before the packages.
    #[serde(default)]
    pub files: Vec<TemplateFile>,
    /// The template's enabled scripts, then the wizard's own, in order.
    pub scripts: Vec<Script>,
    pub keep_on_failure: bool,
    /// The template the container was made from.
    #[serde(default)]
    pub template: Option<TemplateRef>,
}
