//! The creation wizard's drafts: what the user typed so far, saved at every step so a
//! reload, back/forward, a bookmark or a second tab all show the same values. A draft
//! belongs to one user and expires a day after its last change; creating the container
//! turns it into a job ([`crate::jobs::create_from_draft`]).

use model::ids::{DraftId, NodeId, TemplateId};
use model::provision::{ContainerForm, Go, NodeOfferings, Step};

use crate::Backend;
use crate::accounts::User;
use crate::error::ServiceResult;
use crate::{nodes, offerings, templates};

pub mod store;

pub use store::MAX_PER_USER;

/// Starts a wizard: a draft with the defaults, the user's default node and its next free
/// VMID, filled from the user's template `template` when one is given.
pub async fn start(
    backend: &Backend,
    user: &User,
    template: Option<&TemplateId>,
) -> ServiceResult<DraftId> {
    let mut form = ContainerForm::with_defaults();
    if let Some(node) = nodes::default_node(backend, user).await? {
        form.node_id = node.id.to_string();
        // A node that does not answer leaves the field for the user (checked live).
        if let Ok(vmid) = offerings::next_free_vmid(backend, user, &node.id).await {
            form.vmid = vmid.to_string();
        }
    }
    if let Some(template) = template {
        apply_template(backend, user, &mut form, template).await?;
    }
    create(backend, user, &form).await
}

/// Fills `form` from the user's template `id` with what the form's node offers (a node
/// that does not answer leaves the OS template, storage and bridge as they are).
async fn apply_template(
    backend: &Backend,
    user: &User,
    form: &mut ContainerForm,
    id: &TemplateId,
) -> ServiceResult<()> {
    let view = templates::get(backend, user, id).await?;
    let offered = match NodeId::parse(&form.node_id) {
        Some(node) => offerings::of_node(backend, user, &node)
            .await
            .unwrap_or_default(),
        None => NodeOfferings::default(),
    };
    form.apply_template(&view, &offered);
    Ok(())
}

/// Whether the draft holds choices a new template would overwrite.
fn has_edits(form: &ContainerForm) -> bool {
    form.template.is_some()
        || !form.hostname.trim().is_empty()
        || !form.packages.trim().is_empty()
        || form.scripts.iter().any(|s| !s.content.trim().is_empty())
}

/// Switches the user's draft `id` to template `template` (`None`: from scratch). When the
/// draft holds edits the switch would overwrite, nothing changes unless `confirmed`: the
/// answer is `false` (ask first), otherwise `true`.
pub async fn choose_template(
    backend: &Backend,
    user: &User,
    id: &DraftId,
    template: Option<&TemplateId>,
    confirmed: bool,
) -> ServiceResult<bool> {
    let mut form = get(backend, user, id).await?;
    let same = form.template.as_ref().map(|t| &t.id) == template;
    if same {
        return Ok(true);
    }
    if has_edits(&form) && !confirmed {
        return Ok(false);
    }
    match template {
        Some(template) => apply_template(backend, user, &mut form, template).await?,
        None => form.clear_template(),
    }
    save(backend, user, id, &form).await?;
    Ok(true)
}

/// Starts a draft for `user` with `form` (see [`store::create`] for the per-user bound).
pub async fn create(
    backend: &Backend,
    user: &User,
    form: &ContainerForm,
) -> ServiceResult<DraftId> {
    store::create(backend, user, form).await
}

/// The user's draft `id` (expired drafts are gone).
pub async fn get(backend: &Backend, user: &User, id: &DraftId) -> ServiceResult<ContainerForm> {
    store::get(backend, user, id).await
}

/// Replaces the user's draft `id` with `form` and extends its life.
pub async fn save(
    backend: &Backend,
    user: &User,
    id: &DraftId,
    form: &ContainerForm,
) -> ServiceResult<()> {
    store::save(backend, user, id, form).await
}

/// Saves the fields that `step`'s form posted into the user's draft `id`, then says which
/// step to show: the next one (after checking this step: its first error is returned,
/// the fields stay saved), the previous one, or the same.
pub async fn save_step(
    backend: &Backend,
    user: &User,
    id: &DraftId,
    step: Step,
    go: Go,
    posted: &ContainerForm,
) -> ServiceResult<Step> {
    let mut form = get(backend, user, id).await?;
    form.take_step(step, posted);
    save(backend, user, id, &form).await?;
    Ok(match go {
        Go::Next => {
            form.check_step(step)?;
            step.next().unwrap_or(step)
        }
        Go::Back => step
            .previous()
            .filter(|previous| *previous != Step::Template)
            .unwrap_or(step),
        Go::Stay => step,
    })
}
