//! One job's way from a specification to a running, provisioned container: create,
//! start, wait for network, files, packages, scripts, discover services, done.
//!
//! Every phase can be entered again by a runner that took the job over: progress markers
//! on the job record (create requested / task id / created, scripts started / done) say
//! what already happened, so nothing is done twice. A script that was running when its
//! runner died is never run again (it may have half-run): the job fails and cleans up.
//!
//! On failure or cancel the half-made container is stopped and destroyed (purge) unless
//! the user asked to keep it; what was done is recorded on the job.

use std::time::{Duration, Instant};

use model::job::{Level, Phase};
use model::provision::{ContainerSpec, Ipv4Config, Ipv6Config};
use pve::{CreateSpec, DeleteOptions, PowerAction, PveError, Upid, WaitOptions};

use super::events::{self, NewEvent};
use super::runner::RunnerConfig;
use super::{StoredJob, release_claim, target};
use crate::Backend;
use crate::accounts::{self, User};
use crate::audit::{self, Entry, Outcome};
use crate::error::ServiceError;
use crate::nodes::{self, NodeAccess};
use crate::ssh::{self, ExecOutput};

/// Why the pipeline stopped early.
#[derive(Debug)]
enum Stop {
    Failed {
        phase: Phase,
        message: String,
    },
    Cancelled {
        phase: Phase,
    },
    /// Another runner holds the job now: leave everything to it.
    LeaseLost,
}

impl Stop {
    fn describe(&self) -> String {
        match self {
            Stop::Failed { phase, message } => format!("{}: {message}", phase.title()),
            Stop::Cancelled { .. } => "cancelled".to_owned(),
            Stop::LeaseLost => "another runner took over".to_owned(),
        }
    }
}

/// Lines of a failed command kept in the error message.
const TAIL_LINES: usize = 20;

/// Runs job `job_id`, which this runner has just claimed, to its end.
pub(crate) async fn run(backend: &Backend, config: &RunnerConfig, job_id: &str) {
    let mut work = match Work::load(backend, config, job_id).await {
        Ok(work) => work,
        Err(message) => {
            give_up(backend, config, job_id, &message).await;
            return;
        }
    };
    let result = work.pipeline().await;
    match result {
        Ok(()) => work.succeed().await,
        Err(Stop::LeaseLost) => {
            tracing::warn!(job = job_id, "the job was taken over by another runner");
        }
        Err(stop) => work.fail(stop).await,
    }
}

/// Ends a job that cannot even be loaded (its owner or node is gone).
async fn give_up(backend: &Backend, config: &RunnerConfig, job_id: &str, message: &str) {
    tracing::warn!(job = job_id, message, "job cannot run");
    let event = NewEvent::info(Phase::Create, 0, message).level(Level::Error);
    if events::append(backend, job_id, Some(&config.id), event)
        .await
        .is_err()
    {
        return;
    }
    let _ = backend
        .store
        .db()
        .query(
            "UPDATE type::record('job', $id) SET state = 'failed', error = $message,
                 failed_phase = 'create', finished_at = time::now(),
                 cleanup = 'Nothing to clean up: the container was not created.',
                 lease_owner = NONE, lease_until = NONE
              WHERE lease_owner = $runner",
        )
        .bind(("id", job_id.to_owned()))
        .bind(("message", message.to_owned()))
        .bind(("runner", config.id.clone()))
        .await;
    release_claim(backend, job_id).await;
    backend.job_bus.close(job_id);
}

/// Everything one job needs while it runs.
struct Work<'a> {
    backend: &'a Backend,
    config: &'a RunnerConfig,
    job: StoredJob,
    spec: ContainerSpec,
    owner: User,
    node_name: String,
    pve_node: String,
    access: NodeAccess,
    client: pve::Client,
    address: Option<String>,
}

