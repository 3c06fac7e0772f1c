//! The wizard's form exactly as typed, and how it becomes a [`ContainerSpec`].

use serde::{Deserialize, Serialize};

use super::fields::{
    CORES, DISK_GIB, MEMORY_MIB, SWAP_MIB, hostname, nameservers, number, ostemplate, packages,
    pve_name, scripts, searchdomain, tags, vmid,
};
use super::network::{ipv4, ipv6};
use super::spec::{ContainerSpec, Script};
use super::ssh_keys::ssh_keys;
use super::step::Step;
use super::template_choice::{TemplateChoice, Toggle};
use crate::ids::NodeId;
use crate::validate::FieldError;

/// The wizard's fields exactly as typed; every field is text so that a plain form post
/// and a half-finished draft can both hold it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerForm {
    /// Corral's node record id.
    pub node_id: String,
    /// `local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst`.
    pub ostemplate: String,
    pub hostname: String,
    pub vmid: String,
    pub cores: String,
    /// MiB.
    pub memory: String,
    /// MiB.
    pub swap: String,
    pub rootfs_storage: String,
    /// GiB.
    pub rootfs_size: String,
    pub bridge: String,
    /// `dhcp` or `static`.
    pub ipv4_mode: String,
    /// `192.0.2.10/24` when static.
    pub ipv4: String,
    pub gateway4: String,
    /// `none`, `auto` (SLAAC), `dhcp` or `static`.
    pub ipv6_mode: String,
    pub ipv6: String,
    pub gateway6: String,
    /// DNS servers, separated by spaces or commas; blank uses the node's.
    pub nameservers: String,
    pub searchdomain: String,
    /// Checkboxes: `on` when ticked, blank otherwise.
    pub unprivileged: String,
    pub nesting: String,
    pub keyctl: String,
    pub fuse: String,
    /// Separated by spaces, commas or semicolons.
    pub tags: String,
    /// OpenSSH public keys for root, one per line.
    pub ssh_keys: String,
    /// Extra packages, one per line.
    pub packages: String,
    pub scripts: Vec<ScriptForm>,
    /// Keep a half-made container when the job fails (for debugging).
    pub keep_on_failure: String,
    /// The template the draft was started from (never posted: set by choosing one).
    pub template: Option<TemplateChoice>,
    /// The Packages step's switches for the template's buckets (as posted).
    pub bucket_toggles: Vec<Toggle>,
    /// The Scripts step's switches for the template's scripts (as posted).
    pub script_toggles: Vec<Toggle>,
}

/// One inline script as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScriptForm {
    pub name: String,
    pub content: String,
}

impl ContainerForm {
    /// A new form with the wizard's defaults.
    pub fn with_defaults() -> ContainerForm {
        ContainerForm {
            cores: "1".into(),
            memory: "512".into(),
            swap: "512".into(),
            rootfs_size: "8".into(),
            bridge: "vmbr0".into(),
            ipv4_mode: "dhcp".into(),
            ipv6_mode: "none".into(),
            unprivileged: "on".into(),
            nesting: "on".into(),
            ..ContainerForm::default()
        }
    }
}

/// The chosen node: one of the user's (the server checks whose), never blank.
fn node_id(value: &str) -> Result<NodeId, FieldError> {
    NodeId::parse(value.trim()).ok_or_else(|| FieldError::new("node_id", "choose a node"))
}

/// A checkbox: `on` when ticked.
fn ticked(value: &str) -> bool {
    matches!(value.trim(), "on" | "true" | "1" | "yes")
}

impl ContainerForm {
    /// Copies the fields that `step`'s form posts from `posted` (a checkbox left unticked
    /// is not posted at all, so it becomes blank here).
    pub fn take_step(&mut self, step: Step, posted: &ContainerForm) {
        match step {
            Step::Template => {}
            Step::Configure => {
                let keep = (
                    std::mem::take(&mut self.packages),
                    std::mem::take(&mut self.scripts),
                    std::mem::take(&mut self.keep_on_failure),
                    self.template.take(),
                );
                *self = posted.clone();
                (
                    self.packages,
                    self.scripts,
                    self.keep_on_failure,
                    self.template,
                ) = keep;
            }
            Step::Packages => {
                self.packages = posted.packages.clone();
                if let Some(template) = &mut self.template {
                    TemplateChoice::toggle(&mut template.buckets, &posted.bucket_toggles);
                }
            }
            Step::Scripts => {
                self.scripts = posted.scripts.clone();
                if let Some(template) = &mut self.template {
                    TemplateChoice::toggle(&mut template.scripts, &posted.script_toggles);
                }
            }
            Step::Review => self.keep_on_failure = posted.keep_on_failure.clone(),
        }
    }

    /// Checks the fields of one step; the first error is returned.
    pub fn check_step(&self, step: Step) -> Result<(), FieldError> {
        self.errors(step).into_iter().next().map_or(Ok(()), Err)
    }

