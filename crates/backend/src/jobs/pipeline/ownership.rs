//! Whose a container is, before a job adopts or destroys it. The create call writes
//! "Created by Corral (job <id>)" into the container's description; a runner taking a job
//! over, or cleaning up after it, touches a container only when that description names
//! this job. A container with the job's VMID that is not the job's (someone made it by
//! hand, or another tool) is left alone, and the job's record says so.

use model::job::Phase;
use pve::PveError;

use super::{Halt, JobRun};

/// What stands at the job's VMID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Occupant {
    /// Nothing: the container does not exist.
    Nobody,
    /// A container whose description names this job.
    ThisJob,
    /// A container that is not this job's.
    Someone,
}

/// The description the create call writes for job `job_id`.
pub(super) fn description_of(job_id: &model::ids::JobId) -> String {
    format!("Created by Corral (job {job_id}).")
}

impl JobRun<'_> {
    /// Looks at the job's VMID on its node. A container still being created (Proxmox
    /// writes a placeholder holding only `lock: create`, the description comes at the
    /// end) is waited for first.
    pub(super) async fn occupant(&self, phase: Phase) -> Result<Occupant, Halt> {
        let mut read = self
            .client
            .lxc_config(&self.pve_node, self.vmid.get())
            .await;
        if matches!(&read, Ok(config) if config.lock.as_deref() == Some("create")) {
            self.wait_unlocked(phase).await?;
            read = self
                .client
                .lxc_config(&self.pve_node, self.vmid.get())
                .await;
        }
        match read {
            Ok(config) => {
                let mark = description_of(&self.job_id);
                let ours = config
                    .description
                    .as_deref()
                    .is_some_and(|description| description.contains(&mark));
                Ok(if ours {
                    Occupant::ThisJob
                } else {
                    Occupant::Someone
                })
            }
            Err(PveError::NotFound { .. }) => Ok(Occupant::Nobody),
            Err(error) => Err(self.upstream(phase, &error)),
        }
    }

    /// The words for a container at the job's VMID that is not the job's.
    pub(super) fn not_ours(&self) -> String {
        format!(
            "CT {} exists but was not created by this job (its description does not name \
             it); Corral left it untouched.",
            self.vmid
        )
    }
}
