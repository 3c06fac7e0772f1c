//! Containers: list, status, create, power actions, delete, interfaces, console (their
//! configuration: [`super::lxc_config`]).

use serde::Deserialize;

use crate::api;
use crate::client::{Client, Secret};
use crate::error::PveError;
use crate::lenient;
use crate::params::Params;
use crate::propstring::{Features, NetConfig};
use crate::upid::Upid;

/// One container in `GET /nodes/{node}/lxc`; also the body of `status/current`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LxcEntry {
    #[serde(deserialize_with = "lenient::vmid")]
    pub vmid: u32,
    /// `running` or `stopped`.
    pub status: String,
    /// The hostname, or `CT<vmid>`.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::f64")]
    pub cpus: f64,
    /// CPU use as a fraction of `cpus` (0..1).
    #[serde(default, deserialize_with = "lenient::f64")]
    pub cpu: f64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub mem: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub maxmem: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub swap: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub maxswap: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub disk: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub maxdisk: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub uptime: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub netin: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub netout: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub diskread: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub diskwrite: u64,
    #[serde(default, deserialize_with = "lenient::tags")]
    pub tags: Vec<String>,
    /// `create`, `destroyed`, `backup`, `snapshot`, … while an operation holds the CT.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub lock: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub template: bool,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub pid: Option<u64>,
}

/// The root disk of a new container: `storage:size-in-GiB`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootfsSpec {
    pub storage: String,
    pub size_gib: u32,
}

/// Everything `POST /nodes/{node}/lxc` takes that Corral uses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CreateSpec {
    pub vmid: u32,
    /// `local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst`.
    pub ostemplate: String,
    pub hostname: Option<String>,
    pub cores: Option<u32>,
    /// MiB.
    pub memory: Option<u32>,
    /// MiB.
    pub swap: Option<u32>,
    pub rootfs: Option<RootfsSpec>,
    pub net0: Option<NetConfig>,
    /// DNS servers, space separated.
    pub nameserver: Option<String>,
    pub searchdomain: Option<String>,
    pub password: Option<Secret>,
    /// OpenSSH public keys, one per line.
    pub ssh_public_keys: Option<String>,
    /// Sent explicitly: PVE's default changed from 0 to 1 in PVE 9.
    pub unprivileged: bool,
    pub features: Features,
    pub onboot: Option<bool>,
    pub start: Option<bool>,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub pool: Option<String>,
}

impl CreateSpec {
    /// The form parameters, as PVE expects them.
    pub fn to_params(&self) -> Params {
        Params::new()
            .number("vmid", self.vmid)
            .text("ostemplate", &self.ostemplate)
            .opt_text("hostname", self.hostname.as_deref())
            .opt_number("cores", self.cores)
            .opt_number("memory", self.memory)
            .opt_number("swap", self.swap)
            .opt_text(
                "rootfs",
                self.rootfs
                    .as_ref()
                    .map(|r| format!("{}:{}", r.storage, r.size_gib)),
            )
            .opt_text("net0", self.net0.as_ref().map(NetConfig::to_string))
            .opt_text("nameserver", self.nameserver.as_deref())
            .opt_text("searchdomain", self.searchdomain.as_deref())
            .opt_text("password", self.password.as_ref().map(Secret::expose))
            .opt_text("ssh-public-keys", self.ssh_public_keys.as_deref())
            .flag("unprivileged", self.unprivileged)
            .opt_text(
                "features",
                (!self.features.is_empty()).then(|| self.features.to_string()),
            )
            .opt_flag("onboot", self.onboot)
            .opt_flag("start", self.start)
            .opt_text("tags", (!self.tags.is_empty()).then(|| self.tags.join(";")))
            .opt_text("description", self.description.as_deref())
            .opt_text("pool", self.pool.as_deref())
    }
}

/// A power action on a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PowerAction {
    Start,
    /// Immediate stop.
    Stop,
    /// Graceful: ask the init to stop, wait up to `timeout` seconds, then stop hard
    /// only when `force_stop`.
    Shutdown {
        timeout: Option<u32>,
        force_stop: bool,
    },
    Reboot {
        timeout: Option<u32>,
    },
    Suspend,
    Resume,
}