    /// Every field error of one step, in form order (the browser shows each under its
    /// field as the user types; the server refuses Next on the first).
    pub fn errors(&self, step: Step) -> Vec<FieldError> {
        let results: Vec<Result<(), FieldError>> = match step {
            Step::Template | Step::Review => Vec::new(),
            Step::Configure => vec![
                node_id(&self.node_id).map(drop),
                ostemplate("ostemplate", &self.ostemplate).map(drop),
                pve_name(
                    "rootfs_storage",
                    &self.rootfs_storage,
                    "storage for the root disk",
                )
                .map(drop),
                pve_name("bridge", &self.bridge, "bridge").map(drop),
                hostname("hostname", &self.hostname).map(drop),
                vmid("vmid", &self.vmid).map(drop),
                number("cores", &self.cores, CORES, "").map(drop),
                number("memory", &self.memory, MEMORY_MIB, " MiB").map(drop),
                number("swap", &self.swap, SWAP_MIB, " MiB").map(drop),
                number("rootfs_size", &self.rootfs_size, DISK_GIB, " GiB").map(drop),
                ipv4(&self.ipv4_mode, &self.ipv4, &self.gateway4).map(drop),
                ipv6(&self.ipv6_mode, &self.ipv6, &self.gateway6).map(drop),
                nameservers("nameservers", &self.nameservers).map(drop),
                searchdomain("searchdomain", &self.searchdomain).map(drop),
                tags("tags", &self.tags).map(drop),
                ssh_keys("ssh_keys", &self.ssh_keys).map(drop),
            ],
            Step::Packages => vec![packages("packages", &self.packages).map(drop)],
            Step::Scripts => vec![scripts(&self.scripts).map(drop)],
        };
        results.into_iter().filter_map(Result::err).collect()
    }

    fn configure(&self) -> Result<ContainerSpec, FieldError> {
        Ok(ContainerSpec {
            node_id: node_id(&self.node_id)?,
            ostemplate: ostemplate("ostemplate", &self.ostemplate)?,
            hostname: hostname("hostname", &self.hostname)?,
            vmid: vmid("vmid", &self.vmid)?,
            cores: number("cores", &self.cores, CORES, "")?,
            memory_mib: number("memory", &self.memory, MEMORY_MIB, " MiB")?,
            swap_mib: number("swap", &self.swap, SWAP_MIB, " MiB")?,
            rootfs_storage: pve_name(
                "rootfs_storage",
                &self.rootfs_storage,
                "storage for the root disk",
            )?,
            rootfs_gib: number("rootfs_size", &self.rootfs_size, DISK_GIB, " GiB")?,
            bridge: pve_name("bridge", &self.bridge, "bridge")?,
            ipv4: ipv4(&self.ipv4_mode, &self.ipv4, &self.gateway4)?,
            ipv6: ipv6(&self.ipv6_mode, &self.ipv6, &self.gateway6)?,
            nameservers: nameservers("nameservers", &self.nameservers)?,
            searchdomain: searchdomain("searchdomain", &self.searchdomain)?,
            unprivileged: ticked(&self.unprivileged),
            nesting: ticked(&self.nesting),
            keyctl: ticked(&self.keyctl),
            fuse: ticked(&self.fuse),
            tags: tags("tags", &self.tags)?,
            ssh_keys: ssh_keys("ssh_keys", &self.ssh_keys)?,
            packages: Vec::new(),
            template_packages: Vec::new(),
            files: Vec::new(),
            scripts: Vec::new(),
            keep_on_failure: ticked(&self.keep_on_failure),
            template: None,
        })
    }

