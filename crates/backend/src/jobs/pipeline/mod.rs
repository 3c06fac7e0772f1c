//! One job's way from a specification to a running, provisioned container: create,
//! start, wait for network, files, packages, scripts, discover services, done.
//!
//! Every phase can be entered again by a runner that took the job over: progress markers
//! on the job record (create requested / task id / created, scripts started / done) say
//! what already happened, so nothing is done twice. A script that was running when its
//! runner died is never run again (it may have half-run): the job fails and cleans up.
//! On failure or cancel the half-made container is stopped and destroyed (purge) unless
//! the user asked to keep it; what was done is recorded on the job.
//!
//! - [`progress`]: the job's log lines, progress markers and cancel checks;
//! - [`proxmox`]: the phases done through the Proxmox API (create, start, network);
//! - [`create_spec`]: the container specification as Proxmox's create call takes it;
//! - [`guest`]: commands inside the container (`pct exec` over SSH);
//! - [`output`]: command output into the log, batched and capped;
//! - [`files`], [`packages`], [`scripts`], [`discovery`]: the phases run inside the
//!   container;
//! - [`endings`]: success, failure, cancel and clean-up;
//! - [`ownership`]: whether the container at the job's VMID is the job's (checked before
//!   adopting or destroying it).

mod create_spec;
mod discovery;
mod endings;
mod files;
mod guest;
mod output;
mod ownership;
mod packages;
mod progress;
mod proxmox;
mod scripts;

pub use output::OutputLimits;

use std::time::Duration;

use model::ids::{JobId, NodeId, Vmid};
use model::job::{JobState, Level, Phase};
use model::provision::ContainerSpec;
use pve::PveError;
use tokio::sync::watch;

use super::events::{self, NewEvent};
use super::record::{self, StoredJob};
use super::runner::{self, Claim, RunnerConfig};
use crate::Backend;
use crate::accounts::{self, User};
use crate::audit::Target;
use crate::error::ServiceError;
use crate::nodes::{self, NodeAccess};

/// Why the pipeline stopped before the end.
#[derive(Debug)]
enum Halt {
    Failed {
        phase: Phase,
        message: String,
    },
    Cancelled {
        phase: Phase,
    },
    /// Another runner holds the job now: leave everything to it.
    LeaseLost,
    /// This process is shutting down: hand the job back at this safe point.
    Stopping,
}

impl Halt {
    fn failed(phase: Phase, message: impl Into<String>) -> Halt {
        Halt::Failed {
            phase,
            message: message.into(),
        }
    }

    fn describe(&self) -> String {
        match self {
            Halt::Failed { phase, message } => format!("{}: {message}", phase.title()),
            Halt::Cancelled { .. } => "cancelled".to_owned(),
            Halt::LeaseLost => "another runner took over".to_owned(),
            Halt::Stopping => "Corral is shutting down".to_owned(),
        }
    }
}

/// Runs the claimed job to its end, or to a safe point when `stopping` turns true (then
/// the job is handed back for the next start).
pub(crate) async fn run(
    backend: &Backend,
    config: &RunnerConfig,
    claim: &Claim,
    stopping: watch::Receiver<bool>,
) {
    let job_id = &claim.job_id;
    let mut run = match JobRun::load(backend, config, claim, stopping).await {
        Ok(run) => run,
        Err(message) => {
            fail_unloadable(backend, claim, &message).await;
            return;
        }
    };
    if run.job.attempts > config.max_attempts {
        let phase = Phase::parse(&run.job.phase).unwrap_or(Phase::Create);
        let message = format!(
            "Gave up after {} attempts: the runner working on this job stopped every time \
             (see the server log).",
            config.max_attempts
        );
        run.fail(Halt::failed(phase, message)).await;
        return;
    }
    match run.phases().await {
        Ok(()) => run.succeed().await,
        Err(Halt::LeaseLost) => {
            tracing::warn!(job = %job_id, "the job was taken over by another runner");
        }
        Err(Halt::Stopping) => {
            let note = NewEvent::info(
                Phase::parse(&run.job.phase).unwrap_or(Phase::Create),
                u8::try_from(run.job.percent.clamp(0, 100)).unwrap_or(0),
                "Paused: Corral is shutting down; the job resumes when it starts again.",
            );
            if run.event(note).await.is_ok() {
                runner::hand_back(backend, claim).await;
            }
        }
        Err(halt) => run.fail(halt).await,
    }
}

