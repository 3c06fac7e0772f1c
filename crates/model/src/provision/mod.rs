//! What a new container is made of: the wizard's form as typed ([`ContainerForm`], kept
//! in the draft so a reload shows exactly what was entered), the checks of each field
//! ([`fields`], [`network`], [`ssh_keys`]), the wizard's steps ([`Step`]) and the checked
//! specification a job runs ([`ContainerSpec`]). The same checks run in the browser for
//! instant feedback and on the server before anything is stored or sent to Proxmox.

pub mod fields;
mod form;
pub mod network;
mod spec;
pub mod ssh_keys;
mod step;
mod template_choice;

pub use fields::{
    CORES, DISK_GIB, MAX_PACKAGES, MAX_SCRIPT_BYTES, MAX_SCRIPTS, MAX_SSH_KEYS, MEMORY_MIB,
    SWAP_MIB, hostname, nameservers, number, ostemplate, packages, pve_name, script_name, scripts,
    searchdomain, tags, vmid,
};
pub use form::{ContainerForm, ScriptForm};
pub use network::{ipv4, ipv6};
pub use spec::{ContainerSpec, Ipv4Config, Ipv6Config, NodeOfferings, Script};
pub use ssh_keys::ssh_keys;
pub use step::{Go, Step};
pub use template_choice::{BucketChoice, ScriptChoice, TemplateChoice, Toggle, Toggled};