impl PowerAction {
    fn path_and_params(&self) -> (&'static str, Params) {
        match self {
            PowerAction::Start => ("start", Params::new()),
            PowerAction::Stop => ("stop", Params::new()),
            PowerAction::Shutdown {
                timeout,
                force_stop,
            } => (
                "shutdown",
                Params::new()
                    .opt_number("timeout", *timeout)
                    .flag("forceStop", *force_stop),
            ),
            PowerAction::Reboot { timeout } => {
                ("reboot", Params::new().opt_number("timeout", *timeout))
            }
            PowerAction::Suspend => ("suspend", Params::new()),
            PowerAction::Resume => ("resume", Params::new()),
        }
    }
}

/// Options of `DELETE /nodes/{node}/lxc/{vmid}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeleteOptions {
    /// Also remove the CT from backup jobs, replication and HA.
    pub purge: bool,
    /// Also delete unreferenced `vm-<vmid>-*` volumes.
    pub destroy_unreferenced_disks: bool,
    /// Stop a running CT first.
    pub force: bool,
}

/// One interface from `GET /nodes/{node}/lxc/{vmid}/interfaces`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Interface {
    pub name: String,
    #[serde(default)]
    pub hwaddr: Option<String>,
    /// The last IPv4 address as `addr/prefix` (deprecated by PVE but always present).
    #[serde(default)]
    pub inet: Option<String>,
    #[serde(default)]
    pub inet6: Option<String>,
    /// Every address (PVE 8.3+).
    #[serde(default, rename = "ip-addresses")]
    pub ip_addresses: Vec<IpAddress>,
}

/// One address of an [`Interface`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct IpAddress {
    /// `inet` or `inet6`.
    #[serde(rename = "ip-address-type")]
    pub family: String,
    #[serde(rename = "ip-address")]
    pub address: String,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub prefix: u64,
}

impl Interface {
    /// IPv4 addresses without prefix, from `ip-addresses` or, on older PVE, `inet`.
    pub fn ipv4_addresses(&self) -> Vec<String> {
        let listed: Vec<String> = self
            .ip_addresses
            .iter()
            .filter(|a| a.family == "inet")
            .map(|a| a.address.clone())
            .collect();
        if !listed.is_empty() {
            return listed;
        }
        self.inet
            .iter()
            .map(|cidr| cidr.split('/').next().unwrap_or(cidr).to_owned())
            .collect()
    }
}

/// `POST /nodes/{node}/lxc/{vmid}/termproxy`: where and how to open a console.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TermProxy {
    pub user: String,
    /// The short-lived VNC ticket (about 40 s).
    #[serde(deserialize_with = "secret")]
    pub ticket: Secret,
    /// Sent as a string by PVE.
    #[serde(deserialize_with = "lenient::u64")]
    pub port: u64,
    pub upid: Upid,
}

fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::new)
}

impl Client {
    /// `GET /nodes/{node}/lxc`: the containers on one node.
    pub async fn lxc_list(&self, node: &str) -> Result<Vec<LxcEntry>, PveError> {
        let node = api::node(node)?;
        Ok(self
            .get(&format!("/nodes/{node}/lxc"), &Params::new())
            .await?
            .data)
    }

    /// `GET /nodes/{node}/lxc/{vmid}/status/current`.
    pub async fn lxc_status(&self, node: &str, vmid: u32) -> Result<LxcEntry, PveError> {
        let node = api::node(node)?;
        let path = format!("/nodes/{node}/lxc/{vmid}/status/current");
        Ok(self.get(&path, &Params::new()).await?.data)
    }

    /// `POST /nodes/{node}/lxc`: starts the `vzcreate` task.
    pub async fn lxc_create(&self, node: &str, spec: &CreateSpec) -> Result<Upid, PveError> {
        let node = api::node(node)?;
        Ok(self
            .post(&format!("/nodes/{node}/lxc"), &spec.to_params())
            .await?
            .data)
    }

    /// `POST /nodes/{node}/lxc/{vmid}/status/{action}`: starts the power task.
    pub async fn lxc_power(
        &self,
        node: &str,
        vmid: u32,
        action: &PowerAction,
    ) -> Result<Upid, PveError> {
        let node = api::node(node)?;
        let (name, params) = action.path_and_params();
        let path = format!("/nodes/{node}/lxc/{vmid}/status/{name}");
        Ok(self.post(&path, &params).await?.data)
    }

