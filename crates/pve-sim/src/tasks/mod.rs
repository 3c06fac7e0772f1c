//! Tasks: each runs in the background, writes its log line by line, changes the cluster
//! at the moments PVE would, and ends with `TASK OK` / `TASK ERROR: …`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::Sim;
use crate::api::Ctx;
use crate::model::unix_now;

mod backup;
mod create;

pub(crate) use backup::{ArchiveDef, BackupMode};

/// What a task does.
#[derive(Debug, Clone)]
pub enum TaskKind {
    /// `vzcreate`: `config` replaces the `lock: create` placeholder at the end.
    Create {
        vmid: u32,
        ostemplate: String,
        config: BTreeMap<String, String>,
        start: bool,
    },
    Start {
        vmid: u32,
    },
    Stop {
        vmid: u32,
    },
    Shutdown {
        vmid: u32,
    },
    Reboot {
        vmid: u32,
    },
    Suspend {
        vmid: u32,
    },
    Resume {
        vmid: u32,
    },
    Destroy {
        vmid: u32,
        purge: bool,
    },
    Snapshot {
        vmid: u32,
        name: String,
        description: String,
    },
    DeleteSnapshot {
        vmid: u32,
        name: String,
    },
    Rollback {
        vmid: u32,
        name: String,
        start: bool,
    },
    Download {
        template: String,
        size: u64,
    },
    /// `vncproxy` behind termproxy: ends when nobody connects within 10 s.
    Console {
        vmid: u32,
    },
    /// `resize`: `disk` (`rootfs`, `mp0` …) grows to `bytes`.
    Resize {
        vmid: u32,
        disk: String,
        bytes: u64,
    },
    /// `vzdump` of one container to `storage`.
    Vzdump {
        vmid: u32,
        storage: String,
        mode: BackupMode,
        notes: Option<String>,
        protected: bool,
    },
    /// `vzrestore`: backup `volid` into `vmid` (its placeholder config exists already).
    Restore {
        vmid: u32,
        volid: String,
        storage: String,
        start: bool,
    },
    /// `imgdel`: a volume removed from its storage.
    RemoveVolume {
        volid: String,
        storage: String,
        owner: Option<u32>,
    },
}

impl TaskKind {
    fn worker_type(&self) -> &'static str {
        match self {
            TaskKind::Create { .. } => "vzcreate",
            TaskKind::Start { .. } => "vzstart",
            TaskKind::Stop { .. } => "vzstop",
            TaskKind::Shutdown { .. } => "vzshutdown",
            TaskKind::Reboot { .. } => "vzreboot",
            TaskKind::Suspend { .. } => "vzsuspend",
            TaskKind::Resume { .. } => "vzresume",
            TaskKind::Destroy { .. } => "vzdestroy",
            TaskKind::Snapshot { .. } => "vzsnapshot",
            TaskKind::DeleteSnapshot { .. } => "vzdelsnapshot",
            TaskKind::Rollback { .. } => "vzrollback",
            TaskKind::Download { .. } => "download",
            TaskKind::Console { .. } => "vncproxy",
            TaskKind::Resize { .. } => "resize",
            TaskKind::Vzdump { .. } => "vzdump",
            TaskKind::Restore { .. } => "vzrestore",
            TaskKind::RemoveVolume { .. } => "imgdel",
        }
    }

    fn vmid(&self) -> Option<u32> {
        match self {
            TaskKind::Create { vmid, .. }
            | TaskKind::Start { vmid }
            | TaskKind::Stop { vmid }
            | TaskKind::Shutdown { vmid }
            | TaskKind::Reboot { vmid }
            | TaskKind::Suspend { vmid }
            | TaskKind::Resume { vmid }
            | TaskKind::Destroy { vmid, .. }
            | TaskKind::Snapshot { vmid, .. }
            | TaskKind::DeleteSnapshot { vmid, .. }
            | TaskKind::Rollback { vmid, .. }
            | TaskKind::Console { vmid }
            | TaskKind::Resize { vmid, .. }
            | TaskKind::Vzdump { vmid, .. }
            | TaskKind::Restore { vmid, .. } => Some(*vmid),
            TaskKind::Download { .. } | TaskKind::RemoveVolume { .. } => None,
        }
    }

    fn id(&self) -> String {
        match self {
            TaskKind::Download { template, .. } => template.clone(),
            TaskKind::RemoveVolume { storage, owner, .. } => match owner {
                Some(vmid) => format!("{vmid}@{storage}"),
                None => storage.clone(),
            },
            other => other.vmid().map(|v| v.to_string()).unwrap_or_default(),
        }
    }
}

