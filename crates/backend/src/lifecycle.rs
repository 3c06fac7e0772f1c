//! Container lifecycle: start, shutdown, stop, reboot, delete. Each action checks the
//! container's state first (a clear "already running" instead of Proxmox's error), holds
//! a per-container lock so a second action is refused while one runs, follows the
//! Proxmox task to its end, and writes an audit entry either way.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pve::{DeleteOptions, PowerAction, PveError, WaitOptions};

use crate::Backend;
use crate::accounts::User;
use crate::audit::{self, Entry, Outcome};
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
    /// `start`, `shutdown`, … (audit names are `ct.<word>`).
    pub fn word(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Shutdown { .. } => "shutdown",
            Action::Stop => "stop",
            Action::Reboot => "reboot",
            Action::Delete => "delete",
        }
    }

    /// Reads `start`, `shutdown`, `stop`, `reboot` (power actions; delete has its own call).
    pub fn parse_power(word: &str, timeout: Option<u32>, force: bool) -> Option<Action> {
        match word {
            "start" => Some(Action::Start),
            "shutdown" => Some(Action::Shutdown {
                timeout: timeout.unwrap_or(60).clamp(1, 3600),
                force,
            }),
            "stop" => Some(Action::Stop),
            "reboot" => Some(Action::Reboot),
            _ => None,
        }
    }
}

/// Containers with an action in progress, by node record id and VMID.
#[derive(Clone, Default)]
pub struct Locks(Arc<Mutex<HashSet<(String, u32)>>>);

/// Releases a container's lock when dropped.
struct Held {
    locks: Locks,
    key: (String, u32),
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
    fn take(&self, node_id: &str, vmid: u32) -> ServiceResult<Held> {
        let key = (node_id.to_owned(), vmid);
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
pub async fn run(
    backend: &Backend,
    user: &User,
    node_id: &str,
    vmid: u32,
    action: Action,
    confirm: Option<&str>,
) -> ServiceResult<Done> {
    let (view, access) = nodes::access(backend, user, node_id).await?;
    let _held = backend.locks.take(node_id, vmid)?;
    let client = access.client(Duration::from_secs(30))?;
    let upstream = |e: PveError| access.upstream(&e);
    let status = client
        .lxc_status(&view.pve_node, vmid)
        .await
        .map_err(|e| match e {
            PveError::NotFound { .. } => ServiceError::NotFound,
            other => upstream(other),
        })?;
    let name = status.name.clone().unwrap_or_else(|| format!("CT {vmid}"));
    let target = format!("CT {vmid} ({name}) on {}", view.name);
    let running = status.status == "running";
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
    let started = match action {
        Action::Start => {
            client
                .lxc_power(&view.pve_node, vmid, &PowerAction::Start)
                .await
        }
        Action::Stop => {
            client
                .lxc_power(&view.pve_node, vmid, &PowerAction::Stop)
                .await
        }
        Action::Reboot => {
            let reboot = PowerAction::Reboot { timeout: None };
            client.lxc_power(&view.pve_node, vmid, &reboot).await
        }
        Action::Shutdown { timeout, force } => {
            let shutdown = PowerAction::Shutdown {
                timeout: Some(timeout),
                force_stop: force,
            };
            client.lxc_power(&view.pve_node, vmid, &shutdown).await
        }
        Action::Delete => {
            let options = DeleteOptions {
                purge: true,
                destroy_unreferenced_disks: true,
                force: true,
            };
            client.lxc_delete(&view.pve_node, vmid, options).await
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
    let audit_action = format!("ct.{}", action.word());
    match result {
        Ok(outcome) => {
            audit::record(
                backend,
                Entry::ok(user, &audit_action, target).detail(outcome.exitstatus.clone()),
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
                Entry::by(user, &audit_action, target, Outcome::Failed).detail(message.clone()),
            )
            .await;
            Err(ServiceError::Upstream {
                node: view.name,
                message,
            })
        }
    }
}
