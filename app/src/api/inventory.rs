//! The dashboard's data: the signed-in user's containers on all their nodes.

use leptos::prelude::*;
use model::inventory::Dashboard;

use crate::action::{Call, SignedIn, action};
use crate::error::AppError;

/// Every container of the caller's nodes matching `search` (`status:`, `node:`, `tag:`,
/// words), sorted by `sort` (`name`, `-cpu`, …), with each node's outcome.
#[action]
#[server(endpoint = "inventory/dashboard")]
pub async fn fetch_dashboard(
    call: Call<SignedIn>,
    search: String,
    sort: String,
) -> Result<Dashboard, AppError> {
    Ok(backend::dashboard::query(call.backend(), &call.caller, &search, &sort).await?)
}