    /// `DELETE /nodes/{node}/lxc/{vmid}`: starts the `vzdestroy` task.
    pub async fn lxc_delete(
        &self,
        node: &str,
        vmid: u32,
        options: DeleteOptions,
    ) -> Result<Upid, PveError> {
        let node = api::node(node)?;
        let params = Params::new()
            .flag("purge", options.purge)
            .flag(
                "destroy-unreferenced-disks",
                options.destroy_unreferenced_disks,
            )
            .flag("force", options.force);
        Ok(self
            .delete(&format!("/nodes/{node}/lxc/{vmid}"), &params)
            .await?
            .data)
    }

    /// `GET /nodes/{node}/lxc/{vmid}/interfaces`; `None` while the CT is stopped.
    pub async fn lxc_interfaces(
        &self,
        node: &str,
        vmid: u32,
    ) -> Result<Option<Vec<Interface>>, PveError> {
        let node = api::node(node)?;
        let path = format!("/nodes/{node}/lxc/{vmid}/interfaces");
        Ok(self.get(&path, &Params::new()).await?.data)
    }

    /// `POST /nodes/{node}/lxc/{vmid}/termproxy`: opens a console session.
    pub async fn lxc_termproxy(&self, node: &str, vmid: u32) -> Result<TermProxy, PveError> {
        let node = api::node(node)?;
        let path = format!("/nodes/{node}/lxc/{vmid}/termproxy");
        Ok(self.post(&path, &Params::new()).await?.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_spec_becomes_the_documented_form() {
        let spec = CreateSpec {
            vmid: 105,
            ostemplate: "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst".into(),
            hostname: Some("web-01".into()),
            cores: Some(2),
            memory: Some(2048),
            swap: Some(512),
            rootfs: Some(RootfsSpec {
                storage: "local-lvm".into(),
                size_gib: 8,
            }),
            net0: Some("name=eth0,bridge=vmbr0,ip=dhcp".parse().unwrap()),
            unprivileged: true,
            features: "nesting=1".parse().unwrap(),
            onboot: Some(true),
            tags: vec!["web".into()],
            ..CreateSpec::default()
        };
        let params = spec.to_params();
        let pairs: Vec<(&str, &str)> = params
            .pairs()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("vmid", "105"),
                (
                    "ostemplate",
                    "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst"
                ),
                ("hostname", "web-01"),
                ("cores", "2"),
                ("memory", "2048"),
                ("swap", "512"),
                ("rootfs", "local-lvm:8"),
                ("net0", "name=eth0,bridge=vmbr0,ip=dhcp"),
                ("unprivileged", "1"),
                ("features", "nesting=1"),
                ("onboot", "1"),
                ("tags", "web"),
            ]
        );
    }

    #[test]
    fn interfaces_give_ipv4_from_either_generation() {
        let new: Interface = serde_json::from_str(
            r#"{"name":"eth0","hwaddr":"bc:24:11:aa:bb:cc","inet":"10.0.0.5/24",
                "ip-addresses":[{"ip-address-type":"inet","ip-address":"10.0.0.5","prefix":24},
                                {"ip-address-type":"inet6","ip-address":"fe80::1","prefix":64}]}"#,
        )
        .unwrap();
        assert_eq!(new.ipv4_addresses(), ["10.0.0.5"]);
        let old: Interface =
            serde_json::from_str(r#"{"name":"eth0","inet":"10.0.0.6/24"}"#).unwrap();
        assert_eq!(old.ipv4_addresses(), ["10.0.0.6"]);
    }

    #[test]
    fn old_list_entries_with_string_numbers_still_read() {
        let entry: LxcEntry = serde_json::from_str(
            r#"{"vmid":"100","status":"stopped","name":"ct","maxdisk":"1031540736","disk":"",
                "template":"","lock":"","pid":"3578","cpus":1}"#,
        )
        .unwrap();
        assert_eq!(entry.vmid, 100);
        assert_eq!(entry.maxdisk, 1_031_540_736);
        assert_eq!(entry.disk, 0);
        assert_eq!(entry.lock, None);
        assert!(!entry.template);
        assert_eq!(entry.pid, Some(3578));
    }
}
