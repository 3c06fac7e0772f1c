//! The caller's containers' snapshots: the tree, take, roll back (confirmed), delete
//! (typed). Another user's container is "not found".

use leptos::prelude::*;
use model::ids::{NodeId, Vmid};
use model::snapshot::Snapshots;

use crate::action::{Call, SignedIn, action};
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn back_to_snapshots(node_id: &NodeId, vmid: Vmid) {
    crate::redirect::to_section(&format!("/containers/{node_id}/{vmid}#snapshots"));
}

/// The container's snapshots as a tree, and which one its present state grew from.
#[action]
#[server(endpoint = "snapshots/list")]
pub async fn list_snapshots(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
) -> Result<Snapshots, AppError> {
    Ok(backend::snapshots::list(call.backend(), &call.caller, &node_id, vmid).await?)
}

/// Takes snapshot `snapname` (a letter, then letters, digits, `_`, `-`; at most 40).
#[action]
#[server(endpoint = "snapshots/take")]
pub async fn take_snapshot(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    snapname: String,
    description: Option<String>,
) -> Result<String, AppError> {
    let description = description.unwrap_or_default();
    backend::snapshots::take(
        call.backend(),
        &call.caller,
        &node_id,
        vmid,
        &snapname,
        &description,
    )
    .await?;
    back_to_snapshots(&node_id, vmid);
    Ok(format!("Snapshot {} taken.", snapname.trim()))
}

/// Rolls back to `snapname`; `confirm` (`on`) says the user knows what is lost, `start`
/// (`on`) boots the container afterwards.
#[action]
#[server(endpoint = "snapshots/rollback")]
pub async fn rollback_snapshot(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    snapname: String,
    start: Option<String>,
    confirm: Option<String>,
) -> Result<String, AppError> {
    backend::snapshots::rollback(
        call.backend(),
        &call.caller,
        &node_id,
        vmid,
        &snapname,
        start.is_some(),
        confirm.is_some(),
    )
    .await?;
    back_to_snapshots(&node_id, vmid);
    Ok(format!("Rolled back to {}.", snapname.trim()))
}

/// Deletes `snapname`; `confirm` must be its name typed again.
#[action]
#[server(endpoint = "snapshots/delete")]
pub async fn delete_snapshot(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    snapname: String,
    confirm: String,
) -> Result<String, AppError> {
    backend::snapshots::delete(
        call.backend(),
        &call.caller,
        &node_id,
        vmid,
        &snapname,
        &confirm,
    )
    .await?;
    back_to_snapshots(&node_id, vmid);
    Ok(format!("Snapshot {} deleted.", snapname.trim()))
}
