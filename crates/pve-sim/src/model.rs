//! The simulated cluster's state: nodes, storages, templates, containers, tasks, tokens.
//!
//! Plain data behind one mutex; the HTTP layer checks requests, the task runner changes
//! state over time. Nothing here awaits.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

use crate::config::SimConfig;
use crate::disk::{Disk, PctEntry, Plan};

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// One cluster node.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    /// When the node "booted" (Unix seconds), for uptime and UPID `pstart`.
    pub boot_time: u64,
    pub cpus: u32,
    pub memory: u64,
}

pub use crate::catalog::{APPLIANCES, STORAGES, StorageDef, storage_of};

pub const GIB: u64 = 1024 * 1024 * 1024;
pub const MIB: u64 = 1024 * 1024;

/// A bridge on every node.
pub const BRIDGES: [(&str, &str); 2] = [("vmbr0", "192.168.100.2/24"), ("vmbr1", "")];

/// A snapshot of a container.
#[derive(Debug, Clone)]
pub struct SnapshotDef {
    pub name: String,
    pub description: String,
    pub snaptime: u64,
    pub parent: Option<String>,
    pub config: BTreeMap<String, String>,
}

/// A container.
#[derive(Debug, Clone)]
pub struct Ct {
    pub vmid: u32,
    pub node: String,
    /// The config file's keys, as strings (PVE types them on output).
    pub config: BTreeMap<String, String>,
    pub running: bool,
    pub started: Option<Instant>,
    pub pid: u32,
    pub snapshots: Vec<SnapshotDef>,
    /// The DHCP (or static) address, known once the network is up.
    pub ip: Option<String>,
    /// When a DHCP address appears after a start.
    pub ip_ready_at: Option<Instant>,
    /// A per-container factor for the load figures.
    pub load: f64,
    /// The UPID of the task holding this container's config lock file, if any.
    pub busy: Option<String>,
    /// Changes made while it ran that apply at its next start (`None`: the key goes).
    pub pending: BTreeMap<String, Option<String>>,
    /// When a stopped container last ran (Unix seconds, from, to): its history.
    pub last_run: Option<(u64, u64)>,
}

impl Ct {
    /// The `lock` config key, if any.
    pub fn lock(&self) -> Option<&str> {
        self.config.get("lock").map(String::as_str)
    }

    pub fn name(&self) -> String {
        self.config
            .get("hostname")
            .cloned()
            .unwrap_or_else(|| format!("CT{}", self.vmid))
    }

    pub fn uptime(&self) -> u64 {
        match (self.running, self.started) {
            (true, Some(started)) => started.elapsed().as_secs(),
            _ => 0,
        }
    }

    /// Whether it ran during the `step` seconds from Unix time `t` (now it runs since its
    /// start; stopped, during its last run), as an RRD step with any sample has a value.
    pub fn ran_during(&self, t: u64, step: u64, now: u64) -> bool {
        let end = t + step;
        if self.running {
            end > now.saturating_sub(self.uptime())
        } else {
            self.last_run
                .is_some_and(|(from, to)| end > from && t <= to)
        }
    }

    fn number(&self, key: &str, default: u64) -> u64 {
        self.config
            .get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// Configured memory in bytes (default 512 MiB).
    pub fn maxmem(&self) -> u64 {
        self.number("memory", 512) * MIB
    }

    pub fn maxswap(&self) -> u64 {
        self.number("swap", 512) * MIB
    }

    pub fn cores(&self, host_cpus: u32) -> u64 {
        self.number("cores", u64::from(host_cpus))
    }

    /// Root disk size from `rootfs: …,size=8G` (4 GiB when unknown).
    pub fn maxdisk(&self) -> u64 {
        self.config
            .get("rootfs")
            .and_then(|r| r.split(',').find_map(|p| p.strip_prefix("size=")))
            .and_then(parse_size)
            .unwrap_or(4 * GIB)
    }

    /// The config digest PVE reports (40 hex digits).
    pub fn digest(&self) -> String {
        digest_of(&self.config)
    }

    /// The IP address once the network is up.
    pub fn current_ip(&self) -> Option<&str> {
        let ready = self.ip_ready_at.is_none_or(|at| Instant::now() >= at);
        (self.running && ready)
            .then_some(self.ip.as_deref())
            .flatten()
    }

    /// Moving figures of a running container: (cpu fraction, mem, disk, netin, netout,
    /// diskread, diskwrite).
    pub fn live_figures(&self) -> LiveFigures {
        if !self.running {
            return LiveFigures::default();
        }
        let uptime = self.started.map_or(0.0, |s| s.elapsed().as_secs_f64());
        let wave = ((uptime / 7.0) + self.load * 10.0).sin().abs();
        let maxmem = self.maxmem() as f64;
        LiveFigures {
            cpu: (0.02 + 0.3 * self.load * wave).min(1.0),
            mem: (maxmem * (0.15 + 0.25 * self.load + 0.05 * wave)) as u64,
            disk: (self.maxdisk() as f64 * (0.2 + 0.3 * self.load)) as u64,
            netin: (uptime * 2_000.0 * (1.0 + self.load)) as u64,
            netout: (uptime * 900.0 * (1.0 + self.load)) as u64,
            diskread: (uptime * 4_000.0 * self.load) as u64 + 12_000_000,
            diskwrite: (uptime * 1_500.0 * self.load) as u64 + 3_000_000,
        }
    }
}

/// Load figures of a running container; all zero when stopped.
#[derive(Debug, Clone, Copy, Default)]
pub struct LiveFigures {
    pub cpu: f64,
    pub mem: u64,
    pub disk: u64,
    pub netin: u64,
    pub netout: u64,
    pub diskread: u64,
    pub diskwrite: u64,
}

/// `8G`, `512M`, `1T` to bytes.
/// (year, month, day, hour, minute, second) in UTC of Unix seconds (Howard Hinnant's
/// days-to-civil).
pub fn civil(epoch: u64) -> (i64, u32, u32, u64, u64, u64) {
    let days = (epoch / 86_400) as i64;
    let seconds = epoch % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    )
}

