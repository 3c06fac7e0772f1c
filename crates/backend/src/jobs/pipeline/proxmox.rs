//! The phases done through the Proxmox API: create the container (following the task, or
//! the one a previous runner started), start it, and wait for its network address.

use std::time::{Duration, Instant};

use model::container::LxcStatus;
use model::job::{Level, Phase};
use pve::{PowerAction, Upid, WaitOptions};

use super::create_spec::create_spec;
use super::ownership::Occupant;
use super::progress::Progress;
use super::{Halt, JobRun};
use crate::jobs::events::NewEvent;
use crate::jobs::root_password;

impl JobRun<'_> {
    /// Creates the container, or finishes what a previous runner started.
    pub(super) async fn create(&mut self) -> Result<(), Halt> {
        let phase = Phase::Create;
        if self.job.created {
            return self
                .info(phase, 1.0, "The container was already created.")
                .await;
        }
        let upid = match self.job.create_upid.clone() {
            Some(upid) => {
                self.info(phase, 0.2, "Following the create task started before.")
                    .await?;
                upid.parse::<Upid>().map_err(|e| {
                    Halt::failed(phase, format!("the stored task id is unreadable: {e}"))
                })?
            }
            None if self.job.create_requested => match self.occupant(phase).await? {
                Occupant::ThisJob => {
                    // The previous runner asked Proxmox and died before recording the
                    // task: the container is ours; wait for Proxmox to finish making it.
                    self.info(
                        phase,
                        0.2,
                        "The create request was sent before; waiting for Proxmox to finish it.",
                    )
                    .await?;
                    self.wait_unlocked(phase).await?;
                    self.record(Progress::Created).await?;
                    self.job.created = true;
                    return self
                        .info(phase, 1.0, format!("CT {} created.", self.vmid))
                        .await;
                }
                Occupant::Someone => return Err(Halt::failed(phase, self.not_ours())),
                Occupant::Nobody => self.request_create(phase).await?,
            },
            None => self.request_create(phase).await?,
        };
        self.follow_task(phase, &upid).await?;
        self.record(Progress::Created).await?;
        self.job.created = true;
        self.backend.inventory.forget(&self.node_id);
        self.info(phase, 1.0, format!("CT {} created.", self.vmid))
            .await
    }

    /// Sends the create call (marked on the job first) and records its task.
    async fn request_create(&mut self, phase: Phase) -> Result<Upid, Halt> {
        self.info(
            phase,
            0.0,
            format!(
                "Creating CT {} ({}) from {} on {}.",
                self.vmid, self.spec.hostname, self.spec.ostemplate, self.node_name
            ),
        )
        .await?;
        let password = root_password::for_create(self.backend, &self.job_id)
            .await
            .map_err(|e| Halt::failed(phase, e.to_string()))?;
        self.record(Progress::CreateRequested).await?;
        self.job.create_requested = true;
        let create = create_spec(&self.spec, &password, &self.job_id, self.pool.as_deref());
        let upid = self
            .client
            .lxc_create(&self.pve_node, &create)
            .await
            .map_err(|e| self.upstream(phase, &e))?;
        self.record(Progress::CreateTask(upid.to_string())).await?;
        Ok(upid)
    }

    /// Waits until Proxmox no longer holds the `create` lock.
    /// (A container that vanished, its create having failed, is not locked either.)
    pub(super) async fn wait_unlocked(&self, phase: Phase) -> Result<(), Halt> {
        let deadline = Instant::now() + Duration::from_secs(15 * 60);
        loop {
            let status = match self
                .client
                .lxc_status(&self.pve_node, self.vmid.get())
                .await
            {
                Ok(status) => status,
                Err(pve::PveError::NotFound { .. }) => return Ok(()),
                Err(error) => return Err(self.upstream(phase, &error)),
            };
            if status.lock.is_none() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Halt::failed(
                    phase,
                    "Proxmox kept the container locked for 15 minutes",
                ));
            }
            tokio::time::sleep(self.config.task_poll).await;
        }
    }

    /// Follows a Proxmox task to its end, its log lines becoming output events (within
    /// the job's output cap; lines arriving faster than they are stored are counted and
    /// skipped rather than queued without end).
    pub(super) async fn follow_task(&self, phase: Phase, upid: &Upid) -> Result<(), Halt> {
        let (lines, received) = self.output_channel();
        let skipped = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let options = WaitOptions {
            interval: self.config.task_poll,
            deadline: Duration::from_secs(30 * 60),
            ..WaitOptions::default()
        };
        let client = self.client.clone();
        let counted = skipped.clone();
        let follow = async move {
            client
                .wait_task(upid, &options, move |line| {
                    let text = crate::ssh::cut_line(&line.t);
                    if lines.try_send((crate::ssh::Stream::Stdout, text)).is_err() {
                        counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                })
                .await
        };
        let percent = phase.percent(0.5);
        let relay = self.relay_output(phase, percent, None, received);
        let (outcome, relayed) = tokio::join!(follow, relay);
        relayed?;
        let skipped = skipped.load(std::sync::atomic::Ordering::Relaxed);
        if skipped > 0 {
            let notice = format!(
                "{skipped} lines of the Proxmox task log came faster than they could be stored and were skipped."
            );
            self.event(NewEvent::info(phase, percent, notice).level(Level::Warn))
                .await?;
        }
        outcome
            .map(|_| ())
            .map_err(|error| self.upstream(phase, &error))
    }

    /// Starts the container unless it already runs.
    pub(super) async fn start(&self) -> Result<(), Halt> {
        let phase = Phase::Start;
        let status = self
            .client
            .lxc_status(&self.pve_node, self.vmid.get())
            .await
            .map_err(|e| self.upstream(phase, &e))?;
        if LxcStatus::parse(&status.status).is_running() {
            return self.info(phase, 1.0, "The container is running.").await;
        }
        self.info(phase, 0.0, format!("Starting CT {}.", self.vmid))
            .await?;
        let upid = self
            .client
            .lxc_power(&self.pve_node, self.vmid.get(), &PowerAction::Start)
            .await
            .map_err(|e| self.upstream(phase, &e))?;
        self.follow_task(phase, &upid).await?;
        self.info(phase, 1.0, "Started.").await
    }

    /// Waits for an IPv4 address; without one, only a job that installs packages fails.
    pub(super) async fn network(&mut self) -> Result<(), Halt> {
        let phase = Phase::Network;
        self.info(phase, 0.0, "Waiting for a network address.")
            .await?;
        let started = Instant::now();
        loop {
            let interfaces = self
                .client
                .lxc_interfaces(&self.pve_node, self.vmid.get())
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
                return Err(Halt::failed(
                    phase,
                    format!("no IPv4 address after {waited} s, and the packages need the network"),
                ));
            }
            tokio::time::sleep(Duration::from_secs(1).min(self.config.network_wait)).await;
        }
    }
}
