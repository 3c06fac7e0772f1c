//! The creation wizard's drafts: what the user typed so far, saved at every step so a
//! reload, back/forward, a bookmark or a second tab all show the same values. A draft
//! belongs to one user and expires a day after its last change; creating the container
//! turns it into a job ([`crate::jobs::create_from_draft`]).

use model::ids::{DraftId, NodeId, TemplateId};
use model::provision::{ContainerForm, Go, NodeOfferings, Step};
use surrealdb::types::SurrealValue;

use crate::Backend;
use crate::accounts::User;
use crate::error::{ServiceError, ServiceResult};
use crate::ids::new_id;
use crate::{nodes, offerings, templates};
use crate::store::StoreError;

/// How long an untouched draft is kept.
pub(crate) const LIFETIME: &str = "1d";

/// Drafts one user keeps at most; starting another drops their least recently touched.
pub const MAX_PER_USER: usize = 50;

fn encode(form: &ContainerForm) -> ServiceResult<String> {
    serde_json::to_string(form)
        .map_err(|e| ServiceError::Internal(format!("cannot store the draft: {e}")))
}

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

/// Starts a draft for `user` with `form`. A user keeps at most [`MAX_PER_USER`] drafts:
/// the least recently touched one beyond goes (wizards left open in forgotten tabs).
pub async fn create(
    backend: &Backend,
    user: &User,
    form: &ContainerForm,
) -> ServiceResult<DraftId> {
    purge_expired(backend).await;
    let id: DraftId = new_id();
    backend
        .store
        .db()
        .query(
            "BEGIN TRANSACTION;
             LET $owner = type::record('user', $owner_id);
             LET $stale = (SELECT id, updated_at FROM draft WHERE owner = $owner
                 ORDER BY updated_at DESC START $keep);
             DELETE $stale.id;
             CREATE type::record('draft', $id) CONTENT {
                 owner: $owner, form: $form,
                 expires_at: time::now() + <duration> $lifetime
             };
             COMMIT TRANSACTION;",
        )
        .bind(("id", id.to_string()))
        .bind(("owner_id", user.id.to_string()))
        .bind(("keep", i64::try_from(MAX_PER_USER - 1).unwrap_or(0)))
        .bind(("form", encode(form)?))
        .bind(("lifetime", LIFETIME))
        .await?
        .check()?;
    Ok(id)
}

/// The user's draft `id` (expired drafts are gone).
pub async fn get(backend: &Backend, user: &User, id: &DraftId) -> ServiceResult<ContainerForm> {
    #[derive(SurrealValue)]
    struct Stored {
        form: String,
    }
    let stored: Option<Stored> = backend
        .store
        .db()
        .query(
            "SELECT form FROM ONLY type::record('draft', $id)
              WHERE owner = type::record('user', $owner) AND expires_at > time::now()",
        )
        .bind(("id", id.to_string()))
        .bind(("owner", user.id.to_string()))
        .await?
        .check()?
        .take(0)?;
    let stored = stored.ok_or(ServiceError::NotFound)?;
    serde_json::from_str(&stored.form)
        .map_err(|e| StoreError::Corrupt(format!("draft {id} is unreadable: {e}")).into())
}

/// Replaces the user's draft `id` with `form` and extends its life.
pub async fn save(
    backend: &Backend,
    user: &User,
    id: &DraftId,
    form: &ContainerForm,
) -> ServiceResult<()> {
    let saved: Vec<String> = backend
        .store
        .db()
        .query(
            "UPDATE type::record('draft', $id)
                SET form = $form, updated_at = time::now(),
                    expires_at = time::now() + <duration> $lifetime
              WHERE owner = type::record('user', $owner) AND expires_at > time::now()
             RETURN VALUE record::id(id)",
        )
        .bind(("id", id.to_string()))
        .bind(("owner", user.id.to_string()))
        .bind(("form", encode(form)?))
        .bind(("lifetime", LIFETIME))
        .await?
        .check()?
        .take(0)?;
    if saved.is_empty() {
        Err(ServiceError::NotFound)
    } else {
        Ok(())
    }
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

/// Deletes every expired draft; failures are logged (the next call tries again).
async fn purge_expired(backend: &Backend) {
    let result = backend
        .store
        .db()
        .query("DELETE draft WHERE expires_at <= time::now()")
        .await
        .and_then(|r| r.check());
    if let Err(error) = result {
        tracing::warn!(%error, "cannot delete expired drafts");
    }
}