/// Ends a job that cannot even be loaded (its owner or node is gone).
async fn fail_unloadable(backend: &Backend, claim: &Claim, message: &str) {
    let job_id = &claim.job_id;
    tracing::warn!(job = %job_id, message, "job cannot run");
    let event = NewEvent::info(Phase::Create, 0, message).level(Level::Error);
    if events::append(backend, job_id, Some(&claim.token), event)
        .await
        .is_err()
    {
        return;
    }
    let ended = backend
        .store
        .db()
        .query(
            "UPDATE type::record('job', $id) SET state = $failed, error = $message,
                 failed_phase = $phase, finished_at = time::now(),
                 cleanup = 'Nothing to clean up: the container was not created.',
                 lease_owner = NONE, lease_until = NONE
              WHERE lease_owner = $runner",
        )
        .bind(("id", job_id.to_string()))
        .bind(("failed", JobState::Failed.as_str()))
        .bind(("message", message.to_owned()))
        .bind(("phase", Phase::Create.as_str()))
        .bind(("runner", claim.token.clone()))
        .await
        .and_then(|response| response.check());
    if let Err(error) = ended {
        // The lease runs out and another runner tries again, failing the same way.
        tracing::error!(%error, job = %job_id, "cannot mark the job failed");
        return;
    }
    super::release_claim(backend, job_id).await;
    backend.job_bus.close(job_id);
}

/// One job while a runner works on it.
struct JobRun<'a> {
    backend: &'a Backend,
    config: &'a RunnerConfig,
    /// The lease token every write is made under.
    lease: &'a str,
    /// Turns true when this process shuts down.
    stopping: watch::Receiver<bool>,
    job: StoredJob,
    job_id: JobId,
    node_id: NodeId,
    vmid: Vmid,
    spec: ContainerSpec,
    owner: User,
    node_name: String,
    pve_node: String,
    /// The node's resource pool, which new containers join.
    pool: Option<String>,
    access: NodeAccess,
    client: pve::Client,
    /// The container's IPv4 address, once the network phase found one.
    address: Option<String>,
    /// How much output the log has taken in this run.
    output: output::SharedOutputLog,
}

impl<'a> JobRun<'a> {
    async fn load(
        backend: &'a Backend,
        config: &'a RunnerConfig,
        claim: &'a Claim,
        stopping: watch::Receiver<bool>,
    ) -> Result<JobRun<'a>, String> {
        let job_id = &claim.job_id;
        let job = record::load(backend, job_id)
            .await
            .map_err(|e| format!("cannot read the job: {e}"))?;
        let unreadable = |e: crate::store::StoreError| e.to_string();
        let spec = job.spec().map_err(unreadable)?;
        let owner_id = job.owner().map_err(unreadable)?;
        let node_id = job.node().map_err(unreadable)?;
        let owner = accounts::find(backend, &owner_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the account that created this job was deleted")?;
        let (view, access) =
            nodes::access(backend, &owner, &node_id)
                .await
                .map_err(|e| match e {
                    ServiceError::NotFound => "the node was removed from Corral".to_owned(),
                    other => other.to_string(),
                })?;
        let client = access
            .client(Duration::from_secs(60))
            .map_err(|e| e.to_string())?;
        Ok(JobRun {
            backend,
            config,
            lease: &claim.token,
            stopping,
            vmid: spec.vmid,
            job_id: job_id.clone(),
            node_id,
            job,
            spec,
            owner,
            node_name: view.name,
            pve_node: view.pve_node,
            pool: view.pool,
            access,
            client,
            address: None,
            output: output::SharedOutputLog::default(),
        })
    }

    /// How the audit log names this job's container.
    fn target(&self) -> Target {
        Target::container(
            &self.node_id,
            &self.node_name,
            self.vmid,
            &self.spec.hostname,
        )
        .by_job(&self.job_id)
    }

    /// A Proxmox error as this phase's failure (the node named).
    fn upstream(&self, phase: Phase, error: &PveError) -> Halt {
        Halt::failed(phase, self.access.upstream(error).to_string())
    }

    /// The phases in order, each after a chance to stop when the user cancelled.
    async fn phases(&mut self) -> Result<(), Halt> {
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
        } else if self.job.create_requested {
            self.info(
                Phase::Create,
                0.0,
                "Resuming where the job paused when Corral last stopped.",
            )
            .await?;
        }
        self.stop_if_cancelled(Phase::Create).await?;
        self.create().await?;
        self.stop_if_cancelled(Phase::Start).await?;
        self.start().await?;
        self.stop_if_cancelled(Phase::Network).await?;
        self.network().await?;
        self.stop_if_cancelled(Phase::Files).await?;
        self.files().await?;
        self.stop_if_cancelled(Phase::Packages).await?;
        self.packages().await?;
        self.scripts().await?;
        self.stop_if_cancelled(Phase::Discover).await?;
        self.discover().await
    }
}