/// Registers the task, starts it in the background and returns its UPID.
pub fn start(ctx: &Ctx, node: &str, kind: TaskKind) -> String {
    start_as(&ctx.sim, node, &ctx.caller.auth_id, kind)
}

fn start_as(sim: &Arc<Sim>, node: &str, user: &str, kind: TaskKind) -> String {
    let upid = sim
        .cluster()
        .begin_task(node, kind.worker_type(), &kind.id(), user);
    let (mut injected, mut warnings) = (None, None);
    sim.update_faults(node, |f| {
        injected = f.fail_next_task.take();
        warnings = f.warn_next_task.take();
    });
    let runner = Runner {
        sim: sim.clone(),
        upid: upid.clone(),
        node: node.to_owned(),
        user: user.to_owned(),
    };
    tokio::spawn(async move {
        let mut outcome = runner.body(kind, injected).await;
        if let (Ok(0), Some(count)) = (&outcome, warnings) {
            for i in 1..=count {
                runner.log(format!("WARN: simulated warning {i} of {count}"));
            }
            outcome = Ok(count);
        }
        runner.finish(outcome);
    });
    upid
}

/// A task's error message (becomes `exitstatus`).
pub(crate) type Outcome = Result<u32, String>;

pub(crate) struct Runner {
    pub sim: Arc<Sim>,
    upid: String,
    pub node: String,
    user: String,
}

impl Runner {
    pub fn log(&self, line: impl Into<String>) {
        if let Some(task) = self.sim.cluster().task_mut(&self.upid) {
            task.log.push(line.into());
        }
    }

    /// Waits a realistic duration scaled by the speed setting; fails on an interrupt.
    pub async fn pause(&self, realistic_ms: u64) -> Result<(), String> {
        let wait = self
            .sim
            .config
            .speed
            .scale(Duration::from_millis(realistic_ms));
        if wait.is_zero() {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(wait).await;
        }
        let interrupted = self
            .sim
            .cluster()
            .task(&self.upid)
            .is_some_and(|t| t.interrupted);
        if interrupted {
            Err("received interrupt".into())
        } else {
            Ok(())
        }
    }

    fn finish(&self, outcome: Outcome) {
        let mut cluster = self.sim.cluster();
        for ct in cluster.containers.values_mut() {
            if ct.busy.as_deref() == Some(self.upid.as_str()) {
                ct.busy = None;
            }
        }
        if let Some(task) = cluster.task_mut(&self.upid) {
            let exit = match outcome {
                Ok(0) => "OK".to_owned(),
                Ok(warnings) => format!("WARNINGS: {warnings}"),
                Err(message) => message.replace('\n', " "),
            };
            let last = match exit.as_str() {
                "OK" => "TASK OK".to_owned(),
                e if e.starts_with("WARNINGS: ") => format!("TASK {e}"),
                e => format!("TASK ERROR: {e}"),
            };
            task.log.push(last);
            task.exit = Some(exit);
            task.endtime = Some(unix_now());
        }
    }

    /// Takes the container's config lock, as `lock_config` does; contention times out.
    pub async fn lock(&self, vmid: u32) -> Result<(), String> {
        let taken = {
            let mut cluster = self.sim.cluster();
            match cluster.containers.get_mut(&vmid) {
                Some(ct) if ct.busy.is_some() => false,
                Some(ct) => {
                    ct.busy = Some(self.upid.clone());
                    true
                }
                None => true,
            }
        };
        if taken {
            return Ok(());
        }
        self.pause(10_000).await?;
        Err(format!(
            "can't lock file '/run/lock/lxc/pve-config-{vmid}.lock' - got timeout"
        ))
    }

    pub fn missing(&self, vmid: u32) -> String {
        format!(
            "Configuration file 'nodes/{}/lxc/{vmid}.conf' does not exist",
            self.node
        )
    }

