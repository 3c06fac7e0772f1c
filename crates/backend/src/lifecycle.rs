//! Container lifecycle: start, shutdown, stop, reboot, delete — and [`operate`], the one
//! way every change to a container runs (power, snapshots, configuration, backups): a
//! per-container lock so a second action is refused while one runs, the container's
//! state checked first (a clear "already running" instead of Proxmox's error), the
//! Proxmox task followed to its end, and an audit entry either way.

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
    /// What the operation did, in words (as the audit entry says it), when it said.
    pub about: Option<String>,
}

/// Where an operation says what it did once it knows (a config change names the keys it
/// changed): the audit entry and [`Done::about`] carry it.
#[derive(Debug, Clone, Default)]
pub struct Note(Arc<Mutex<Option<String>>>);

impl Note {
    pub fn set(&self, text: impl Into<String>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(text.into());
    }

    fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// How long a lifecycle task may run before Corral stops waiting.
const TASK_DEADLINE: Duration = Duration::from_secs(15 * 60);

/// Runs `action` on container `vmid` of the user's node `node_id`. For `Delete`,
/// `confirm` must be the container's hostname or VMID.
pub async fn run(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    action: Action,
    confirm: Option<&str>,
) -> ServiceResult<Done> {
    let confirm = confirm.map(str::to_owned);
    operate(
        backend,
        user,
        node_id,
        vmid,
        action.audit(),
        None,
        move |call| async move {
            let Call {
                client,
                pve_node,
                before,
                ..
            } = call;
            let vmid_text = vmid.to_string();
            match action {
                Action::Start if before.running => {
                    return Err(Stop::Refused(ServiceError::Conflict(format!(
                        "CT {vmid} is already running"
                    ))));
                }
                Action::Shutdown { .. } | Action::Stop | Action::Reboot if !before.running => {
                    return Err(Stop::Refused(ServiceError::Conflict(format!(
                        "CT {vmid} is not running"
                    ))));
                }
                Action::Delete => {
                    let typed = confirm.as_deref().unwrap_or_default().trim();
                    if typed != before.name && typed != vmid_text {
                        return Err(Stop::Refused(ServiceError::field(
                            "confirm",
                            format!(
                                "type the hostname ({}) or the VMID ({vmid}) to delete",
                                before.name
                            ),
                        )));
                    }
                }
                _ => {}
            }
            let upid = match action.to_pve() {
                Some(power) => client.lxc_power(&pve_node, vmid.get(), &power).await?,
                None => {
                    let options = DeleteOptions {
                        purge: true,
                        destroy_unreferenced_disks: true,
                        force: true,
                    };
                    client.lxc_delete(&pve_node, vmid.get(), options).await?
                }
            };
            Ok(Some(upid))
        },
    )
    .await
}

/// The container as an operation finds it, under its lock.
#[derive(Debug, Clone)]
pub struct Before {
    /// Its hostname, or `CT <vmid>`.
    pub name: String,
    pub running: bool,
}

/// What an operation gets to start its Proxmox call with.
pub struct Call {
    pub client: pve::Client,
    /// The Proxmox node name for API paths.
    pub pve_node: String,
    pub before: Before,
    /// Says what the operation did, for the audit entry.
    pub note: Note,
}

/// Why an operation did not go through: refused before anything was asked of Proxmox
/// (not audited: nothing happened), or failed at Proxmox (audited).
#[derive(Debug)]
pub enum Stop {
    Refused(ServiceError),
    Failed(PveError),
}

impl From<PveError> for Stop {
    fn from(error: PveError) -> Self {
        Stop::Failed(error)
    }
}

/// Runs one operation on the user's container, the way every change to a container goes:
/// the container's lock is held (a second operation is refused with "another action is
/// running"), its state read, `start` may refuse or make the Proxmox call, a task it
/// starts is followed to its end (its log quoted on failure), the node's cached list is
/// forgotten, and the audit log records `audit` (with `about`, e.g. the snapshot's name)
/// either way.
///
/// The work runs on its own task: a browser that goes away while Proxmox works does not
/// stop it half-way, and the audit entry and cache invalidation still happen.
pub async fn operate<F, Fut>(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    audit: AuditAction,
    about: Option<String>,
    start: F,
) -> ServiceResult<Done>
where
    F: FnOnce(Call) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<Option<pve::Upid>, Stop>> + Send,
{
    let (backend, user, node_id) = (backend.clone(), user.clone(), node_id.clone());
    tokio::spawn(async move {
        operate_to_end(&backend, &user, &node_id, vmid, audit, about, start).await
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("the container operation stopped: {e}")))?
}

async fn operate_to_end<F, Fut>(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    audit: AuditAction,
    about: Option<String>,
    start: F,
) -> ServiceResult<Done>
where
    F: FnOnce(Call) -> Fut,
    Fut: std::future::Future<Output = Result<Option<pve::Upid>, Stop>>,
{
    let (view, access) = nodes::access(backend, user, node_id).await?;
    let _held = backend.locks.take(node_id, vmid)?;
    let client = access.client(Duration::from_secs(30))?;
    let pve_node = view.pve_node.clone();
    let status = client
        .lxc_status(&pve_node, vmid.get())
        .await
        .map_err(|e| match e {
            PveError::NotFound { .. } => ServiceError::NotFound,
            other => access.upstream(&other),
        })?;
    let before = Before {
        name: status.name.clone().unwrap_or_else(|| format!("CT {vmid}")),
        running: LxcStatus::parse(&status.status).is_running(),
    };
    let target = Target::container(node_id, &view.name, vmid, &before.name);
    let note = Note::default();
    let call = Call {
        client: client.clone(),
        pve_node,
        before,
        note: note.clone(),
    };
    let result = match start(call).await {
        Err(Stop::Refused(error)) => return Err(error),
        Err(Stop::Failed(error)) => Err(error),
        Ok(started) => follow_task(&client, started).await,
    };
    backend.inventory.forget(node_id);
    let about = note.take().or(about);
    conclude(backend, user, &view.name, target, audit, about, result).await
}

/// Follows a started Proxmox task to its end (`OK`, `WARNINGS: n`); a call that started
/// none (a config change) is `OK` at once.
pub(crate) async fn follow_task(
    client: &pve::Client,
    started: Option<pve::Upid>,
) -> Result<String, PveError> {
    let options = WaitOptions {
        interval: Duration::from_millis(500),
        deadline: TASK_DEADLINE,
        ..WaitOptions::default()
    };
    match started {
        Some(upid) => client
            .wait_task(&upid, &options, |_| {})
            .await
            .map(|outcome| outcome.exitstatus),
        None => Ok("OK".to_owned()),
    }
}

/// Writes the audit entry of an operation that reached Proxmox and answers its outcome:
/// the exit status, or Proxmox's message (with the task log's end) naming the node.
pub(crate) async fn conclude(
    backend: &Backend,
    user: &User,
    node_name: &str,
    target: Target,
    audit: AuditAction,
    about: Option<String>,
    result: Result<String, PveError>,
) -> ServiceResult<Done> {
    let detail = |text: &str| match &about {
        Some(about) => format!("{about}: {text}"),
        None => text.to_owned(),
    };
    match result {
        Ok(exitstatus) => {
            audit::record(
                backend,
                Entry::ok(user, audit, target).detail(detail(&exitstatus)),
            )
            .await;
            Ok(Done { exitstatus, about })
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
                Entry::by(user, audit, target, AuditOutcome::Failed).detail(detail(&message)),
            )
            .await;
            Err(ServiceError::Upstream {
                node: node_name.to_owned(),
                message,
            })
        }
    }
}
