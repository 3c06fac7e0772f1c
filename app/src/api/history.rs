//! Resource history of the caller's containers and nodes, as charts.

use leptos::prelude::*;
use model::history::History;
use model::ids::{NodeId, Vmid};

use crate::action::{Call, SignedIn, action};
use crate::error::AppError;

/// The timeframe and consolidation as asked, or the field that is wrong.
#[cfg(feature = "ssr")]
fn frame(
    timeframe: &str,
    cf: &str,
) -> Result<(model::history::Timeframe, model::history::Consolidation), AppError> {
    let timeframe = model::history::Timeframe::parse(timeframe).ok_or(AppError::Validation {
        field: "timeframe".into(),
        message: "hour, day, week, month or year".into(),
    })?;
    let cf = model::history::Consolidation::parse(cf).ok_or(AppError::Validation {
        field: "cf".into(),
        message: "average or max".into(),
    })?;
    Ok((timeframe, cf))
}

/// The container's CPU, memory, network and disk I/O over `timeframe` (`hour` … `year`),
/// averages or peaks (`cf` `max`).
#[action]
#[server(endpoint = "history/container")]
pub async fn container_history(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    timeframe: String,
    cf: String,
) -> Result<History, AppError> {
    let (timeframe, cf) = frame(&timeframe, &cf)?;
    Ok(
        backend::history::container(call.backend(), &call.caller, &node_id, vmid, timeframe, cf)
            .await?,
    )
}

/// The node's CPU, load, memory and network over `timeframe`.
#[action]
#[server(endpoint = "history/node")]
pub async fn node_history(
    call: Call<SignedIn>,
    node_id: NodeId,
    timeframe: String,
    cf: String,
) -> Result<History, AppError> {
    let (timeframe, cf) = frame(&timeframe, &cf)?;
    Ok(backend::history::node(call.backend(), &call.caller, &node_id, timeframe, cf).await?)
}
