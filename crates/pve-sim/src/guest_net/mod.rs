//! The containers' network as the dashboard's host sees it. Each simulator claims a
//! loopback subnet of its own (`127.N.0.0/16`, `N` free among the simulators running on
//! this machine), gives every container an address in it, and — what a real network does —
//! makes the container's listening services reachable there: for each TCP port the
//! guest's `ss` reports on all addresses (a running service or a published Docker port),
//! a real socket on the container's address answers as that service would ([`answer`]):
//! nginx serves the container's own `/var/www/html`, Grafana its login page, a Portainer
//! container HTTPS with a self-signed certificate, sshd its banner, others nothing.
//!
//! Sockets follow the guest: they are reconciled after every SSH command on the node and
//! after every container task (start, stop, rollback, destroy). Binding a port below 1024
//! needs root; where that fails the port simply does not answer (logged once).

mod activity;
mod answer;
mod state;

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::path::PathBuf;
use std::sync::Mutex;

use tokio::task::AbortHandle;

pub(crate) use activity::{spawn as spawn_activity, syslog_time};
pub(crate) use answer::Answer;

use crate::Sim;

/// The port each simulator holds on its subnet's `.0.1` to claim the subnet.
const CLAIM_PORT: u16 = 64_999;

/// The simulator's guest subnet, held for as long as the simulator runs.
#[derive(Debug)]
pub(crate) struct GuestNetwork {
    /// `N` of `127.N.0.0/16`.
    second: u8,
    _claim: StdListener,
}

impl GuestNetwork {
    /// Claims a free `127.N.0.0/16` (N in 16..=250) by holding a socket on its `.0.1`.
    pub fn claim() -> std::io::Result<GuestNetwork> {
        let start = (std::process::id() as u8).wrapping_add(rand::random::<u8>());
        let mut last = None;
        for offset in 0..235_u16 {
            let second = 16 + ((u16::from(start) + offset) % 235) as u8;
            match StdListener::bind((Ipv4Addr::new(127, second, 0, 1), CLAIM_PORT)) {
                Ok(claim) => {
                    return Ok(GuestNetwork {
                        second,
                        _claim: claim,
                    });
                }
                Err(error) => last = Some(error),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no free guest subnet")))
    }

    /// The address DHCP gives container `vmid` (unique for VMIDs below 64,000).
    pub fn address_of(&self, vmid: u32) -> Ipv4Addr {
        let third = ((vmid / 250) % 256) as u8;
        let fourth = (vmid % 250) as u8 + 2;
        Ipv4Addr::new(127, self.second, third, fourth)
    }
}

/// The sockets open on the containers' addresses, by VMID and port.
#[derive(Default)]
pub(crate) struct Listeners {
    open: Mutex<HashMap<u32, HashMap<u16, Open>>>,
    /// Ports already reported as not bindable (logged once each).
    refused: Mutex<std::collections::HashSet<(u32, u16)>>,
}

struct Open {
    answer: Answer,
    address: Ipv4Addr,
    task: AbortHandle,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What one container needs to be reachable: where its files are and what it is called.
struct Guest {
    vmid: u32,
    address: Option<Ipv4Addr>,
    root: PathBuf,
    hostname: String,
}

/// Opens and closes container `vmid`'s sockets to match what runs in it now.
pub(crate) fn reconcile(sim: &Sim, vmid: u32) {
    let guest = guest(sim, vmid);
    apply(sim, vmid, guest);
}

/// [`reconcile`] for every container of `node`, and for those that left it.
pub(crate) fn reconcile_node(sim: &Sim, node: &str) {
    let vmids: Vec<u32> = {
        let cluster = sim.cluster();
        let mut vmids: Vec<u32> = cluster
            .containers
            .values()
            .filter(|ct| ct.node == node)
            .map(|ct| ct.vmid)
            .collect();
        let open = sim.listeners.open.lock().unwrap_or_else(|e| e.into_inner());
        vmids.extend(
            open.keys()
                .filter(|vmid| !cluster.containers.contains_key(vmid)),
        );
        vmids
    };
    for vmid in vmids {
        reconcile(sim, vmid);
    }
}

/// The container as far as its sockets matter: `None` when it does not run, has no
/// address or no files yet.
fn guest(sim: &Sim, vmid: u32) -> Option<Guest> {
    let cluster = sim.cluster();
    let ct = cluster.containers.get(&vmid).filter(|ct| ct.running)?;
    let address = ct.ip.as_deref().and_then(|ip| ip.parse().ok());
    let root = cluster.disk.rootfs(vmid);
    if !cluster.disk.is_made(vmid) {
        return None;
    }
    Some(Guest {
        vmid,
        address,
        root,
        hostname: ct.name(),
    })
}

fn apply(sim: &Sim, vmid: u32, guest: Option<Guest>) {
    let wanted: HashMap<u16, Answer> = match &guest {
        Some(guest) if guest.address.is_some() => state::listening(&guest.root),
        _ => HashMap::new(),
    };
    let mut open = sim.listeners.open.lock().unwrap_or_else(|e| e.into_inner());
    let current = open.entry(vmid).or_default();
    let address = guest.as_ref().and_then(|g| g.address);
    current.retain(|port, socket| {
        wanted.get(port) == Some(&socket.answer) && Some(socket.address) == address
    });
    if let (Some(guest), Some(address)) = (&guest, address) {
        for (port, answer) in wanted {
            if current.contains_key(&port) {
                continue;
            }
            match bind(address, port) {
                Ok(listener) => {
                    let serving = answer::Serving {
                        answer: answer.clone(),
                        root: guest.root.clone(),
                        hostname: guest.hostname.clone(),
                        address,
                    };
                    let task = tokio::spawn(serving.run(listener)).abort_handle();
                    current.insert(
                        port,
                        Open {
                            answer,
                            address,
                            task,
                        },
                    );
                }
                Err(error) => {
                    let mut refused = sim
                        .listeners
                        .refused
                        .lock()
                        .unwrap_or_else(|e| e.into_inner());
                    if refused.insert((guest.vmid, port)) {
                        tracing::warn!(vmid, port, %error, "a container's port cannot be opened on its address; it will not answer");
                    }
                }
            }
        }
    }
    if current.is_empty() {
        open.remove(&vmid);
    }
}

/// A listening socket that can be opened again at once after it was closed (as servers
/// set `SO_REUSEADDR`).
fn bind(address: Ipv4Addr, port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from((address, port)))?;
    socket.listen(128)
}
