//! Provisioning jobs: their progress page, cancelling, and the root password shown once.

use leptos::prelude::*;
use model::ids::JobId;
use model::job::{JobPage, JobView};

use crate::action::{Call, SignedIn, action};
use crate::error::AppError;

/// The caller's job `id` and one page of its log: the newest lines, or those before line
/// `before`.
#[action]
#[server(endpoint = "jobs/get")]
pub async fn get_job(
    call: Call<SignedIn>,
    id: JobId,
    before: Option<u64>,
) -> Result<JobPage, AppError> {
    Ok(backend::jobs::page(call.backend(), &call.caller, &id, before).await?)
}

/// Cancels the caller's job `id` (a running one stops at its next safe point).
#[action]
#[server(endpoint = "jobs/cancel")]
pub async fn cancel_job(call: Call<SignedIn>, id: JobId) -> Result<JobView, AppError> {
    Ok(backend::jobs::cancel(call.backend(), &call.caller, &id).await?)
}

/// The new container's root password, once: it is erased from Corral as it is read.
#[action]
#[server(endpoint = "jobs/reveal-password")]
pub async fn reveal_root_password(
    call: Call<SignedIn>,
    id: JobId,
) -> Result<Option<String>, AppError> {
    let password = backend::jobs::reveal_root_password(call.backend(), &call.caller, &id).await?;
    Ok(password.map(|p| p.as_str().to_owned()))
}

/// The job history, newest first: the caller's jobs (an administrator's: everyone's),
/// filtered by `state`, `node` (id), `template` (part of its name), `from`/`to`
/// (`YYYY-MM-DD`), a page of 50 at a time.
#[action]
#[server(endpoint = "jobs/history")]
pub async fn job_history(
    call: Call<SignedIn>,
    state: Option<String>,
    node: Option<String>,
    template: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
) -> Result<model::job::JobHistory, AppError> {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let filter = model::job::JobFilter::parse(
        &text(&state),
        &text(&node),
        &text(&template),
        &text(&from),
        &text(&to),
        &text(&page),
    )
    .map_err(|(field, message)| AppError::Validation {
        field: field.to_owned(),
        message,
    })?;
    Ok(backend::jobs::history(call.backend(), &call.caller, &filter).await?)
}
