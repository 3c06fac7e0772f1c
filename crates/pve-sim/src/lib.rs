//! A simulated Proxmox VE cluster.
//!
//! Every node serves `/api2/json/...` over HTTPS on its own port with its own certificate
//! (signed by a cluster CA), with PVE's envelopes, status codes, reason phrases, error
//! bodies and type quirks as documented in the project's PVE API notes. Containers, tasks
//! with real UPIDs and logs, storages, templates and bridges are modelled; faults can be
//! injected per node. It never depends on the `pve` client crate: they meet on the wire.
//!
//! ```no_run
//! # async fn demo() -> Result<(), pve_sim::SimError> {
//! let sim = pve_sim::Simulator::start(pve_sim::SimConfig::default()).await?;
//! println!("{} {}", sim.api_url(), sim.tls_fingerprint("pve").unwrap());
//! # Ok(()) }
//! ```

mod api;
mod catalog;
pub mod config;
mod disk;
mod guest_net;
mod listener;
mod model;
mod processes;
mod sandbox;
mod server;
mod ssh;
mod tasks;
mod tls;

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use config::{ErrorStyle, SimConfig, Speed};

use listener::Listener;
use model::{Cluster, TokenDef};
use tls::{ClusterCa, NodeCertificate};

/// Why the simulator could not start or act.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("TLS setup failed: {0}")]
    Tls(String),
    #[error("no node named `{0}`")]
    UnknownNode(String),
    #[error("no container {0}")]
    UnknownContainer(u32),
    #[error("SSH setup failed: {0}")]
    Ssh(String),
    #[error("cannot set up the simulator's files: {0}")]
    Disk(#[from] std::io::Error),
}

/// Faults injected into one node.
#[derive(Debug, Clone, Default)]
pub(crate) struct Faults {
    /// Added to every request this node serves or that is proxied to it.
    pub latency: Duration,
    /// Added to every SSH command this node runs (the exec request's round trip).
    pub ssh_latency: Duration,
    /// Connection refused on its port; 595 when another node proxies to it.
    pub offline: bool,
    /// The next task started on this node fails with this message.
    pub fail_next_task: Option<String>,
    /// The next task started on this node ends with this many warnings.
    pub warn_next_task: Option<u32>,
    /// The next connections to this node's API are closed right after they are accepted.
    pub reset_connections: u32,
}

/// Shared state of a running simulator.
pub(crate) struct Sim {
    pub config: SimConfig,
    pub cluster: Mutex<Cluster>,
    pub faults: Mutex<HashMap<String, Faults>>,
    pub certificates: Mutex<HashMap<String, NodeCertificate>>,
    pub ca: ClusterCa,
    /// API requests received, per serving node.
    pub requests: Mutex<HashMap<String, Arc<AtomicU64>>>,
    /// API requests received, per serving node and path (`/api2/json` left off).
    pub requests_by_path: Mutex<HashMap<String, HashMap<String, u64>>>,
    /// Each node's SSH host key.
    pub host_keys: Mutex<HashMap<String, russh::keys::PrivateKey>>,
    /// root's SSH password on every node.
    pub ssh_password: String,
    /// Public keys allowed to log in as root.
    pub authorized_keys: Mutex<Vec<russh::keys::PublicKey>>,
    /// Why commands cannot run on the nodes, if they cannot (no usable bubblewrap).
    pub commands_refused: Option<String>,
    /// Where the nodes' and containers' files are (see `disk`).
    pub disk_root: std::path::PathBuf,
    /// Changes (closes) when the simulator stops: running commands are killed.
    pub stopped: tokio::sync::watch::Receiver<()>,
    /// The sockets open on the containers' addresses (see `guest_net`).
    pub listeners: guest_net::Listeners,
}

impl Sim {
    /// The cluster state. A poisoned lock (a panicking handler) is still usable.
    pub fn cluster(&self) -> MutexGuard<'_, Cluster> {
        self.cluster.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn faults(&self, node: &str) -> Faults {
        self.faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(node)
            .cloned()
            .unwrap_or_default()
    }

    pub fn update_faults(&self, node: &str, change: impl FnOnce(&mut Faults)) {
        let mut faults = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        change(faults.entry(node.to_owned()).or_default());
    }

