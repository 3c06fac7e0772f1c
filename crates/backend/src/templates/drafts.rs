//! The template form while it is edited: kept in a draft (`template_draft`) so that its
//! plain buttons (add, remove or move a script or a file) and a refused save never lose
//! what was typed, with or without JavaScript.

use model::ids::{TemplateDraftId, TemplateId};
use model::template::{TemplateDraft, TemplateForm};

use crate::Backend;
use crate::accounts::User;
use crate::drafts::store;
use crate::error::ServiceResult;

/// Keeps `form` in the user's draft `draft`, or in a new draft for `template` (none: a
/// new template; another user's template is "not found"); the draft's id.
pub async fn keep(
    backend: &Backend,
    user: &User,
    draft: Option<&TemplateDraftId>,
    template: Option<&TemplateId>,
    form: &TemplateForm,
) -> ServiceResult<TemplateDraftId> {
    if let Some(id) = draft {
        let mut stored: TemplateDraft = store::get(backend, user, id).await?;
        stored.form = form.clone();
        store::save(backend, user, id, &stored).await?;
        return Ok(id.clone());
    }
    if let Some(template) = template {
        super::get(backend, user, template).await?;
    }
    let draft = TemplateDraft {
        template: template.cloned(),
        form: form.clone(),
    };
    store::create(backend, user, &draft).await
}

/// The user's draft `id`.
pub async fn get(
    backend: &Backend,
    user: &User,
    id: &TemplateDraftId,
) -> ServiceResult<TemplateDraft> {
    store::get(backend, user, id).await
}

/// Saves the user's draft `id` as its template (created, or the one it edits, updated;
/// checked again here); the draft is then gone. The template's id.
pub async fn submit(
    backend: &Backend,
    user: &User,
    id: &TemplateDraftId,
) -> ServiceResult<TemplateId> {
    let draft: TemplateDraft = store::get(backend, user, id).await?;
    let template = match &draft.template {
        Some(template) => {
            super::update(backend, user, template, &draft.form).await?;
            template.clone()
        }
        None => super::create(backend, user, &draft.form).await?,
    };
    store::delete(backend, user, id).await?;
    Ok(template)
}
