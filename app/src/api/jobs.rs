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