    pub fn certificate(&self, node: &str) -> Option<NodeCertificate> {
        self.certificates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(node)
            .cloned()
    }

    pub fn host_key(&self, node: &str) -> Option<russh::keys::PrivateKey> {
        self.host_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(node)
            .cloned()
    }

    pub fn request_counter(&self, node: &str) -> Arc<AtomicU64> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(node.to_owned())
            .or_default()
            .clone()
    }
}

/// A running simulated cluster. Dropping it stops every listener.
pub struct Simulator {
    sim: Arc<Sim>,
    servers: tokio::sync::Mutex<Vec<Listener>>,
    ssh_servers: tokio::sync::Mutex<Vec<Listener>>,
    addresses: Vec<(String, SocketAddr)>,
    ssh_addresses: Vec<(String, SocketAddr)>,
    /// Dropped with the simulator, which ends every command still running.
    _stop: tokio::sync::watch::Sender<()>,
}

impl Simulator {
    /// Generates the cluster and its certificates and starts one HTTPS listener per node.
    pub async fn start(config: SimConfig) -> Result<Simulator, SimError> {
        let disk = disk::Disk::create(config.speed)?;
        let disk_root = disk.path().to_owned();
        let cluster = Cluster::new(&config, disk)?;
        let ca = ClusterCa::generate()?;
        let ip = config.host.parse().map_err(|_| SimError::Listen {
            address: config.host.clone(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not an IP address"),
        })?;
        let node_names: Vec<String> = cluster.nodes.iter().map(|n| n.name.clone()).collect();
        let mut certificates = HashMap::new();
        for name in &node_names {
            certificates.insert(name.clone(), ca.issue(name, ip)?);
        }
        let faults = node_names
            .iter()
            .map(|name| {
                let faults = Faults {
                    latency: config.latency,
                    ..Faults::default()
                };
                (name.clone(), faults)
            })
            .collect();
        let mut host_keys = HashMap::new();
        for name in &node_names {
            host_keys.insert(name.clone(), ssh::generate_host_key()?);
        }
        let ssh_password = format!("ssh-{:016x}", rand::random::<u64>());
        let commands_refused = sandbox::probe(&disk_root, &node_names[0]).await.err();
        if let Some(reason) = &commands_refused {
            tracing::warn!("{reason}");
        }
        let (stop, stopped) = tokio::sync::watch::channel(());
        let sim = Arc::new(Sim {
            commands_refused,
            disk_root,
            stopped,
            config: config.clone(),
            host_keys: Mutex::new(host_keys),
            ssh_password,
            authorized_keys: Mutex::new(Vec::new()),
            cluster: Mutex::new(cluster),
            faults: Mutex::new(faults),
            certificates: Mutex::new(certificates),
            ca,
            requests: Mutex::new(HashMap::new()),
            requests_by_path: Mutex::new(HashMap::new()),
            listeners: guest_net::Listeners::default(),
        });
        guest_net::spawn_activity(&sim);
        let mut servers = Vec::new();
        let mut addresses = Vec::new();
        for (index, name) in node_names.iter().enumerate() {
            let port = if index == 0 { config.api_port } else { 0 };
            let address = SocketAddr::new(ip, port);
            let server = server::start(sim.clone(), name.clone(), address).await?;
            addresses.push((name.clone(), server.address()));
            servers.push(server);
        }
        let mut ssh_servers = Vec::new();
        let mut ssh_addresses = Vec::new();
        for (index, name) in node_names.iter().enumerate() {
            let port = if index == 0 { config.ssh_port } else { 0 };
            let server = ssh::start(sim.clone(), name.clone(), SocketAddr::new(ip, port)).await?;
            ssh_addresses.push((name.clone(), server.address()));
            ssh_servers.push(server);
        }
        Ok(Simulator {
            sim,
            servers: tokio::sync::Mutex::new(servers),
            ssh_servers: tokio::sync::Mutex::new(ssh_servers),
            addresses,
            ssh_addresses,
            _stop: stop,
        })
    }

    /// Why commands cannot run on the simulated nodes (no usable bubblewrap), if so.
    pub fn commands_refused(&self) -> Option<String> {
        self.sim.commands_refused.clone()
    }

    /// The first node's API base URL, `https://127.0.0.1:PORT`.
    pub fn api_url(&self) -> String {
        format!("https://{}", self.addresses[0].1)
    }

    /// One node's API base URL.
    pub fn node_api_url(&self, node: &str) -> Option<String> {
        self.address(node).map(|a| format!("https://{a}"))
    }

    fn address(&self, node: &str) -> Option<SocketAddr> {
        self.addresses
            .iter()
            .find(|(n, _)| n == node)
            .map(|(_, a)| *a)
    }

    /// The node names: `pve`, `pve2`, ….
    pub fn node_names(&self) -> Vec<String> {
        self.addresses.iter().map(|(n, _)| n.clone()).collect()
    }

    /// A node's current certificate fingerprint (`AB:CD:…`).
    pub fn tls_fingerprint(&self, node: &str) -> Option<String> {
        self.sim.certificate(node).map(|c| c.fingerprint)
    }

    /// The cluster CA certificate (PEM), for clients that trust the CA instead of a pin.
    pub fn ca_pem(&self) -> String {
        self.sim.ca.pem()
    }

    /// The full-privilege API token: (`root@pam!corral`, secret).
    pub fn token(&self) -> (String, String) {
        let cluster = self.sim.cluster();
        let token = &cluster.tokens[0];
        (token.id.clone(), token.secret.clone())
    }

    /// Adds an empty resource pool `name` (as `pveum pool add name`).
    pub fn add_pool(&self, name: &str) {
        self.sim.cluster().pools.entry(name.to_owned()).or_default();
    }

    /// The pool container `vmid` is a member of.
    pub fn pool_of(&self, vmid: u32) -> Option<String> {
        self.sim.cluster().pool_of(vmid).map(str::to_owned)
    }

    /// `root@pam`'s password for ticket logins.
    pub fn root_password(&self) -> String {
        self.sim.cluster().root_password.clone()
    }

    /// Adds a token limited to `privileges` (e.g. `["VM.Audit"]`); returns its secret.
    pub fn add_token(&self, id: &str, privileges: &[&str]) -> String {
        let mut cluster = self.sim.cluster();
        let secret = format!("limited-{:016x}", rand::random::<u64>());
        cluster.tokens.push(TokenDef {
            id: id.to_owned(),
            secret: secret.clone(),
            privileges: Some(
                privileges
                    .iter()
                    .map(|p| (*p).to_owned())
                    .collect::<BTreeSet<_>>(),
            ),
            revoked: false,
        });
        secret
    }

    /// Revokes (or restores) a token: requests with it get 401 `Authentication failed!`.
    pub fn set_token_revoked(&self, id: &str, revoked: bool) {
        for token in self.sim.cluster().tokens.iter_mut().filter(|t| t.id == id) {
            token.revoked = revoked;
        }
    }

    /// Adds latency to every SSH command `node` runs (once, before it starts: the exec
    /// request's round trip over a slow link).
    pub fn set_ssh_latency(&self, node: &str, latency: Duration) {
        self.sim.update_faults(node, |f| f.ssh_latency = latency);
    }

    /// Adds latency to every request that `node` serves or that is proxied to it.
    pub fn set_latency(&self, node: &str, latency: Duration) {
        self.sim.update_faults(node, |f| f.latency = latency);
    }

    /// Takes a node off the network (connection refused; 595 through other nodes) or back.
    pub async fn set_offline(&self, node: &str, offline: bool) -> Result<(), SimError> {
        let address = self
            .address(node)
            .ok_or_else(|| SimError::UnknownNode(node.to_owned()))?;
        self.sim.update_faults(node, |f| f.offline = offline);
        let mut servers = self.servers.lock().await;
        let mut ssh_servers = self.ssh_servers.lock().await;
        if offline {
            servers.retain(|s| s.node() != node);
            ssh_servers.retain(|s| s.node() != node);
        } else if !servers.iter().any(|s| s.node() == node) {
            servers.push(server::start(self.sim.clone(), node.to_owned(), address).await?);
            if let Some(ssh_address) = self.ssh_address(node) {
                ssh_servers.push(ssh::start(self.sim.clone(), node.to_owned(), ssh_address).await?);
            }
        }
        Ok(())
    }

    /// The next task started on `node` fails with `message`.
    pub fn fail_next_task(&self, node: &str, message: &str) {
        self.sim
            .update_faults(node, |f| f.fail_next_task = Some(message.to_owned()));
    }

    /// A node's SSH address.
    pub fn ssh_address(&self, node: &str) -> Option<SocketAddr> {
        self.ssh_addresses
            .iter()
            .find(|(n, _)| n == node)
            .map(|(_, a)| *a)
    }

    /// A node's SSH host key fingerprint, `SHA256:…`.
    pub fn ssh_host_key(&self, node: &str) -> Option<String> {
        self.sim.host_key(node).map(|key| ssh::fingerprint(&key))
    }

    /// root's SSH password (the same on every node).
    pub fn ssh_password(&self) -> String {
        self.sim.ssh_password.clone()
    }

    /// Lets `public_key` (an OpenSSH `ssh-ed25519 AAAA…` line) log in as root.
    pub fn authorize_key(&self, public_key: &str) -> Result<(), SimError> {
        let key = russh::keys::PublicKey::from_openssh(public_key)
            .map_err(|e| SimError::Ssh(e.to_string()))?;
        self.sim
            .authorized_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(key);
        Ok(())
    }

    /// Gives `node` a new SSH host key (as after a reinstall); returns its fingerprint.
    pub fn replace_host_key(&self, node: &str) -> Result<String, SimError> {
        if self.ssh_address(node).is_none() {
            return Err(SimError::UnknownNode(node.to_owned()));
        }
        let key = ssh::generate_host_key()?;
        let fingerprint = ssh::fingerprint(&key);
        self.sim
            .host_keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(node.to_owned(), key);
        Ok(fingerprint)
    }

    /// A file inside container `vmid` (pushed, written by a script, or seeded); never
    /// one outside its root, whatever links inside point to.
    pub fn guest_file(&self, vmid: u32, path: &str) -> Option<Vec<u8>> {
        let mut cluster = self.sim.cluster();
        cluster.containers.get(&vmid)?;
        cluster.disk.read_guest_file(vmid, path)
    }

    /// Packages installed in container `vmid`.
    pub fn guest_packages(&self, vmid: u32) -> Vec<String> {
        let mut cluster = self.sim.cluster();
        if !cluster.containers.contains_key(&vmid) || cluster.disk.ensure(vmid).is_err() {
            return Vec::new();
        }
        disk::rootfs::packages(&cluster.disk.rootfs(vmid))
    }

    /// Whether containers map a whole range of user ids as Proxmox's unprivileged ones do
    /// (root inside is uid 100000 outside, `chown` works): when the simulator runs as
    /// root. Otherwise only root exists inside.
    pub fn guest_ids_shifted(&self) -> bool {
        self.sim.cluster().disk.shifted()
    }

    /// Container `vmid`'s root file system on this machine (for tests that look around).
    pub fn guest_root(&self, vmid: u32) -> Option<std::path::PathBuf> {
        let mut cluster = self.sim.cluster();
        cluster.containers.get(&vmid)?;
        cluster.disk.ensure(vmid).ok()?;
        Some(cluster.disk.rootfs(vmid))
    }

    /// A node's SSH host public key as an OpenSSH line (`ssh-ed25519 AAAA…`), for a
    /// `known_hosts` file.
    pub fn ssh_host_public_key(&self, node: &str) -> Option<String> {
        self.sim
            .host_key(node)
            .and_then(|key| key.public_key().to_openssh().ok())
    }

    /// Closes the next `count` connections to `node`'s API at once (a flaky network).
    pub fn reset_next_connections(&self, node: &str, count: u32) {
        self.sim
            .update_faults(node, |f| f.reset_connections = count);
    }

    /// Changes root@pam's password (tickets already issued stay valid).
    pub fn set_root_password(&self, password: &str) {
        self.sim.cluster().root_password = password.to_owned();
    }

    /// Tickets issued by `POST /access/ticket` so far.
    pub fn tickets_issued(&self) -> usize {
        self.sim.cluster().tickets.len()
    }

    /// The next task started on `node` logs `count` warnings and ends `WARNINGS: count`.
    pub fn warn_next_task(&self, node: &str, count: u32) {
        self.sim
            .update_faults(node, |f| f.warn_next_task = Some(count));
    }

    /// Gives `node` a new certificate (as after `pvecm updatecerts`); returns its fingerprint.
    pub fn replace_certificate(&self, node: &str) -> Result<String, SimError> {
        let address = self
            .address(node)
            .ok_or_else(|| SimError::UnknownNode(node.to_owned()))?;
        let certificate = self.sim.ca.issue(node, address.ip())?;
        let fingerprint = certificate.fingerprint.clone();
        self.sim
            .certificates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(node.to_owned(), certificate);
        Ok(fingerprint)
    }

    /// API requests `node` has served (for single-flight and cache tests).
    pub fn request_count(&self, node: &str) -> u64 {
        self.sim.request_counter(node).load(Ordering::Relaxed)
    }

    /// API requests `node` has served whose path (after `/api2/json`) satisfies `wanted`,
    /// e.g. `|p| p.ends_with("/lxc")` for the container lists alone.
    pub fn request_count_where(&self, node: &str, wanted: impl Fn(&str) -> bool) -> u64 {
        self.sim
            .requests_by_path
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(node)
            .map(|paths| {
                paths
                    .iter()
                    .filter(|(path, _)| wanted(path))
                    .map(|(_, count)| count)
                    .sum()
            })
            .unwrap_or(0)
    }

    /// The VMIDs of the containers on `node`, ascending.
    pub fn vmids_on(&self, node: &str) -> Vec<u32> {
        let cluster = self.sim.cluster();
        cluster
            .containers
            .values()
            .filter(|ct| ct.node == node)
            .map(|ct| ct.vmid)
            .collect()
    }

    /// Records a backup of container `vmid` made at `ctime` (Unix seconds) on its node's
    /// `local` storage, as if vzdump had run then (its listing only: restoring it fails,
    /// no files were copied). For benchmarks with a fleet's worth of backups.
    pub fn record_backup(&self, vmid: u32, ctime: u64) -> Result<(), SimError> {
        let mut cluster = self.sim.cluster();
        let ct = cluster
            .containers
            .get(&vmid)
            .ok_or(SimError::UnknownContainer(vmid))?;
        let file = format!("vzdump-lxc-{vmid}-{ctime}.tar.zst");
        let archive = tasks::ArchiveDef {
            volid: format!("local:backup/{file}"),
            storage: "local".into(),
            node: ct.node.clone(),
            vmid,
            ctime,
            size: 100 * 1024 * 1024,
            notes: ct.name(),
            protected: false,
            config: ct.config.clone(),
        };
        cluster.archives.push(archive);
        Ok(())
    }

    /// Whether container `vmid` exists, and whether it is running.
    pub fn container_state(&self, vmid: u32) -> Option<(String, bool)> {
        let cluster = self.sim.cluster();
        cluster
            .containers
            .get(&vmid)
            .map(|ct| (ct.node.clone(), ct.running))
    }

    /// The lock Proxmox holds on container `vmid` (`backup`, `create` …), if any.
    pub fn container_lock(&self, vmid: u32) -> Option<String> {
        let cluster = self.sim.cluster();
        cluster
            .containers
            .get(&vmid)
            .and_then(|ct| ct.lock().map(str::to_owned))
    }

    /// The JSON object the `pve-sim` binary prints once ready.
    pub fn ready_line(&self) -> serde_json::Value {
        let (token_id, token_secret) = self.token();
        serde_json::json!({
            "api": self.api_url(),
            "nodes": self.node_names(),
            "node_apis": self.addresses.iter().map(|(n, a)| (n.clone(), format!("https://{a}"))).collect::<HashMap<_, _>>(),
            "token_id": token_id,
            "token_secret": token_secret,
            "tls_fingerprint": self.tls_fingerprint(&self.addresses[0].0),
            "ca_pem": self.ca_pem(),
            "root_password": self.root_password(),
            "ssh": self.ssh_addresses[0].1.to_string(),
            "ssh_nodes": self.ssh_addresses.iter().map(|(n, a)| (n.clone(), a.to_string())).collect::<HashMap<_, _>>(),
            "ssh_host_key": self.ssh_host_key(&self.ssh_addresses[0].0),
            "ssh_host_public_keys": self.ssh_addresses.iter().map(|(n, _)| (n.clone(), self.ssh_host_public_key(n))).collect::<HashMap<_, _>>(),
            "ssh_user": "root",
            "ssh_password": self.ssh_password(),
            "commands_refused": self.commands_refused(),
        })
    }
}
