//! The caller's containers' backups: list, back up now, restore (into a new VMID, or over
//! the stopped container after its name is typed), delete (typed; protected ones
//! refused). Another user's container is "not found"; a volume that is not one of this
//! container's backups is refused.

use leptos::prelude::*;
use model::backup::Backups;
use model::ids::{NodeId, Vmid};

use crate::action::{Call, SignedIn, action};
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn back_to_backups(node_id: &NodeId, vmid: Vmid) {
    crate::redirect::to_section(&format!("/containers/{node_id}/{vmid}#backups"));
}

/// The container's backups on every backup storage of its node, newest first, and the
/// storages a backup or a restored root disk can go to.
#[action]
#[server(endpoint = "backups/list")]
pub async fn list_backups(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
) -> Result<Backups, AppError> {
    Ok(backend::backups::list(call.backend(), &call.caller, &node_id, vmid).await?)
}

/// Backs the container up now to `storage`; `mode` `snapshot` (default), `suspend` or
/// `stop`; `protected` (`on`) keeps it from deletion.
#[action]
#[server(endpoint = "backups/create")]
pub async fn create_backup(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    storage: String,
    mode: Option<String>,
    notes: Option<String>,
    protected: Option<String>,
) -> Result<String, AppError> {
    let mode =
        model::backup::BackupMode::parse(mode.as_deref().unwrap_or_default()).ok_or_else(|| {
            AppError::Validation {
                field: "mode".into(),
                message: "snapshot, suspend or stop".into(),
            }
        })?;
    let request = backend::backups::BackupRequest {
        storage: storage.clone(),
        mode,
        notes: notes.unwrap_or_default(),
        protected: protected.is_some(),
    };
    backend::backups::create(call.backend(), &call.caller, &node_id, vmid, request).await?;
    back_to_backups(&node_id, vmid);
    Ok(format!("Backed up to {}.", storage.trim()))
}

/// Restores backup `volid` into the new container `new_vmid` (root disk on `storage`;
/// `start` `on` starts it).
#[action]
#[server(endpoint = "backups/restore-new")]
pub async fn restore_backup_new(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    volid: String,
    new_vmid: String,
    storage: String,
    start: Option<String>,
) -> Result<String, AppError> {
    let new_vmid = model::provision::vmid("new_vmid", &new_vmid)?;
    let target = backend::backups::RestoreTarget {
        new_vmid,
        storage,
        start: start.is_some(),
    };
    backend::backups::restore_new(call.backend(), &call.caller, &node_id, vmid, &volid, target)
        .await?;
    back_to_backups(&node_id, vmid);
    Ok(format!("Restored into CT {new_vmid}."))
}

/// Restores backup `volid` over the (stopped) container; `confirm` is its hostname or
/// VMID.
#[action]
#[server(endpoint = "backups/restore-over")]
pub async fn restore_backup_over(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    volid: String,
    storage: String,
    confirm: String,
) -> Result<String, AppError> {
    backend::backups::restore_over(
        call.backend(),
        &call.caller,
        &node_id,
        vmid,
        &volid,
        &storage,
        &confirm,
    )
    .await?;
    back_to_backups(&node_id, vmid);
    Ok(format!("CT {vmid} restored from its backup."))
}

/// Deletes backup `volid`; `confirm` is its file name. Protected backups are refused.
#[action]
#[server(endpoint = "backups/delete")]
pub async fn delete_backup(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    volid: String,
    confirm: String,
) -> Result<String, AppError> {
    backend::backups::delete(
        call.backend(),
        &call.caller,
        &node_id,
        vmid,
        &volid,
        &confirm,
    )
    .await?;
    back_to_backups(&node_id, vmid);
    Ok("Backup deleted.".to_owned())
}