impl<'a> Work<'a> {
    async fn load(
        backend: &'a Backend,
        config: &'a RunnerConfig,
        job_id: &str,
    ) -> Result<Work<'a>, String> {
        let job = super::load(backend, job_id)
            .await
            .map_err(|e| format!("cannot read the job: {e}"))?;
        let spec = job.spec().map_err(|e| e.to_string())?;
        let owner = accounts::find(backend, &job.owner)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the account that created this job was deleted")?;
        let (view, access) =
            nodes::access(backend, &owner, &job.node)
                .await
                .map_err(|e| match e {
                    ServiceError::NotFound => "the node was removed from Corral".to_owned(),
                    other => other.to_string(),
                })?;
        let client = access
            .client(Duration::from_secs(60))
            .map_err(|e| e.to_string())?;
        Ok(Work {
            backend,
            config,
            job,
            spec,
            owner,
            node_name: view.name,
            pve_node: view.pve_node,
            access,
            client,
            address: None,
        })
    }

    fn vmid(&self) -> u32 {
        self.spec.vmid
    }

    fn target(&self) -> String {
        target(self.vmid(), &self.spec.hostname, &self.node_name)
    }

    /// Appends an event under this runner's lease.
    async fn event(&self, event: NewEvent) -> Result<(), Stop> {
        match events::append(self.backend, &self.job.id, Some(&self.config.id), event).await {
            Ok(_) => Ok(()),
            Err(ServiceError::Conflict(_)) => Err(Stop::LeaseLost),
            Err(error) => {
                // The log could not be written; keep going rather than lose the container.
                tracing::error!(%error, job = %self.job.id, "cannot write a job event");
                Ok(())
            }
        }
    }

    async fn info(
        &self,
        phase: Phase,
        fraction: f64,
        message: impl Into<String>,
    ) -> Result<(), Stop> {
        self.event(NewEvent::info(phase, phase.percent(fraction), message))
            .await
    }

    /// Writes progress markers on the job (under the lease).
    async fn mark(&self, changes: &str) -> Result<(), Stop> {
        self.mark_with(changes, Vec::new()).await
    }

    /// As [`Self::mark`], with text values bound as `$name` (never spliced into the query).
    /// A write conflict (with a lease renewal) is retried.
    async fn mark_with(
        &self,
        changes: &str,
        texts: Vec<(&'static str, String)>,
    ) -> Result<(), Stop> {
        crate::error::retry_conflicts(
            || self.mark_once(changes, texts.clone()),
            |stop| matches!(stop, Stop::Failed { message, .. } if crate::error::is_write_conflict(message)),
        )
        .await
    }

    async fn mark_once(
        &self,
        changes: &str,
        texts: Vec<(&'static str, String)>,
    ) -> Result<(), Stop> {
        let rows: Result<Vec<String>, _> = async {
            let mut query = self
                .backend
                .store
                .db()
                .query(format!(
                    "UPDATE type::record('job', $id) SET {changes}
                      WHERE lease_owner = $runner RETURN VALUE record::id(id)"
                ))
                .bind(("id", self.job.id.clone()))
                .bind(("runner", self.config.id.clone()));
            for (name, value) in texts {
                query = query.bind((name, value));
            }
            query.await?.check()?.take::<Vec<String>>(0)
        }
        .await;
        match rows {
            Ok(rows) if rows.is_empty() => Err(Stop::LeaseLost),
            Ok(_) => Ok(()),
            Err(error) => Err(Stop::Failed {
                phase: Phase::parse(&self.job.phase).unwrap_or(Phase::Create),
                message: format!("cannot record progress: {error}"),
            }),
        }
    }

    /// Stops at a safe point when the user asked to cancel.
    async fn checkpoint(&self, phase: Phase) -> Result<(), Stop> {
        match super::load(self.backend, &self.job.id).await {
            Ok(job) if job.cancel_requested => Err(Stop::Cancelled { phase }),
            _ => Ok(()),
        }
    }

    fn failed(phase: Phase, message: impl Into<String>) -> Stop {
        Stop::Failed {
            phase,
            message: message.into(),
        }
    }

    fn upstream(&self, phase: Phase, error: &PveError) -> Stop {
        Work::failed(phase, self.access.upstream(error).to_string())
    }

    async fn pipeline(&mut self) -> Result<(), Stop> {
        if self.job.attempts > 1 {
            self.info(
                Phase::Create,
                0.0,
                format!(
                    "Taken over after the previous runner stopped (attempt {}); resuming.",
                    self.job.attempts
                ),
            )
            .await?;
        }
        self.checkpoint(Phase::Create).await?;
        self.create().await?;
        self.checkpoint(Phase::Start).await?;
        self.start().await?;
        self.checkpoint(Phase::Network).await?;
        self.network().await?;
        self.checkpoint(Phase::Files).await?;
        self.info(Phase::Files, 1.0, "No files to deploy.").await?;
        self.checkpoint(Phase::Packages).await?;
        self.packages().await?;
        self.scripts().await?;
        self.checkpoint(Phase::Discover).await?;
        self.discover().await
    }

    // ── create ───────────────────────────────────────────────────────────────────────

    fn create_spec(&self, password: &str) -> CreateSpec {
        let spec = &self.spec;
        let (ip, gw) = match spec.ipv4 {
            Ipv4Config::Dhcp => ("dhcp".to_owned(), None),
            Ipv4Config::Static {
                address,
                prefix,
                gateway,
            } => (
                format!("{address}/{prefix}"),
                gateway.map(|g| g.to_string()),
            ),
        };
        let (ip6, gw6) = match spec.ipv6 {
            Ipv6Config::None => (None, None),
            Ipv6Config::Auto => (Some("auto".to_owned()), None),
            Ipv6Config::Dhcp => (Some("dhcp".to_owned()), None),
            Ipv6Config::Static {
                address,
                prefix,
                gateway,
            } => (
                Some(format!("{address}/{prefix}")),
                gateway.map(|g| g.to_string()),
            ),
        };
        CreateSpec {
            vmid: spec.vmid,
            ostemplate: spec.ostemplate.clone(),
            hostname: Some(spec.hostname.clone()),
            cores: Some(spec.cores),
            memory: Some(spec.memory_mib),
            swap: Some(spec.swap_mib),
            rootfs: Some(pve::RootfsSpec {
                storage: spec.rootfs_storage.clone(),
                size_gib: spec.rootfs_gib,
            }),
            net0: Some(pve::propstring::NetConfig {
                name: "eth0".into(),
                bridge: Some(spec.bridge.clone()),
                ip: Some(ip),
                gw,
                ip6,
                gw6,
                ..pve::propstring::NetConfig::default()
            }),
            nameserver: (!spec.nameservers.is_empty()).then(|| spec.nameservers.join(" ")),
            searchdomain: spec.searchdomain.clone(),
            password: Some(pve::Secret::new(password)),
            ssh_public_keys: (!spec.ssh_keys.is_empty()).then(|| spec.ssh_keys.join("\n")),
            unprivileged: spec.unprivileged,
            features: pve::propstring::Features {
                nesting: spec.nesting,
                keyctl: spec.keyctl,
                fuse: spec.fuse,
                ..pve::propstring::Features::default()
            },
            onboot: None,
            start: Some(false),
            tags: spec.tags.clone(),
            description: Some(format!("Created by Corral (job {}).", self.job.id)),
            pool: None,
        }
    }

    async fn create(&mut self) -> Result<(), Stop> {
        let phase = Phase::Create;
        if self.job.created {
            return self
                .info(phase, 1.0, "The container was already created.")
                .await;
        }
        let upid = match &self.job.create_upid {
            Some(upid) => {
                self.info(phase, 0.2, "Following the create task started before.")
                    .await?;
                upid.parse::<Upid>().map_err(|e| {
                    Work::failed(phase, format!("the stored task id is unreadable: {e}"))
                })?
            }
            None if self.job.create_requested && self.container_exists().await? => {
                // The previous runner asked Proxmox and died before recording the task:
                // the container is ours; wait for Proxmox to finish making it.
                self.info(
                    phase,
                    0.2,
                    "The create request was sent before; waiting for Proxmox to finish it.",
                )
                .await?;
                self.wait_unlocked(phase).await?;
                self.mark("created = true").await?;
                self.job.created = true;
                return self
                    .info(phase, 1.0, format!("CT {} created.", self.vmid()))
                    .await;
            }
            None => {
                self.info(
                    phase,
                    0.0,
                    format!(
                        "Creating CT {} ({}) from {} on {}.",
                        self.vmid(),
                        self.spec.hostname,
                        self.spec.ostemplate,
                        self.node_name
                    ),
                )
                .await?;
                let password = super::root_password(self.backend, &self.job.id)
                    .await
                    .map_err(|e| Work::failed(phase, e.to_string()))?;
                self.mark("create_requested = true").await?;
                self.job.create_requested = true;
                let create = self.create_spec(&password);
                let upid = self
                    .client
                    .lxc_create(&self.pve_node, &create)
                    .await
                    .map_err(|e| self.upstream(phase, &e))?;
                self.mark_with("create_upid = $upid", vec![("upid", upid.to_string())])
                    .await?;
                upid
            }
        };
        self.follow_task(phase, &upid).await?;
        self.mark("created = true").await?;
        self.job.created = true;
        self.backend.inventory.forget(&self.job.node);
        self.info(phase, 1.0, format!("CT {} created.", self.vmid()))
            .await
    }

    async fn container_exists(&self) -> Result<bool, Stop> {
        match self.client.lxc_status(&self.pve_node, self.vmid()).await {
            Ok(_) => Ok(true),
            Err(PveError::NotFound { .. }) => Ok(false),
            Err(error) => Err(self.upstream(Phase::Create, &error)),
        }
    }

    /// Waits until Proxmox no longer holds the `create` lock.
    async fn wait_unlocked(&self, phase: Phase) -> Result<(), Stop> {
        let deadline = Instant::now() + Duration::from_secs(15 * 60);
        loop {
            let status = self
                .client
                .lxc_status(&self.pve_node, self.vmid())
                .await
                .map_err(|e| self.upstream(phase, &e))?;
            if status.lock.is_none() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Work::failed(
                    phase,
                    "Proxmox kept the container locked for 15 minutes",
                ));
            }
            tokio::time::sleep(self.config.task_poll).await;
        }
    }

    /// Follows a Proxmox task to its end, its log lines becoming output events.
    async fn follow_task(&self, phase: Phase, upid: &Upid) -> Result<(), Stop> {
        let (lines, mut received) = tokio::sync::mpsc::unbounded_channel::<String>();
        let options = WaitOptions {
            interval: self.config.task_poll,
            deadline: Duration::from_secs(30 * 60),
            ..WaitOptions::default()
        };
        let client = self.client.clone();
        let follow = async move {
            client
                .wait_task(upid, &options, move |line| {
                    let _ = lines.send(line.t.clone());
                })
                .await
        };
        let percent = phase.percent(0.5);
        let relay = async {
            while let Some(line) = received.recv().await {
                let event = NewEvent::info(phase, percent, line).level(Level::Output);
                self.event(event).await?;
            }
            Ok::<(), Stop>(())
        };
        let (outcome, relayed) = tokio::join!(follow, relay);
        relayed?;
        outcome
            .map(|_| ())
            .map_err(|error| self.upstream(phase, &error))
    }

    // ── start and network ────────────────────────────────────────────────────────────

    async fn start(&self) -> Result<(), Stop> {
        let phase = Phase::Start;
        let status = self
            .client
            .lxc_status(&self.pve_node, self.vmid())
            .await
            .map_err(|e| self.upstream(phase, &e))?;
        if status.status == "running" {
            return self.info(phase, 1.0, "The container is running.").await;
        }
        self.info(phase, 0.0, format!("Starting CT {}.", self.vmid()))
            .await?;
        let upid = self
            .client
            .lxc_power(&self.pve_node, self.vmid(), &PowerAction::Start)
            .await
            .map_err(|e| self.upstream(phase, &e))?;
        self.follow_task(phase, &upid).await?;
        self.info(phase, 1.0, "Started.").await
    }

    async fn network(&mut self) -> Result<(), Stop> {
        let phase = Phase::Network;
        self.info(phase, 0.0, "Waiting for a network address.")
            .await?;
        let started = Instant::now();
        loop {
            let interfaces = self
                .client
                .lxc_interfaces(&self.pve_node, self.vmid())
                .await
                .unwrap_or_default()
                .unwrap_or_default();
            let address = interfaces
                .iter()
                .filter(|i| i.name != "lo")
                .flat_map(pve::Interface::ipv4_addresses)
                .next();
            if let Some(address) = address {
                self.address = Some(address.clone());
                return self.info(phase, 1.0, format!("Address: {address}.")).await;
            }
            if started.elapsed() >= self.config.network_wait {
                let waited = self.config.network_wait.as_secs();
                if self.spec.packages.is_empty() {
                    return self
                        .event(
                            NewEvent::info(
                                phase,
                                phase.percent(1.0),
                                format!("No IPv4 address after {waited} s; going on without one."),
                            )
                            .level(Level::Warn),
                        )
                        .await;
                }
                return Err(Work::failed(
                    phase,
                    format!("no IPv4 address after {waited} s, and the packages need the network"),
                ));
            }
            tokio::time::sleep(Duration::from_secs(1).min(self.config.network_wait)).await;
        }
    }

    // ── commands in the container ────────────────────────────────────────────────────

    /// Runs `argv` in the container (`pct exec`), each output line becoming an event.
    async fn exec_in_container(
        &self,
        phase: Phase,
        fraction: f64,
        script: Option<&str>,
        argv: &[&str],
        stdin: Option<&[u8]>,
    ) -> Result<ExecOutput, Stop> {
        let vmid = self.vmid().to_string();
        let mut words = vec!["pct", "exec", vmid.as_str(), "--"];
        words.extend_from_slice(argv);
        let line = ssh::command(&words).map_err(|e| Work::failed(phase, e.to_string()))?;
        let session = self
            .backend
            .ssh
            .session(&self.access.ssh_target())
            .await
            .map_err(|e| Work::failed(phase, format!("{}: {e}", self.node_name)))?;
        let (lines, mut received) = tokio::sync::mpsc::unbounded_channel::<String>();
        let timeout = self.config.command_timeout;
        let run = async move {
            session
                .exec(&line, stdin, timeout, move |_, text| {
                    let _ = lines.send(text.to_owned());
                })
                .await
        };
        let percent = phase.percent(fraction);
        let relay = async {
            while let Some(text) = received.recv().await {
                let mut event = NewEvent::info(phase, percent, text).level(Level::Output);
                event.script = script.map(str::to_owned);
                self.event(event).await?;
            }
            Ok::<(), Stop>(())
        };
        let (output, relayed) = tokio::join!(run, relay);
        relayed?;
        output.map_err(|e| Work::failed(phase, format!("{}: {e}", self.node_name)))
    }

    /// As [`Self::exec_in_container`], failing the phase on a non-zero exit.
    async fn must_run(
        &self,
        phase: Phase,
        fraction: f64,
        argv: &[&str],
        what: &str,
    ) -> Result<ExecOutput, Stop> {
        let output = self
            .exec_in_container(phase, fraction, None, argv, None)
            .await?;
        if output.success() {
            Ok(output)
        } else {
            Err(Work::failed(
                phase,
                format!("{what} failed ({}){}", exit_words(&output), tail(&output)),
            ))
        }
    }

    async fn packages(&self) -> Result<(), Stop> {
        let phase = Phase::Packages;
        if self.spec.packages.is_empty() {
            return self.info(phase, 1.0, "No extra packages.").await;
        }
        let release = self
            .must_run(
                phase,
                0.0,
                &["cat", "/etc/os-release"],
                "reading /etc/os-release",
            )
            .await?;
        let manager = PackageManager::from_os_release(&release.stdout).ok_or_else(|| {
            Work::failed(
                phase,
                "unknown distribution: no apt, apk or dnf to install packages with",
            )
        })?;
        self.info(
            phase,
            0.1,
            format!(
                "Installing {} with {}.",
                self.spec.packages.join(", "),
                manager.name()
            ),
        )
        .await?;
        self.must_run(
            phase,
            0.2,
            &manager.refresh(),
            "refreshing the package lists",
        )
        .await?;
        self.checkpoint(phase).await?;
        let mut install = manager.install();
        install.extend(self.spec.packages.iter().map(String::as_str));
        self.must_run(phase, 0.5, &install, "installing the packages")
            .await?;
        self.info(phase, 1.0, "Packages installed.").await
    }

    async fn scripts(&mut self) -> Result<(), Stop> {
        let phase = Phase::Scripts;
        let total = self.spec.scripts.len();
        if total == 0 {
            return self.info(phase, 1.0, "No scripts.").await;
        }
        let done = usize::try_from(self.job.scripts_done).unwrap_or(0);
        let started = usize::try_from(self.job.scripts_started).unwrap_or(0);
        if started > done {
            let name = self.spec.scripts.get(done).map_or("?", |s| s.name.as_str());
            return Err(Work::failed(
                phase,
                format!(
                    "the runner stopped while script {name} was running; it may have run partly, so it is not run again"
                ),
            ));
        }
        for index in done..total {
            self.checkpoint(phase).await?;
            let script = self.spec.scripts[index].clone();
            let fraction = index as f64 / total as f64;
            self.mark(&format!("scripts_started = {}", index + 1))
                .await?;
            self.event(
                NewEvent::info(
                    phase,
                    phase.percent(fraction),
                    format!("Running script {}.", script.name),
                )
                .script(&script.name),
            )
            .await?;
            let output = self
                .exec_in_container(
                    phase,
                    fraction,
                    Some(&script.name),
                    &["sh", "-s"],
                    Some(script.content.as_bytes()),
                )
                .await?;
            if !output.success() {
                self.mark(&format!("script_failed = {index}")).await?;
                return Err(Work::failed(
                    phase,
                    format!("script {} failed ({})", script.name, exit_words(&output)),
                ));
            }
            self.mark(&format!("scripts_done = {}", index + 1)).await?;
            self.event(
                NewEvent::info(
                    phase,
                    phase.percent((index + 1) as f64 / total as f64),
                    format!("Script {} finished.", script.name),
                )
                .script(&script.name),
            )
            .await?;
        }
        Ok(())
    }

    async fn discover(&self) -> Result<(), Stop> {
        let phase = Phase::Discover;
        self.info(phase, 0.0, "Looking for services.").await?;
        let units = self
            .exec_in_container(
                phase,
                0.3,
                None,
                &[
                    "systemctl",
                    "list-units",
                    "--type=service",
                    "--state=running",
                    "--no-legend",
                    "--plain",
                ],
                None,
            )
            .await?;
        let ports = self
            .exec_in_container(phase, 0.6, None, &["ss", "-ltnH"], None)
            .await?;
        let services: Vec<&str> = units
            .stdout
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|u| u.ends_with(".service"))
            .collect();
        let mut listening: Vec<u16> = ports
            .stdout
            .lines()
            .filter_map(|l| l.split_whitespace().nth(3))
            .filter_map(|local| local.rsplit(':').next()?.parse().ok())
            .collect();
        listening.sort_unstable();
        listening.dedup();
        let message = if services.is_empty() && listening.is_empty() {
            "No running services found.".to_owned()
        } else {
            format!(
                "Services: {}; listening on TCP {}.",
                if services.is_empty() {
                    "none".to_owned()
                } else {
                    services.join(", ")
                },
                if listening.is_empty() {
                    "no ports".to_owned()
                } else {
                    listening
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )
        };
        self.info(phase, 1.0, message).await
    }

    // ── endings ──────────────────────────────────────────────────────────────────────

    async fn succeed(&self) {
        let message = match &self.address {
            Some(address) => format!("Done: CT {} is running at {address}.", self.vmid()),
            None => format!("Done: CT {} is running.", self.vmid()),
        };
        if self.info(Phase::Done, 1.0, message).await.is_err() {
            return;
        }
        let finished = self
            .mark("state = 'succeeded', phase = 'done', percent = 100, finished_at = time::now(), lease_owner = NONE, lease_until = NONE")
            .await;
        if finished.is_err() {
            return;
        }
        self.after_end(Outcome::Ok, "job.done").await;
    }

    async fn fail(&self, stop: Stop) {
        let (state, phase, message) = match stop {
            Stop::Failed { phase, message } => ("failed", phase, message),
            Stop::Cancelled { phase } => ("cancelled", phase, "Cancelled by the user.".to_owned()),
            Stop::LeaseLost => return,
        };
        let level = if state == "failed" {
            Level::Error
        } else {
            Level::Warn
        };
        let percent = phase.percent(0.0);
        if self
            .event(NewEvent::info(phase, percent, message.clone()).level(level))
            .await
            .is_err()
        {
            return;
        }
        let cleanup = match self.clean_up().await {
            Ok(text) => text,
            Err(Stop::LeaseLost) => return,
            Err(other) => format!(
                "Clean-up failed ({}); remove CT {} by hand.",
                other.describe(),
                self.vmid()
            ),
        };
        if self
            .event(NewEvent::info(Phase::Cleanup, 100, cleanup.clone()))
            .await
            .is_err()
        {
            return;
        }
        let changes = "state = $state, error = $message, failed_phase = $phase, cleanup = $cleanup, \
             finished_at = time::now(), lease_owner = NONE, lease_until = NONE";
        let texts = vec![
            ("state", state.to_owned()),
            ("message", message),
            ("phase", phase.as_str().to_owned()),
            ("cleanup", cleanup),
        ];
        if self.mark_with(changes, texts).await.is_err() {
            return;
        }
        self.after_end(
            Outcome::Failed,
            if state == "failed" {
                "job.failed"
            } else {
                "job.cancelled"
            },
        )
        .await;
    }

    /// Removes the half-made container unless the user asked to keep it; says what
    /// was done.
    async fn clean_up(&self) -> Result<String, Stop> {
        let vmid = self.vmid();
        if !self.job.created {
            return Ok("Nothing to clean up: the container was not created.".to_owned());
        }
        if self.spec.keep_on_failure {
            return Ok(format!("CT {vmid} was kept for debugging, as asked."));
        }
        let phase = Phase::Cleanup;
        self.event(NewEvent::info(phase, 100, format!("Removing CT {vmid}.")))
            .await?;
        let status = match self.client.lxc_status(&self.pve_node, vmid).await {
            Ok(status) => status,
            Err(PveError::NotFound { .. }) => {
                return Ok(format!("CT {vmid} was already gone."));
            }
            Err(error) => return Err(self.upstream(phase, &error)),
        };
        if status.status == "running" {
            let upid = self
                .client
                .lxc_power(&self.pve_node, vmid, &PowerAction::Stop)
                .await
                .map_err(|e| self.upstream(phase, &e))?;
            self.follow_task(phase, &upid).await?;
        }
        let options = DeleteOptions {
            purge: true,
            destroy_unreferenced_disks: true,
            force: true,
        };
        let upid = self
            .client
            .lxc_delete(&self.pve_node, vmid, options)
            .await
            .map_err(|e| self.upstream(phase, &e))?;
        self.follow_task(phase, &upid).await?;
        self.backend.inventory.forget(&self.job.node);
        Ok(format!(
            "CT {vmid} was {}destroyed with its disks (purge).",
            if status.status == "running" {
                "stopped and "
            } else {
                ""
            }
        ))
    }

    async fn after_end(&self, outcome: Outcome, action: &str) {
        release_claim(self.backend, &self.job.id).await;
        self.backend.job_bus.close(&self.job.id);
        self.backend.inventory.forget(&self.job.node);
        audit::record(
            self.backend,
            Entry::by(&self.owner, action, self.target(), outcome)
                .detail(format!("job {}", self.job.id)),
        )
        .await;
    }
}