    async fn body(&self, kind: TaskKind, injected: Option<String>) -> Outcome {
        if let Some(vmid) = kind.vmid()
            && !matches!(
                kind,
                TaskKind::Create { .. } | TaskKind::Console { .. } | TaskKind::Restore { .. }
            )
        {
            self.lock(vmid).await?;
        }
        match kind {
            TaskKind::Create {
                vmid,
                ostemplate,
                config,
                start,
            } => {
                let result = self.create(vmid, &ostemplate, config, injected).await;
                if result.is_err() {
                    // A failed create removes its volumes and its config: the CT is gone.
                    self.sim.cluster().remove_container(vmid);
                } else if start {
                    start_as(&self.sim, &self.node, &self.user, TaskKind::Start { vmid });
                }
                result.map(|()| 0)
            }
            TaskKind::Download { template, size } => self.download(&template, size, injected).await,
            TaskKind::Vzdump {
                vmid,
                storage,
                mode,
                notes,
                protected,
            } => {
                if let Some(message) = injected {
                    return Err(message);
                }
                self.vzdump(vmid, &storage, mode, notes, protected).await
            }
            TaskKind::Restore {
                vmid,
                volid,
                storage,
                start,
            } => {
                let outcome = match injected {
                    Some(message) => Err(message),
                    None => self.restore(vmid, &volid, &storage, start).await,
                };
                self.sim
                    .cluster()
                    .containers
                    .get_mut(&vmid)
                    .map(|ct| ct.config.remove("lock"));
                if outcome.is_err() {
                    self.sim.cluster().remove_container(vmid);
                }
                crate::guest_net::reconcile(&self.sim, vmid);
                outcome
            }
            TaskKind::RemoveVolume { volid, .. } => self.remove_volume(&volid).await,
            TaskKind::Console { .. } => {
                self.pause(10_000).await?;
                Err("connection timed out".into())
            }
            other => {
                if let Some(message) = injected {
                    self.pause(500).await?;
                    return Err(message);
                }
                let vmid = other.vmid();
                let outcome = self.container_task(other).await;
                // What runs in it changed: its address answers accordingly.
                if let Some(vmid) = vmid {
                    crate::guest_net::reconcile(&self.sim, vmid);
                }
                outcome
            }
        }
    }

