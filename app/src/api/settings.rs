//! Server settings an administrator changes: the address ranges nodes may be added in.

use leptos::prelude::*;
use model::node::NodeRangesView;

use crate::action::{Admin, Call, action};
use crate::error::AppError;

/// The address ranges nodes may be added in.
#[action]
#[server(endpoint = "settings/node-ranges")]
pub async fn node_ranges(call: Call<Admin>) -> Result<NodeRangesView, AppError> {
    Ok(backend::nodes::ranges::view(call.backend(), &call.caller).await?)
}

/// Replaces the address ranges nodes may be added in (empty: anywhere).
#[action]
#[server(endpoint = "settings/set-node-ranges")]
pub async fn set_node_ranges(
    call: Call<Admin>,
    ranges: String,
) -> Result<NodeRangesView, AppError> {
    let view = backend::nodes::ranges::set(call.backend(), &call.caller, &ranges).await?;
    crate::redirect::to("/settings?saved=ranges");
    Ok(view)
}
