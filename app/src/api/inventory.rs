//! The dashboard's data: the signed-in user's containers on all their nodes.

use leptos::prelude::*;
use model::inventory::Dashboard;

use crate::action::{Call, SignedIn, action};
use crate::error::AppError;

/// Page `page` (from 1) of the caller's containers matching `search` (`status:`, `node:`,
/// `tag:`, words), sorted by `sort` (`name`, `-cpu`, …), with each node's outcome and the
/// counts over the whole fleet.
#[action]
#[server(endpoint = "inventory/dashboard")]
pub async fn fetch_dashboard(
    call: Call<SignedIn>,
    search: String,
    sort: String,
    page: usize,
) -> Result<Dashboard, AppError> {
    Ok(backend::dashboard::query(call.backend(), &call.caller, &search, &sort, page).await?)
}