/// A size as PVE prints it in a volume: `12G`, `512M`, `1536K`.
pub fn size_text(bytes: u64) -> String {
    for (unit, factor) in [("T", GIB * 1024), ("G", GIB), ("M", MIB), ("K", 1024)] {
        if bytes >= factor && bytes.is_multiple_of(factor) {
            return format!("{}{unit}", bytes / factor);
        }
    }
    bytes.to_string()
}

pub fn parse_size(size: &str) -> Option<u64> {
    let (digits, unit) = size.split_at(size.find(|c: char| !c.is_ascii_digit() && c != '.')?);
    let number: f64 = digits.parse().ok()?;
    let factor = match unit {
        "K" => 1024.0,
        "M" => MIB as f64,
        "G" => GIB as f64,
        "T" => GIB as f64 * 1024.0,
        _ => return None,
    };
    Some((number * factor) as u64)
}

/// The digest of a config: SHA-1-sized hex over its printed form.
pub fn digest_of(config: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (key, value) in config {
        hasher.update(key.as_bytes());
        hasher.update(b": ");
        hasher.update(value.as_bytes());
        hasher.update(b"\n");
    }
    hasher
        .finalize()
        .iter()
        .take(20)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A task: running until `exit` is set.
#[derive(Debug, Clone)]
pub struct Task {
    pub upid: String,
    pub node: String,
    pub pid: u32,
    pub pstart: u64,
    pub starttime: u64,
    pub kind: String,
    pub id: String,
    pub user: String,
    pub log: Vec<String>,
    /// `OK`, `WARNINGS: n` or the error; `None` while running.
    pub exit: Option<String>,
    pub endtime: Option<u64>,
    /// Set by `DELETE …/tasks/{upid}`.
    pub interrupted: bool,
}

/// An API token and what it may do.
#[derive(Debug, Clone)]
pub struct TokenDef {
    /// `root@pam!corral`.
    pub id: String,
    pub secret: String,
    /// `None`: every privilege; otherwise only these (e.g. `VM.Audit`).
    pub privileges: Option<BTreeSet<String>>,
    pub revoked: bool,
}

/// The whole simulated cluster.
#[derive(Debug)]
pub struct Cluster {
    pub nodes: Vec<Node>,
    /// Downloaded templates per node (file names on `local`).
    pub templates: HashMap<String, BTreeSet<String>>,
    pub containers: BTreeMap<u32, Ct>,
    pub tasks: Vec<Task>,
    pub tokens: Vec<TokenDef>,
    /// `root@pam`'s password, for ticket logins.
    pub root_password: String,
    /// Issued tickets: ticket → (user, CSRF token, issued at).
    pub tickets: HashMap<String, (String, String, u64)>,
    pub rng: StdRng,
    /// The nodes' and containers' files (what runs inside, for `pct exec`).
    pub disk: Disk,
    /// Resource pools and their member VMIDs (`/pools`); none until a test adds one.
    pub pools: BTreeMap<String, BTreeSet<u32>>,
    /// The containers' subnet on this machine (their addresses answer for real).
    pub guest_net: crate::guest_net::GuestNetwork,
    /// Backup archives on the backup storages.
    pub archives: Vec<crate::tasks::ArchiveDef>,
    next_pid: u32,
}

const HOSTNAMES: [&str; 12] = [
    "web", "db", "cache", "proxy", "mail", "git", "ci", "dns", "media", "vault", "grafana",
    "backup",
];

impl Cluster {
    /// A cluster shaped by `config`, with containers spread over the nodes and their
    /// files on `disk`.
    pub fn new(config: &SimConfig, disk: Disk) -> std::io::Result<Cluster> {
        let mut rng = StdRng::seed_from_u64(config.seed);
        let now = unix_now();
        let nodes: Vec<Node> = (0..config.nodes.max(1))
            .map(|i| Node {
                name: if i == 0 {
                    "pve".into()
                } else {
                    format!("pve{}", i + 1)
                },
                boot_time: now - rng.random_range(3 * 86_400..40 * 86_400),
                cpus: 8,
                memory: 64 * GIB,
            })
            .collect();
        let preinstalled: BTreeSet<String> = APPLIANCES[..2]
            .iter()
            .map(|a| a.template.to_owned())
            .collect();
        let templates = nodes
            .iter()
            .map(|n| (n.name.clone(), preinstalled.clone()))
            .collect();
        let token_secret = format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            rng.random::<u32>(),
            rng.random::<u16>(),
            rng.random::<u16>() & 0xfff,
            rng.random::<u16>() & 0xfff,
            rng.random::<u64>() & 0xffff_ffff_ffff
        );
        let mut cluster = Cluster {
            nodes,
            templates,
            containers: BTreeMap::new(),
            tasks: Vec::new(),
            tokens: vec![TokenDef {
                id: "root@pam!corral".into(),
                secret: token_secret,
                privileges: None,
                revoked: false,
            }],
            root_password: format!("sim-{:016x}", rng.random::<u64>()),
            tickets: HashMap::new(),
            rng,
            disk,
            pools: BTreeMap::new(),
            guest_net: crate::guest_net::GuestNetwork::claim()?,
            archives: Vec::new(),
            next_pid: 0x0001_2A00,
        };
        for i in 0..config.containers {
            let node = cluster.nodes[i % cluster.nodes.len()].name.clone();
            let vmid = 100 + i as u32;
            let hostname = format!(
                "{}-{:02}",
                HOSTNAMES[i % HOSTNAMES.len()],
                i / HOSTNAMES.len() + 1
            );
            let alpine = i % 3 == 2;
            let mut ct = cluster.new_container(vmid, &node, &hostname, alpine);
            let ostype = if alpine { "alpine" } else { "debian" };
            let plan = seeded_plan(ostype, &hostname, HOSTNAMES[i % HOSTNAMES.len()]);
            cluster.disk.plan(vmid, plan)?;
            if i % 4 == 3 {
                // Stopped two hours ago after three days of running.
                ct.last_run = Some((now - 3 * 86_400 - 7_200, now - 7_200));
            } else {
                ct.running = true;
                ct.started = Some(
                    Instant::now() - Duration::from_secs(cluster.rng.random_range(600..900_000)),
                );
                ct.pid = cluster.next_pid();
            }
            cluster.containers.insert(vmid, ct);
        }
        for node in cluster
            .nodes
            .iter()
            .map(|n| n.name.clone())
            .collect::<Vec<_>>()
        {
            cluster.disk.add_node(&node)?;
        }
        Ok(cluster)
    }

    /// A container with a typical finished config (used for the seeded ones).
    pub fn new_container(&mut self, vmid: u32, node: &str, hostname: &str, alpine: bool) -> Ct {
        let mut config = BTreeMap::new();
        let mac = self.random_mac();
        for (key, value) in [
            ("arch", "amd64".to_owned()),
            ("cores", if alpine { "1" } else { "2" }.to_owned()),
            ("features", "nesting=1".to_owned()),
            ("hostname", hostname.to_owned()),
            ("memory", if alpine { "512" } else { "2048" }.to_owned()),
            (
                "net0",
                format!("name=eth0,bridge=vmbr0,hwaddr={mac},ip=dhcp,type=veth"),
            ),
            (
                "ostype",
                if alpine { "alpine" } else { "debian" }.to_owned(),
            ),
            (
                "rootfs",
                format!(
                    "local-lvm:vm-{vmid}-disk-0,size={}G",
                    if alpine { 4 } else { 8 }
                ),
            ),
            ("swap", "512".to_owned()),
            ("unprivileged", "1".to_owned()),
        ] {
            config.insert(key.to_owned(), value);
        }
        if vmid.is_multiple_of(2) {
            config.insert(
                "tags".into(),
                if vmid.is_multiple_of(4) {
                    "prod;web"
                } else {
                    "dev"
                }
                .into(),
            );
        }
        let ip = self.guest_net.address_of(vmid).to_string();
        Ct {
            vmid,
            node: node.to_owned(),
            config,
            running: false,
            started: None,
            pid: 0,
            snapshots: Vec::new(),
            ip: Some(ip),
            ip_ready_at: None,
            load: self.rng.random_range(0.05..1.0),
            busy: None,
            pending: BTreeMap::new(),
            last_run: None,
        }
    }

    /// A MAC address with the Proxmox OUI `BC:24:11`.
    pub fn random_mac(&mut self) -> String {
        let bytes: [u8; 3] = self.rng.random();
        format!(
            "BC:24:11:{:02X}:{:02X}:{:02X}",
            bytes[0], bytes[1], bytes[2]
        )
    }

    /// A fresh worker pid.
    pub fn next_pid(&mut self) -> u32 {
        self.next_pid += self.rng.random_range(1..40);
        self.next_pid
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// Starts the bookkeeping of a task and returns its UPID.
    pub fn begin_task(&mut self, node: &str, kind: &str, id: &str, user: &str) -> String {
        let now = unix_now();
        let boot = self.node(node).map_or(now, |n| n.boot_time);
        let pid = self.next_pid();
        let pstart = (now - boot) * 100;
        let upid = format!("UPID:{node}:{pid:08X}:{pstart:08X}:{now:08X}:{kind}:{id}:{user}:");
        self.tasks.push(Task {
            upid: upid.clone(),
            node: node.to_owned(),
            pid,
            pstart,
            starttime: now,
            kind: kind.to_owned(),
            id: id.to_owned(),
            user: user.to_owned(),
            log: Vec::new(),
            exit: None,
            endtime: None,
            interrupted: false,
        });
        upid
    }

    /// The pool container `vmid` belongs to, if any.
    pub fn pool_of(&self, vmid: u32) -> Option<&str> {
        self.pools
            .iter()
            .find(|(_, members)| members.contains(&vmid))
            .map(|(name, _)| name.as_str())
    }

    pub fn task_mut(&mut self, upid: &str) -> Option<&mut Task> {
        self.tasks.iter_mut().find(|t| t.upid == upid)
    }

    pub fn task(&self, upid: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.upid == upid)
    }

    /// Removes container `vmid` with its files.
    pub fn remove_container(&mut self, vmid: u32) {
        self.containers.remove(&vmid);
        for members in self.pools.values_mut() {
            members.remove(&vmid);
        }
        if let Err(error) = self.disk.remove(vmid) {
            tracing::warn!(vmid, %error, "could not remove a container's files");
        }
    }

    /// Tells `pct` on `node` the current state of its containers, the files of the
    /// running ones made (a command may go into any of them).
    pub fn publish_for_pct(&mut self, node: &str) -> std::io::Result<()> {
        let running: Vec<u32> = self
            .containers
            .values()
            .filter(|ct| ct.node == node && ct.running)
            .map(|ct| ct.vmid)
            .collect();
        for vmid in running {
            self.disk.ensure(vmid)?;
        }
        let entries: Vec<PctEntry> = self
            .containers
            .values()
            .filter(|ct| ct.node == node)
            .map(|ct| PctEntry {
                vmid: ct.vmid,
                running: ct.running,
                lock: ct.lock().map(str::to_owned),
                name: ct.name(),
                ip: ct.current_ip().map(str::to_owned),
                mac: ct.config.get("net0").and_then(|net| {
                    net.split(',')
                        .find_map(|part| part.strip_prefix("hwaddr="))
                        .map(str::to_owned)
                }),
            })
            .collect();
        self.disk.publish(node, &entries)
    }

    /// The lowest free VMID from 100.
    pub fn next_free_vmid(&self) -> Option<u32> {
        (100..1_000_000).find(|id| !self.containers.contains_key(id))
    }
}

/// A seeded container: the services its name suggests, and a credentials file.
fn seeded_plan(ostype: &str, hostname: &str, role: &str) -> Plan {
    let package = match role {
        "web" | "proxy" => Some("nginx"),
        "db" => Some("postgresql"),
        "cache" => Some("redis-server"),
        "grafana" => Some("grafana"),
        _ => None,
    };
    let mut files = Vec::new();
    if role == "grafana" {
        files.push((
            "/etc/corral/credentials/grafana".to_owned(),
            "URL=http://localhost:3000\nUSERNAME=admin\nPASSWORD=sim-grafana-admin\n".to_owned(),
        ));
    }
    Plan {
        ostype: ostype.to_owned(),
        hostname: hostname.to_owned(),
        packages: package.into_iter().map(str::to_owned).collect(),
        files,
    }
}
