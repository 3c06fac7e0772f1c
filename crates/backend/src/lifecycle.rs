//! Container lifecycle: start, shutdown, stop, reboot, delete. Each action checks the
//! container's state first (a clear "already running" instead of Proxmox's error), holds
//! a per-container lock so a second action is refused while one runs, follows the
//! Proxmox task to its end, and writes an audit entry either way.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use model::container::{LxcStatus, PowerAction};
use model::ids::{NodeId, Vmid};
use pve::{DeleteOptions, PveError, WaitOptions};

use crate::Backend;
use crate::accounts::User;
use crate::audit::{self, AuditAction, AuditOutcome, Entry, Target};
use crate::error::{ServiceError, ServiceResult};
use crate::nodes;

/// What to do to a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Start,
    /// Ask the container to shut down; after `timeout` seconds stop it hard only when
    /// `force`.
    Shutdown {
        timeout: u32,
        force: bool,
    },
    Stop,
    Reboot,
    /// Destroy with purge (backup jobs, replication, HA entries) and unreferenced disks.
    Delete,
}

impl Action {
    /// A power action as the forms post it; a shutdown waits `timeout` seconds (default
    /// 60, at most an hour) and then stops hard only when `force`.
    pub fn power(action: PowerAction, timeout: Option<u32>, force: bool) -> Action {
        match action {
            PowerAction::Start => Action::Start,
            PowerAction::Shutdown => Action::Shutdown {
                timeout: timeout.unwrap_or(60).clamp(1, 3600),
                force,
            },
            PowerAction::Stop => Action::Stop,
            PowerAction::Reboot => Action::Reboot,
        }
    }

    /// What the audit log calls it.
    pub fn audit(self) -> AuditAction {
        match self {
            Action::Start => AuditAction::ContainerStart,
            Action::Shutdown { .. } => AuditAction::ContainerShutdown,
            Action::Stop => AuditAction::ContainerStop,
            Action::Reboot => AuditAction::ContainerReboot,
            Action::Delete => AuditAction::ContainerDelete,
        }
    }

    /// The Proxmox call that starts it.
    fn to_pve(self) -> Option<pve::PowerAction> {
        match self {
            Action::Start => Some(pve::PowerAction::Start),
            Action::Stop => Some(pve::PowerAction::Stop),
            Action::Reboot => Some(pve::PowerAction::Reboot { timeout: None }),
            Action::Shutdown { timeout, force } => Some(pve::PowerAction::Shutdown {
                timeout: Some(timeout),
                force_stop: force,
            }),
            Action::Delete => None,
        }
    }
}

/// Containers with an action in progress, by node record id and VMID.
#[derive(Clone, Default)]
pub struct Locks(Arc<Mutex<HashSet<(NodeId, Vmid)>>>);

/// Releases a container's lock when dropped.
pub struct Held {
    locks: Locks,
    key: (NodeId, Vmid),
}

impl Drop for Held {
    fn drop(&mut self) {
        self.locks
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.key);
    }
}

impl Locks {
    /// Whether an action holds container `vmid` of node `node_id` now.
    pub fn is_held(&self, node_id: &NodeId, vmid: Vmid) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&(node_id.clone(), vmid))
    }

    /// Holds container `vmid` of node `node_id` until the guard drops; refused while
    /// another action holds it.
    pub fn take(&self, node_id: &NodeId, vmid: Vmid) -> ServiceResult<Held> {
        let key = (node_id.clone(), vmid);
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if !held.insert(key.clone()) {
            return Err(ServiceError::Conflict(format!(
                "another action is running on CT {vmid}"
            )));
        }
        Ok(Held {
            locks: self.clone(),
            key,
        })
    }
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    /// `OK` or `WARNINGS: n`.
    pub exitstatus: String,
}

/// How long a lifecycle task may run before Corral stops waiting.
const TASK_DEADLINE: Duration = Duration::from_secs(15 * 60);

/// Runs `action` on container `vmid` of the user's node `node_id`. For `Delete`,
/// `confirm` must be the container's hostname or VMID.
///
/// The work runs on its own task: a browser that goes away while Proxmox works does not
/// stop it half-way, and the audit entry and cache invalidation still happen.
pub async fn run(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    action: Action,
    confirm: Option<&str>,
) -> ServiceResult<Done> {
    let (backend, user, node_id) = (backend.clone(), user.clone(), node_id.clone());
    let confirm = confirm.map(str::to_owned);
    tokio::spawn(async move {
        run_to_end(&backend, &user, &node_id, vmid, action, confirm.as_deref()).await
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("the lifecycle task stopped: {e}")))?
}

async fn run_to_end(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    action: Action,
    confirm: Option<&str>,
) -> ServiceResult<Done> {
    let (view, access) = nodes::access(backend, user, node_id).await?;
    let _held = backend.locks.take(node_id, vmid)?;
    let client = access.client(Duration::from_secs(30))?;
    let pve_node = view.pve_node.as_str();
    let status = client
        .lxc_status(pve_node, vmid.get())
        .await
        .map_err(|e| match e {
            PveError::NotFound { .. } => ServiceError::NotFound,
            other => access.upstream(&other),
        })?;
    let name = status.name.clone().unwrap_or_else(|| format!("CT {vmid}"));
    let target = Target::container(node_id, &view.name, vmid, &name);
    let running = LxcStatus::parse(&status.status).is_running();
    match action {
        Action::Start if running => {
            return Err(ServiceError::Conflict(format!(
                "CT {vmid} is already running"
            )));
        }
        Action::Shutdown { .. } | Action::Stop | Action::Reboot if !running => {
            return Err(ServiceError::Conflict(format!("CT {vmid} is not running")));
        }
        Action::Delete => {
            let typed = confirm.unwrap_or_default().trim();
            if typed != name && typed != vmid.to_string() {
                return Err(ServiceError::field(
                    "confirm",
                    format!("type the hostname ({name}) or the VMID ({vmid}) to delete"),
                ));
            }
        }
        _ => {}
    }
    let started = match action.to_pve() {
        Some(power) => client.lxc_power(pve_node, vmid.get(), &power).await,
        None => {
            let options = DeleteOptions {
                purge: true,
                destroy_unreferenced_disks: true,
                force: true,
            };
            client.lxc_delete(pve_node, vmid.get(), options).await
        }
    };
    let options = WaitOptions {
        interval: Duration::from_millis(500),
        deadline: TASK_DEADLINE,
        ..WaitOptions::default()
    };
    let result = match started {
        Ok(upid) => client.wait_task(&upid, &options, |_| {}).await,
        Err(error) => Err(error),
    };
    backend.inventory.forget(node_id);
    match result {
        Ok(outcome) => {
            audit::record(
                backend,
                Entry::ok(user, action.audit(), target).detail(outcome.exitstatus.clone()),
            )
            .await;
            Ok(Done {
                exitstatus: outcome.exitstatus,
            })
        }
        Err(error) => {
            let message = match &error {
                PveError::TaskFailed {
                    exitstatus,
                    log_tail,
                    ..
                } => format!("the task failed: {exitstatus}\n{}", log_tail.join("\n")),
                other => other.to_string(),
            };
            audit::record(
                backend,
                Entry::by(user, action.audit(), target, AuditOutcome::Failed)
                    .detail(message.clone()),
            )
            .await;
            Err(ServiceError::Upstream {
                node: view.name,
                message,
            })
        }
    }
}