    /// Checks every field; the specification a job runs, or the first error. A
    /// template's enabled scripts run before the wizard's own, which may not reuse
    /// their names.
    pub fn validate(&self) -> Result<ContainerSpec, FieldError> {
        let mut spec = self.configure()?;
        spec.packages = packages("packages", &self.packages)?;
        let extra = scripts(&self.scripts)?;
        if let Some(template) = &self.template {
            spec.template = Some(template.reference());
            spec.template_packages = template.chosen_packages();
            spec.files = template.files.clone();
            spec.scripts = template
                .scripts
                .iter()
                .filter(|s| s.enabled)
                .map(|s| Script {
                    name: s.name.clone(),
                    content: s.content.clone(),
                })
                .collect();
            if let Some(clash) = self
                .scripts
                .iter()
                .position(|e| template.scripts.iter().any(|s| s.name == e.name.trim()))
            {
                return Err(FieldError::new(
                    &format!("scripts[{clash}][name]"),
                    "the template has a script of this name",
                ));
            }
        }
        spec.scripts.extend(extra);
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::super::spec::Ipv4Config;
    use super::*;

    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop";

    fn valid_form() -> ContainerForm {
        ContainerForm {
            node_id: "n1".into(),
            ostemplate: "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst".into(),
            hostname: "web-1".into(),
            vmid: "120".into(),
            rootfs_storage: "local-lvm".into(),
            ..ContainerForm::with_defaults()
        }
    }

    #[test]
    fn a_complete_form_becomes_a_spec() {
        let mut form = valid_form();
        form.ipv4_mode = "static".into();
        form.ipv4 = "192.0.2.10/24".into();
        form.gateway4 = "192.0.2.1".into();
        form.tags = "Web, edge;web".into();
        form.ssh_keys = format!("{ED25519}\n\n");
        form.packages = "nginx\ncurl\nnginx\n".into();
        form.scripts = vec![
            ScriptForm {
                name: "setup".into(),
                content: "echo hi\r\n".into(),
            },
            ScriptForm::default(),
        ];
        let spec = form.validate().unwrap();
        assert_eq!(spec.vmid.get(), 120);
        assert_eq!(spec.memory_mib, 512);
        assert!(spec.unprivileged && spec.nesting && !spec.keyctl);
        assert_eq!(spec.tags, ["web", "edge"]);
        assert_eq!(spec.packages, ["nginx", "curl"]);
        assert_eq!(spec.scripts.len(), 1);
        assert_eq!(spec.scripts[0].content, "echo hi\n");
        assert_eq!(spec.ssh_keys.len(), 1);
        assert!(matches!(
            spec.ipv4,
            Ipv4Config::Static {
                prefix: 24,
                gateway: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn errors_name_their_field() {
        let field = |change: fn(&mut ContainerForm)| {
            let mut form = valid_form();
            change(&mut form);
            form.validate().unwrap_err().field
        };
        assert_eq!(field(|f| f.hostname = "-web".into()), "hostname");
        assert_eq!(field(|f| f.hostname = "a".repeat(64)), "hostname");
        assert_eq!(field(|f| f.vmid = "99".into()), "vmid");
        assert_eq!(field(|f| f.cores = "129".into()), "cores");
        assert_eq!(field(|f| f.memory = "15".into()), "memory");
        assert_eq!(field(|f| f.rootfs_size = "0".into()), "rootfs_size");
        assert_eq!(
            field(|f| f.ostemplate = "local:iso/x.iso".into()),
            "ostemplate"
        );
        assert_eq!(field(|f| f.bridge = "vmbr0;reboot".into()), "bridge");
        assert_eq!(field(|f| f.node_id = String::new()), "node_id");
        assert_eq!(
            field(|f| {
                f.ipv4_mode = "static".into();
                f.ipv4 = "192.0.2.10/24".into();
                f.gateway4 = "198.51.100.1".into();
            }),
            "gateway4"
        );
        assert_eq!(
            field(|f| {
                f.ipv4_mode = "static".into();
                f.ipv4 = "192.0.2.10".into();
            }),
            "ipv4"
        );
        assert_eq!(
            field(|f| {
                f.ipv6_mode = "static".into();
                f.ipv6 = "2001:db8::10/64".into();
                f.gateway6 = "2001:db9::1".into();
            }),
            "gateway6"
        );
        assert_eq!(
            field(|f| f.nameservers = "1.1.1.1 dns.example".into()),
            "nameservers"
        );
        assert_eq!(field(|f| f.tags = "ok -bad".into()), "tags");
        assert_eq!(
            field(|f| f.packages = "curl\n--allow-unauthenticated".into()),
            "packages"
        );
        assert_eq!(field(|f| f.packages = "curl; rm -rf /".into()), "packages");
        assert_eq!(
            field(|f| f.scripts = vec![ScriptForm {
                name: "a/b".into(),
                content: "x".into()
            }]),
            "scripts[0][name]"
        );
        assert_eq!(
            field(|f| f.scripts = vec![ScriptForm {
                name: "empty".into(),
                content: " ".into()
            }]),
            "scripts[0][content]"
        );
    }

    #[test]
    fn a_step_takes_only_its_own_fields() {
        let mut stored = valid_form();
        stored.packages = "nginx".into();
        stored.keep_on_failure = "on".into();
        let mut posted = ContainerForm {
            hostname: "renamed".into(),
            ..ContainerForm::default()
        };
        posted.packages = "ignored".into();
        stored.take_step(Step::Configure, &posted);
        assert_eq!(stored.hostname, "renamed");
        assert_eq!(stored.nesting, "", "an unticked checkbox is not posted");
        assert_eq!(stored.packages, "nginx", "other steps' fields stay");
        assert_eq!(stored.keep_on_failure, "on");
        stored.take_step(Step::Packages, &posted);
        assert_eq!(stored.packages, "ignored");
        assert_eq!(Step::of_field("scripts[1][name]"), Step::Scripts);
        let mut broken = valid_form();
        broken.hostname = "-x".into();
        broken.memory = "1".into();
        let fields: Vec<String> = broken
            .errors(Step::Configure)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["hostname", "memory"], "every error, in form order");
        assert_eq!(Step::of_field("gateway4"), Step::Configure);
    }
}
