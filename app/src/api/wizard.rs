//! The creation wizard: drafts saved at every step, the node's offerings, the live VMID
//! check, and the job it creates.

use leptos::prelude::*;
use model::ids::{DraftId, NodeId};
use model::provision::{ContainerForm, Go, NodeOfferings, Step};

use crate::action::{Call, SignedIn, action};
use crate::error::AppError;

/// Starts a wizard: a new draft with the defaults, the user's default node and its next
/// free VMID, filled from the caller's template `template` when one is chosen (blank:
/// from scratch); then its Configure step.
#[action]
#[server(endpoint = "wizard/start")]
pub async fn start_wizard(
    call: Call<SignedIn>,
    template: Option<String>,
) -> Result<DraftId, AppError> {
    let template = chosen_template(template)?;
    let draft = backend::drafts::start(call.backend(), &call.caller, template.as_ref()).await?;
    crate::redirect::to(&format!("/containers/new/{draft}/configure"));
    Ok(draft)
}

/// A posted template choice: blank or `scratch` for none, else a template id.
#[cfg(feature = "ssr")]
fn chosen_template(template: Option<String>) -> Result<Option<model::ids::TemplateId>, AppError> {
    let template = template.filter(|t| t.trim() != "scratch");
    crate::api::templates::optional_id("template", template)
}

/// Switches draft `draft` to template `template` (`scratch`: none). When the draft holds
/// edits the switch would overwrite, it asks first: without `confirm` the answer leads
/// to the question, with it the switch is made and Configure shows the result.
#[action]
#[server(endpoint = "wizard/choose")]
pub async fn choose_template(
    call: Call<SignedIn>,
    draft: DraftId,
    template: Option<String>,
    confirm: Option<String>,
) -> Result<String, AppError> {
    let wanted = chosen_template(template)?;
    let done = backend::drafts::choose_template(
        call.backend(),
        &call.caller,
        &draft,
        wanted.as_ref(),
        confirm.is_some(),
    )
    .await?;
    let url = if done {
        format!("/containers/new/{draft}/configure")
    } else {
        let word = wanted.map_or_else(|| "scratch".to_owned(), |id| id.to_string());
        format!("/containers/new/{draft}/template?replace={word}")
    };
    crate::redirect::to(&url);
    Ok(url)
}

/// The caller's draft `draft`.
#[action]
#[server(endpoint = "wizard/get")]
pub async fn get_draft(call: Call<SignedIn>, draft: DraftId) -> Result<ContainerForm, AppError> {
    Ok(backend::drafts::get(call.backend(), &call.caller, &draft).await?)
}

/// Saves the fields of wizard step `step` (`configure`, …) into draft `draft`, then goes
/// to the next step (`go` = `next`, after checking the step), the previous one (`back`,
/// unchecked) or stays (`stay`: e.g. to load another node's offerings or add a script
/// slot).
#[action]
#[server(endpoint = "wizard/save")]
pub async fn save_wizard_step(
    call: Call<SignedIn>,
    draft: DraftId,
    step: Step,
    go: Go,
    form: ContainerForm,
) -> Result<String, AppError> {
    let target =
        backend::drafts::save_step(call.backend(), &call.caller, &draft, step, go, &form).await?;
    let url = format!("/containers/new/{draft}/{}", target.word());
    crate::redirect::to(&url);
    Ok(url)
}

/// What the caller's node `node_id` offers: OS templates, root-disk storages, bridges.
#[action]
#[server(endpoint = "wizard/choices")]
pub async fn fetch_node_offerings(
    call: Call<SignedIn>,
    node_id: NodeId,
) -> Result<NodeOfferings, AppError> {
    Ok(backend::offerings::of_node(call.backend(), &call.caller, &node_id).await?)
}

/// Whether `vmid` (as typed) is free on the caller's node `node_id`: `true` free,
/// `false` taken; a malformed VMID is a field error.
#[action]
#[server(endpoint = "wizard/check-vmid")]
pub async fn check_vmid(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: String,
) -> Result<bool, AppError> {
    Ok(backend::inventory::check_typed_vmid(call.backend(), &call.caller, &node_id, &vmid).await?)
}

/// Checks the whole draft, queues its job and opens the progress page.
#[action]
#[server(endpoint = "wizard/create")]
pub async fn create_from_draft(
    call: Call<SignedIn>,
    draft: DraftId,
    keep_on_failure: Option<String>,
) -> Result<model::ids::JobId, AppError> {
    let keep = keep_on_failure.is_some();
    let job = backend::jobs::create_from_draft(call.backend(), &call.caller, &draft, keep).await?;
    crate::redirect::to(&format!("/jobs/{job}"));
    Ok(job)
}