/// `exit status 1`, or how the command ended otherwise.
fn exit_words(output: &ExecOutput) -> String {
    match output.status {
        Some(code) => format!("exit status {code}"),
        None => "killed by a signal".to_owned(),
    }
}

/// The last lines of a command's error output, for the failure message.
fn tail(output: &ExecOutput) -> String {
    let text = if output.stderr.trim().is_empty() {
        &output.stdout
    } else {
        &output.stderr
    };
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(TAIL_LINES);
    if lines.is_empty() {
        String::new()
    } else {
        format!(":\n{}", lines[start..].join("\n"))
    }
}

/// The container's own package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PackageManager {
    Apt,
    Apk,
    Dnf,
}

impl PackageManager {
    /// From `/etc/os-release`: `ID` first, then `ID_LIKE`.
    fn from_os_release(text: &str) -> Option<PackageManager> {
        let value = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .map(|v| v.trim().trim_matches('"').to_ascii_lowercase())
                .unwrap_or_default()
        };
        let ids = format!("{} {}", value("ID"), value("ID_LIKE"));
        ids.split_whitespace().find_map(|id| match id {
            "debian" | "ubuntu" | "devuan" | "kali" => Some(PackageManager::Apt),
            "alpine" => Some(PackageManager::Apk),
            "fedora" | "rhel" | "centos" | "rocky" | "almalinux" | "ol" => {
                Some(PackageManager::Dnf)
            }
            _ => None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            PackageManager::Apt => "apt",
            PackageManager::Apk => "apk",
            PackageManager::Dnf => "dnf",
        }
    }

