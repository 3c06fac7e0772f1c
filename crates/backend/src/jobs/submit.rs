//! Creating a job: the whole form is checked, the node and the VMID too, and then one
//! transaction claims the VMID, writes the job with its sealed root password and its
//! first log line, and (from the wizard) deletes the draft. Nothing reaches Proxmox until
//! a runner claims the job.

use model::ids::{DraftId, JobId};
use model::job::{JobState, Level, Phase};
use model::provision::ContainerForm;

use super::root_password;
use crate::Backend;
use crate::accounts::User;
use crate::audit::{self, AuditAction, Entry, Target};
use crate::error::{ServiceError, ServiceResult};
use crate::ids::new_id;
use crate::store::{QueryFailure, StoreError};
use crate::{drafts, inventory, nodes, templates};

/// Checks `form` completely and queues a job for it. Refused before anything reaches
/// Proxmox when the VMID is taken on the node or another job is creating it.
pub async fn submit(backend: &Backend, user: &User, form: &ContainerForm) -> ServiceResult<JobId> {
    queue(backend, user, form, None).await
}

/// The wizard's last step: queues the job of the user's draft `draft` (with the "keep
/// it if provisioning fails" choice) and deletes the draft in the same transaction. When
/// the job cannot be queued, the draft keeps the choice and the error is returned.
pub async fn create_from_draft(
    backend: &Backend,
    user: &User,
    draft: &DraftId,
    keep_on_failure: bool,
) -> ServiceResult<JobId> {
    let mut form = drafts::get(backend, user, draft).await?;
    form.keep_on_failure = if keep_on_failure { "on" } else { "" }.to_owned();
    let queued = queue(backend, user, &form, Some(draft)).await;
    if queued.is_err()
        && let Err(error) = drafts::save(backend, user, draft, &form).await
    {
        tracing::warn!(%error, %draft, "the draft did not keep the clean-up choice");
    }
    queued
}

async fn queue(
    backend: &Backend,
    user: &User,
    form: &ContainerForm,
    draft: Option<&DraftId>,
) -> ServiceResult<JobId> {
    let spec = form.validate()?;
    if let Some(template) = &spec.template
        && let Err(ServiceError::NotFound) = templates::get(backend, user, &template.id).await
    {
        return Err(ServiceError::field(
            "template",
            format!(
                "template {} was deleted after this draft was started: choose another \
                 template or start from scratch",
                template.name
            ),
        ));
    }
    let (node, _) = nodes::access(backend, user, &spec.node_id)
        .await
        .map_err(|e| match e {
            ServiceError::NotFound => ServiceError::field("node_id", "choose one of your nodes"),
            other => other,
        })?;
    if !inventory::is_vmid_free(backend, user, &node.id, spec.vmid).await? {
        return Err(ServiceError::field(
            "vmid",
            format!("CT {} already exists on {}", spec.vmid, node.name),
        ));
    }
    let id: JobId = new_id();
    let sealed = backend.keys.seal(
        &root_password::binding(id.as_str()),
        root_password::generate().as_bytes(),
    )?;
    let spec_json = serde_json::to_string(&spec)
        .map_err(|e| ServiceError::Internal(format!("cannot store the spec: {e}")))?;
    let target = Target::container(&node.id, &node.name, spec.vmid, &spec.hostname).by_job(&id);
    let mut response = backend
        .store
        .db()
        .query(
            "BEGIN TRANSACTION;
             CREATE type::record('vmid_claim', $claim) CONTENT { job: type::record('job', $id) };
             CREATE type::record('job', $id) CONTENT {
                 owner: type::record('user', $owner), node: type::record('node', $node),
                 vmid: $vmid, hostname: $hostname, spec: $spec, root_password: $password,
                 state: $state, phase: $phase, next_seq: 2, template_name: $template_name
             };
             CREATE job_event CONTENT {
                 job: type::record('job', $id), seq: 1, phase: $phase, level: $level,
                 message: $message, percent: 0
             };
             IF $draft != NONE {
                 DELETE type::record('draft', $draft) WHERE owner = type::record('user', $owner)
             };
             COMMIT TRANSACTION;",
        )
        .bind(("claim", format!("{}_{}", node.id, spec.vmid)))
        .bind(("id", id.to_string()))
        .bind(("owner", user.id.to_string()))
        .bind(("node", node.id.to_string()))
        .bind(("vmid", i64::from(spec.vmid.get())))
        .bind(("hostname", spec.hostname.clone()))
        .bind(("spec", spec_json))
        .bind((
            "template_name",
            spec.template.as_ref().map(|t| t.name.clone()),
        ))
        .bind(("password", sealed))
        .bind(("state", JobState::Queued.as_str()))
        .bind(("phase", Phase::Queued.as_str()))
        .bind(("level", Level::Info.as_str()))
        .bind((
            "message",
            format!(
                "Queued: CT {} ({}) on {}",
                spec.vmid, spec.hostname, node.name
            ),
        ))
        .bind(("draft", draft.map(DraftId::to_string)))
        .await?;
    match QueryFailure::of_response(&mut response) {
        None => {}
        Some(QueryFailure::RecordExists { table }) if table == "vmid_claim" => {
            return Err(ServiceError::field(
                "vmid",
                format!(
                    "another job is already creating CT {} on {}",
                    spec.vmid, node.name
                ),
            ));
        }
        Some(other) => return Err(StoreError::Query(other).into()),
    }
    audit::record(backend, Entry::ok(user, AuditAction::JobCreate, target)).await;
    backend.job_wakeup.notify_one();
    Ok(id)
}
