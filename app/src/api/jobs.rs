//! The creation wizard (drafts saved at every step) and provisioning jobs.

use leptos::prelude::*;
use model::job::{JobEvent, JobView};
use model::provision::{ContainerForm, NodeChoices};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A job and its log so far: the progress page's first render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobPage {
    pub job: JobView,
    pub events: Vec<JobEvent>,
}

/// Starts a wizard ("from scratch"): a new draft with the defaults and the user's
/// default node, then its Configure step.
#[server(endpoint = "wizard/start")]
pub async fn start_wizard() -> Result<String, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let mut form = ContainerForm::with_defaults();
    let nodes = backend::nodes::list(&state.backend, &user).await?;
    if let Some(node) = nodes.iter().find(|n| n.is_default).or(nodes.first()) {
        form.node_id = node.id.clone();
    }
    let id = backend::drafts::create(&state.backend, &user, &form).await?;
    leptos_axum::redirect(&format!("/containers/new/{id}/configure"));
    Ok(id)
}

/// The caller's draft `draft`.
#[server(endpoint = "wizard/get")]
pub async fn get_draft(draft: String) -> Result<ContainerForm, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    Ok(backend::drafts::get(&state.backend, &user, &draft).await?)
}

/// Saves the fields of wizard step `step` into draft `draft`, then goes to the next step
/// (`go` = `next`, after checking the step), the previous one (`back`, unchecked) or
/// stays (`stay`: e.g. to load another node's choices or add a script slot).
#[server(endpoint = "wizard/save")]
pub async fn save_wizard_step(
    draft: String,
    step: String,
    go: String,
    form: ContainerForm,
) -> Result<String, AppError> {
    use model::provision::Step;

    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let step = Step::parse(&step).ok_or_else(|| {
        AppError::Validation {
            field: "step".into(),
            message: "no such wizard step".into(),
        }
        .with_status()
    })?;
    let mut stored = backend::drafts::get(&state.backend, &user, &draft).await?;
    stored.take_step(step, &form);
    backend::drafts::save(&state.backend, &user, &draft, &stored).await?;
    let target = match go.as_str() {
        "next" => {
            stored
                .check_step(step)
                .map_err(|e| AppError::from(backend::ServiceError::Validation(e)).with_status())?;
            step.next().unwrap_or(step)
        }
        "back" => step
            .previous()
            .filter(|s| *s != Step::Template)
            .unwrap_or(step),
        _ => step,
    };
    let url = format!("/containers/new/{draft}/{}", target.word());
    leptos_axum::redirect(&url);
    Ok(url)
}

/// The OS templates, root-disk storages and bridges of the caller's node `node_id`.
#[server(endpoint = "wizard/choices")]
pub async fn fetch_node_choices(node_id: String) -> Result<NodeChoices, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    Ok(backend::choices::for_node(&state.backend, &user, &node_id).await?)
}

/// Whether `vmid` is free on the caller's node `node_id`: `true` free, `false` taken; a
/// malformed VMID is a field error.
#[server(endpoint = "wizard/check-vmid")]
pub async fn check_vmid(node_id: String, vmid: String) -> Result<bool, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let vmid = model::provision::vmid("vmid", &vmid)
        .map_err(|e| AppError::from(backend::ServiceError::Validation(e)).with_status())?;
    Ok(backend::inventory::is_vmid_free(&state.backend, &user, &node_id, vmid).await?)
}

/// Checks the whole draft, queues its job and opens the progress page.
#[server(endpoint = "wizard/create")]
pub async fn create_from_draft(
    draft: String,
    keep_on_failure: Option<String>,
) -> Result<String, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let mut form = backend::drafts::get(&state.backend, &user, &draft).await?;
    form.keep_on_failure = keep_on_failure.unwrap_or_default();
    backend::drafts::save(&state.backend, &user, &draft, &form).await?;
    let job = backend::jobs::submit(&state.backend, &user, &form).await?;
    backend::drafts::delete(&state.backend, &user, &draft).await?;
    leptos_axum::redirect(&format!("/jobs/{job}"));
    Ok(job)
}

/// The caller's job `id` and its log so far.
#[server(endpoint = "jobs/get")]
pub async fn get_job(id: String) -> Result<JobPage, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let job = backend::jobs::get(&state.backend, &user, &id).await?;
    let events = backend::jobs::events_after(&state.backend, &user, &id, 0).await?;
    Ok(JobPage { job, events })
}

/// Cancels the caller's job `id` (a running one stops at its next safe point).
#[server(endpoint = "jobs/cancel")]
pub async fn cancel_job(id: String) -> Result<JobView, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    Ok(backend::jobs::cancel(&state.backend, &user, &id).await?)
}

/// The new container's root password, once: it is erased from Corral as it is read.
#[server(endpoint = "jobs/reveal-password")]
pub async fn reveal_root_password(id: String) -> Result<Option<String>, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let password = backend::jobs::reveal_root_password(&state.backend, &user, &id).await?;
    Ok(password.map(|p| p.as_str().to_owned()))
}
