//! The template a draft was started from: copied into the draft when it is chosen (so a
//! later edit of the template does not change a draft half-way), with the user's
//! toggles for its buckets and scripts, and how it fills the wizard's form.

use serde::{Deserialize, Serialize};

use super::form::ContainerForm;
use super::spec::NodeOfferings;
use crate::ids::TemplateId;
use crate::template::fields::os_hint_matches;
use crate::template::{PackageRef, TemplateFile, TemplateRef, TemplateView};

/// A template as a draft holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateChoice {
    pub id: TemplateId,
    pub name: String,
    pub revision: u32,
    pub buckets: Vec<BucketChoice>,
    /// The template's own packages (always installed).
    pub packages: Vec<PackageRef>,
    pub scripts: Vec<ScriptChoice>,
    pub files: Vec<TemplateFile>,
}

/// One of the template's buckets, installed unless switched off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketChoice {
    pub name: String,
    pub packages: Vec<PackageRef>,
    pub enabled: bool,
}

/// One of the template's scripts, run unless switched off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptChoice {
    pub name: String,
    pub description: String,
    pub content: String,
    pub enabled: bool,
}

/// A toggle as the Packages and Scripts steps post it: the item's name (hidden) and
/// `on` when ticked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Toggle {
    pub name: String,
    pub on: String,
}

impl TemplateChoice {
    /// The stored template as a draft takes it: its buckets and scripts as the template
    /// sets them (scripts enabled by default are on).
    pub fn of(view: &TemplateView) -> TemplateChoice {
        TemplateChoice {
            id: view.id.clone(),
            name: view.content.name.clone(),
            revision: view.revision,
            buckets: view
                .buckets
                .iter()
                .map(|b| BucketChoice {
                    name: b.name.clone(),
                    packages: b.packages.clone(),
                    enabled: true,
                })
                .collect(),
            packages: view.content.packages.clone(),
            scripts: view
                .content
                .scripts
                .iter()
                .map(|s| ScriptChoice {
                    name: s.name.clone(),
                    description: s.description.clone(),
                    content: s.content.clone(),
                    enabled: s.enabled,
                })
                .collect(),
            files: view.content.files.clone(),
        }
    }

    /// Where the job's record says the container came from.
    pub fn reference(&self) -> TemplateRef {
        TemplateRef {
            id: self.id.clone(),
            name: self.name.clone(),
            revision: self.revision,
        }
    }

    /// The packages to install: its own, then those of the buckets left on, each once.
    pub fn chosen_packages(&self) -> Vec<PackageRef> {
        let mut packages: Vec<PackageRef> = Vec::new();
        let buckets = self.buckets.iter().filter(|b| b.enabled);
        for package in self
            .packages
            .iter()
            .chain(buckets.flat_map(|b| &b.packages))
        {
            if !packages
                .iter()
                .any(|p| p.manager == package.manager && p.name == package.name)
            {
                packages.push(package.clone());
            }
        }
        packages
    }

    /// Applies posted toggles to the items of the same name.
    pub fn toggle(items: &mut [impl Toggled], posted: &[Toggle]) {
        for item in items {
            let on = posted
                .iter()
                .find(|t| t.name == item.name())
                .is_some_and(|t| matches!(t.on.trim(), "on" | "true" | "1"));
            item.set_enabled(on);
        }
    }
}

/// Something the user can switch on or off by name.
pub trait Toggled {
    fn name(&self) -> &str;
    fn set_enabled(&mut self, on: bool);
}

impl Toggled for BucketChoice {
    fn name(&self) -> &str {
        &self.name
    }
    fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }
}

impl Toggled for ScriptChoice {
    fn name(&self) -> &str {
        &self.name
    }
    fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }
}

fn tick(on: bool) -> String {
    if on { "on".into() } else { String::new() }
}

impl ContainerForm {
    /// Fills the form from `view` (sizes, features, tags; the OS template, storage and
    /// bridge when `offerings`, the chosen node's, have matching ones) and keeps the
    /// template in the draft. The node, host name, VMID and network stay as they are.
    pub fn apply_template(&mut self, view: &TemplateView, offerings: &NodeOfferings) {
        let content = &view.content;
        self.cores = content.cores.to_string();
        self.memory = content.memory_mib.to_string();
        self.swap = content.swap_mib.to_string();
        self.rootfs_size = content.disk_gib.to_string();
        self.unprivileged = tick(content.unprivileged);
        self.nesting = tick(content.nesting);
        self.keyctl = tick(content.keyctl);
        self.fuse = tick(content.fuse);
        self.tags = content.tags.join(" ");
        if let Some(hint) = &content.os_hint
            && let Some(volume) = offerings
                .templates
                .iter()
                .filter(|v| os_hint_matches(hint, v))
                .max()
        {
            self.ostemplate = volume.clone();
        }
        if let Some(storage) = &content.storage
            && offerings.storages.contains(storage)
        {
            self.rootfs_storage = storage.clone();
        }
        if let Some(bridge) = &content.bridge
            && offerings.bridges.contains(bridge)
        {
            self.bridge = bridge.clone();
        }
        self.template = Some(TemplateChoice::of(view));
    }

    /// Drops the template: back to starting from scratch (typed values stay).
    pub fn clear_template(&mut self) {
        self.template = None;
    }
}