    fn refresh(self) -> Vec<&'static str> {
        match self {
            PackageManager::Apt => {
                vec!["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "update"]
            }
            PackageManager::Apk => vec!["apk", "update"],
            PackageManager::Dnf => vec!["dnf", "makecache"],
        }
    }

    fn install(self) -> Vec<&'static str> {
        match self {
            PackageManager::Apt => vec![
                "env",
                "DEBIAN_FRONTEND=noninteractive",
                "apt-get",
                "install",
                "-y",
                "--no-install-recommends",
            ],
            // Package names never start with `-` (checked), so they cannot be options.
            PackageManager::Apk => vec!["apk", "add", "--no-cache"],
            PackageManager::Dnf => vec!["dnf", "install", "-y"],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_managers_come_from_os_release() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12\"\nID=debian\n";
        let rocky = "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n";
        let mint = "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n";
        assert_eq!(
            PackageManager::from_os_release(debian),
            Some(PackageManager::Apt)
        );
        assert_eq!(
            PackageManager::from_os_release(rocky),
            Some(PackageManager::Dnf)
        );
        assert_eq!(
            PackageManager::from_os_release(mint),
            Some(PackageManager::Apt)
        );
        assert_eq!(
            PackageManager::from_os_release("ID=alpine"),
            Some(PackageManager::Apk)
        );
        assert_eq!(PackageManager::from_os_release("ID=arch"), None);
    }
}