    /// Start, stop, shutdown, reboot, suspend, resume, destroy and the snapshot tasks.
    async fn container_task(&self, kind: TaskKind) -> Outcome {
        let vmid = kind.vmid().unwrap_or_default();
        let (realistic_ms, locked_ok) = match &kind {
            TaskKind::Start { .. } | TaskKind::Resume { .. } => (1_500, false),
            TaskKind::Stop { .. } | TaskKind::Suspend { .. } => (1_000, true),
            TaskKind::Shutdown { .. } | TaskKind::Reboot { .. } => (2_500, true),
            TaskKind::Destroy { .. } => (1_500, true),
            _ => (1_200, false),
        };
        {
            let cluster = self.sim.cluster();
            let ct = cluster
                .containers
                .get(&vmid)
                .ok_or_else(|| self.missing(vmid))?;
            if let Some(lock) = ct.lock().filter(|_| !locked_ok) {
                return Err(format!("CT is locked ({lock})"));
            }
        }
        self.pause(realistic_ms).await?;
        let stops_it = matches!(
            kind,
            TaskKind::Stop { .. }
                | TaskKind::Shutdown { .. }
                | TaskKind::Suspend { .. }
                | TaskKind::Reboot { .. }
                | TaskKind::Destroy { .. }
                | TaskKind::Rollback { .. }
        );
        if stops_it {
            // Its processes end with it: the `pct exec` commands still running inside.
            crate::processes::kill_container_commands(&self.sim.disk_root, vmid);
        }
        let network_delay = self.sim.config.speed.scale(Duration::from_secs(4));
        let mut cluster = self.sim.cluster();
        let pid = cluster.next_pid();
        let state = &mut *cluster;
        let disk = &mut state.disk;
        let ct = state
            .containers
            .get_mut(&vmid)
            .ok_or_else(|| self.missing(vmid))?;
        match kind {
            TaskKind::Start { .. } | TaskKind::Resume { .. } | TaskKind::Reboot { .. } => {
                // What waited for a restart applies now.
                for (key, value) in std::mem::take(&mut ct.pending) {
                    match value {
                        Some(value) => ct.config.insert(key, value),
                        None => ct.config.remove(&key),
                    };
                }
                ct.running = true;
                ct.started = Some(Instant::now());
                ct.pid = pid;
                ct.ip_ready_at = Some(Instant::now() + network_delay);
            }
            TaskKind::Stop { .. } | TaskKind::Shutdown { .. } | TaskKind::Suspend { .. } => {
                let now = unix_now();
                ct.last_run = Some((now.saturating_sub(ct.uptime()), now));
                ct.running = false;
                ct.started = None;
            }
            TaskKind::Destroy { purge, .. } => {
                drop(cluster);
                self.log(format!(
                    "  Logical volume \"vm-{vmid}-disk-0\" successfully removed."
                ));
                if purge {
                    self.log(format!("purging CT {vmid} from related configurations.."));
                }
                self.sim.cluster().remove_container(vmid);
            }
            TaskKind::Snapshot {
                name, description, ..
            } => {
                if ct.snapshots.iter().any(|s| s.name == name) {
                    return Err(format!("snapshot name '{name}' already used"));
                }
                let rootfs = ct.config.get("rootfs").cloned().unwrap_or_default();
                if crate::model::storage_of(&rootfs).is_some_and(|s| !s.snapshots()) {
                    return Err("snapshot feature is not available".into());
                }
                disk.snapshot(vmid, &name)
                    .map_err(|e| format!("snapshot of the root file system failed: {e}"))?;
                let parent = ct.config.get("parent").cloned();
                let config = ct.config.clone();
                ct.snapshots.push(crate::model::SnapshotDef {
                    name: name.clone(),
                    description,
                    snaptime: unix_now(),
                    parent,
                    config,
                });
                ct.config.insert("parent".into(), name);
            }
            TaskKind::DeleteSnapshot { name, .. } => {
                let before = ct.snapshots.len();
                ct.snapshots.retain(|s| s.name != name);
                if ct.snapshots.len() == before {
                    return Err(format!("snapshot '{name}' does not exist"));
                }
                disk.delete_snapshot(vmid, &name)
                    .map_err(|e| format!("removing the snapshot's files failed: {e}"))?;
                if ct.config.get("parent") == Some(&name) {
                    ct.config.remove("parent");
                }
            }
            TaskKind::Resize { disk, bytes, .. } => {
                let Some(volume) = ct.config.get(&disk).cloned() else {
                    return Err(format!("disk '{disk}' does not exist"));
                };
                let before = crate::model::parse_size(
                    volume
                        .split(',')
                        .find_map(|p| p.strip_prefix("size="))
                        .unwrap_or("0"),
                )
                .unwrap_or(0);
                let gib = |b: u64| b as f64 / crate::model::GIB as f64;
                let name = volume.split(',').next().unwrap_or_default().to_owned();
                let resized: Vec<String> = volume
                    .split(',')
                    .map(|part| {
                        if part.starts_with("size=") {
                            format!("size={}", crate::model::size_text(bytes))
                        } else {
                            part.to_owned()
                        }
                    })
                    .collect();
                ct.config.insert(disk, resized.join(","));
                drop(cluster);
                self.log(format!(
                    "  Size of logical volume {name} changed from {:.2} GiB to {:.2} GiB.",
                    gib(before),
                    gib(bytes)
                ));
                self.log("resize2fs 1.47.0 (5-Feb-2023)");
                self.log(format!(
                    "The filesystem is now {} (4k) blocks long.",
                    bytes / 4096
                ));
            }
            TaskKind::Rollback { name, start, .. } => {
                let snapshot = ct
                    .snapshots
                    .iter()
                    .find(|s| s.name == name)
                    .cloned()
                    .ok_or_else(|| format!("snapshot '{name}' does not exist"))?;
                let was_running = ct.running;
                disk.rollback(vmid, &name)
                    .map_err(|e| format!("restoring the root file system failed: {e}"))?;
                ct.config = snapshot.config;
                ct.config.insert("parent".into(), name);
                ct.running = start;
                ct.started = start.then(Instant::now);
                drop(cluster);
                if was_running {
                    self.log("stopping container");
                }
                if start {
                    self.log("starting container");
                }
            }
            TaskKind::Create { .. }
            | TaskKind::Download { .. }
            | TaskKind::Console { .. }
            | TaskKind::Vzdump { .. }
            | TaskKind::Restore { .. }
            | TaskKind::RemoveVolume { .. } => {}
        }
        Ok(0)
    }
}
