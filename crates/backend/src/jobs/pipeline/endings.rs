//! How a job ends: success (the root password can be revealed once), or failure and
//! cancel, after which the half-made container is removed unless the user asked to keep
//! it. Either way the VMID claim is released, live subscribers are told, and the audit
//! log gets the outcome.

use model::container::LxcStatus;
use model::job::{JobState, Level, Phase};
use pve::{DeleteOptions, PowerAction, PveError};

use super::ownership::Occupant;
use super::progress::Progress;
use super::{Halt, JobRun};
use crate::audit::{self, AuditAction, AuditOutcome, Entry};
use crate::jobs::events::NewEvent;

impl JobRun<'_> {
    /// The last log line and the job marked succeeded.
    pub(super) async fn succeed(&self) {
        let message = match &self.address {
            Some(address) => format!("Done: CT {} is running at {address}.", self.vmid),
            None => format!("Done: CT {} is running.", self.vmid),
        };
        if self.info(Phase::Done, 1.0, message).await.is_err() {
            return;
        }
        if self.end(Progress::Succeeded).await {
            self.after_end(AuditOutcome::Ok, AuditAction::JobDone).await;
        }
    }

    /// Logs why the job stopped, cleans up, and marks it failed or cancelled.
    pub(super) async fn fail(&self, halt: Halt) {
        let (state, phase, message) = match halt {
            Halt::Failed { phase, message } => (JobState::Failed, phase, message),
            Halt::Cancelled { phase } => (
                JobState::Cancelled,
                phase,
                "Cancelled by the user.".to_owned(),
            ),
            Halt::LeaseLost | Halt::Stopping => return,
        };
        let level = if state == JobState::Failed {
            Level::Error
        } else {
            Level::Warn
        };
        let event = NewEvent::info(phase, phase.percent(0.0), message.clone()).level(level);
        if self.event(event).await.is_err() {
            return;
        }
        let cleanup = match self.clean_up().await {
            Ok(text) => text,
            Err(Halt::LeaseLost) => return,
            Err(other) => format!(
                "Clean-up failed ({}); remove CT {} by hand.",
                other.describe(),
                self.vmid
            ),
        };
        if self
            .event(NewEvent::info(Phase::Cleanup, 100, cleanup.clone()))
            .await
            .is_err()
        {
            return;
        }
        let ended = Progress::Ended {
            state,
            phase,
            message,
            cleanup,
        };
        if self.end(ended).await {
            let action = if state == JobState::Failed {
                AuditAction::JobFailed
            } else {
                AuditAction::JobCancelled
            };
            self.after_end(AuditOutcome::Failed, action).await;
        }
    }

    /// Writes the job's end; `false` when it could not be written. A lost lease leaves the
    /// job to the runner that has it; a database failure leaves it to the next runner
    /// after the lease expires (logged here).
    async fn end(&self, ending: Progress) -> bool {
        match self.record(ending).await {
            Ok(()) => true,
            Err(Halt::LeaseLost) => false,
            Err(halt) => {
                tracing::error!(job = %self.job_id, error = %halt.describe(), "cannot record the job's end");
                false
            }
        }
    }

    /// Removes the half-made container unless the user asked to keep it; says truthfully
    /// what was done. A container is touched only when its description names this job:
    /// when the create call was sent but its outcome is unknown (the node did not answer),
    /// the VMID is looked at rather than assumed empty or ours.
    async fn clean_up(&self) -> Result<String, Halt> {
        let vmid = self.vmid;
        let phase = Phase::Cleanup;
        if !self.job.created && !self.job.create_requested {
            return Ok("Nothing to clean up: the container was not created.".to_owned());
        }
        match self.occupant(phase).await? {
            Occupant::Nobody if self.job.created => {
                return Ok(format!("CT {vmid} was already gone."));
            }
            Occupant::Nobody => {
                return Ok("Nothing to clean up: the container was not created.".to_owned());
            }
            Occupant::Someone => return Ok(self.not_ours()),
            Occupant::ThisJob => {}
        }
        if self.spec.keep_on_failure {
            return Ok(format!("CT {vmid} was kept for debugging, as asked."));
        }
        self.event(NewEvent::info(phase, 100, format!("Removing CT {vmid}.")))
            .await?;
        let status = match self.client.lxc_status(&self.pve_node, vmid.get()).await {
            Ok(status) => status,
            Err(PveError::NotFound { .. }) => {
                return Ok(format!("CT {vmid} was already gone."));
            }
            Err(error) => return Err(self.upstream(phase, &error)),
        };
        let was_running = LxcStatus::parse(&status.status).is_running();
        if was_running {
            let upid = self
                .client
                .lxc_power(&self.pve_node, vmid.get(), &PowerAction::Stop)
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
            .lxc_delete(&self.pve_node, vmid.get(), options)
            .await
            .map_err(|e| self.upstream(phase, &e))?;
        self.follow_task(phase, &upid).await?;
        self.backend.inventory.forget(&self.node_id);
        Ok(format!(
            "CT {vmid} was {}destroyed with its disks (purge).",
            if was_running { "stopped and " } else { "" }
        ))
    }

    async fn after_end(&self, outcome: AuditOutcome, action: AuditAction) {
        crate::jobs::release_claim(self.backend, &self.job_id).await;
        self.backend.job_bus.close(&self.job_id);
        self.backend.inventory.forget(&self.node_id);
        audit::record(
            self.backend,
            Entry::by(&self.owner, action, self.target(), outcome),
        )
        .await;
    }
}
