//! A container's snapshots: the tree Proxmox keeps, and taking one, rolling back to one
//! and deleting one — each through [`lifecycle::operate`] (the container's lock, the
//! Proxmox task followed to its end, an audit entry). Names are checked as Proxmox checks
//! them before anything is asked; a storage that cannot snapshot answers in Proxmox's
//! words ("snapshot feature is not available").

use std::time::Duration;

use model::audit::AuditAction;
use model::ids::{NodeId, Vmid};
use model::snapshot::{Snapshots, check_name, tree_order};
use pve::PveError;

use crate::Backend;
use crate::accounts::User;
use crate::error::{ServiceError, ServiceResult};
use crate::lifecycle::{self, Call, Done, Stop};
use crate::nodes;

/// The user's container's snapshots as a tree.
pub async fn list(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
) -> ServiceResult<Snapshots> {
    let (view, access) = nodes::access(backend, user, node_id).await?;
    let client = access.client(Duration::from_secs(30))?;
    let entries = client
        .lxc_snapshots(&view.pve_node, vmid.get())
        .await
        .map_err(|e| match e {
            PveError::NotFound { .. } => ServiceError::NotFound,
            other => access.upstream(&other),
        })?;
    let mut current_parent = None;
    let mut running = false;
    let mut taken = Vec::new();
    for entry in entries {
        if entry.is_current() {
            current_parent = entry.parent;
            running = entry.running;
        } else {
            taken.push((entry.name, entry.parent, entry.snaptime, entry.description));
        }
    }
    Ok(Snapshots {
        list: tree_order(taken),
        current_parent,
        running,
    })
}

/// A snapshot name checked before Proxmox sees it (field `snapname`).
fn checked(name: &str) -> ServiceResult<String> {
    let name = name.trim();
    check_name(name).map_err(|message| ServiceError::field("snapname", message))?;
    Ok(name.to_owned())
}

/// Takes snapshot `name` (with `description`) of the user's container.
pub async fn take(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    name: &str,
    description: &str,
) -> ServiceResult<Done> {
    let name = checked(name)?;
    let description = description.trim().to_owned();
    if description.len() > 8 * 1024 {
        return Err(ServiceError::field(
            "description",
            "at most 8 KiB of description",
        ));
    }
    let about = format!("snapshot {name}");
    lifecycle::operate(
        backend,
        user,
        node_id,
        vmid,
        AuditAction::SnapshotCreate,
        Some(about),
        move |call: Call| async move {
            let description = (!description.is_empty()).then_some(description.as_str());
            let upid = call
                .client
                .lxc_snapshot_create(&call.pve_node, vmid.get(), &name, description)
                .await?;
            Ok(Some(upid))
        },
    )
    .await
}

/// Rolls the user's container back to snapshot `name`: what changed since is lost (a
/// running container is stopped first, by Proxmox); `start` boots it afterwards.
/// `confirmed`: the user ticked that they understand what is lost.
pub async fn rollback(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    name: &str,
    start: bool,
    confirmed: bool,
) -> ServiceResult<Done> {
    let name = checked(name)?;
    if !confirmed {
        return Err(ServiceError::field(
            "confirm",
            "tick the box: everything written since the snapshot is lost",
        ));
    }
    let about = format!("snapshot {name}");
    lifecycle::operate(
        backend,
        user,
        node_id,
        vmid,
        AuditAction::SnapshotRollback,
        Some(about),
        move |call: Call| async move {
            let upid = call
                .client
                .lxc_snapshot_rollback(&call.pve_node, vmid.get(), &name, start)
                .await?;
            Ok(Some(upid))
        },
    )
    .await
}

/// Deletes snapshot `name` of the user's container; `confirm` must be the name typed again.
pub async fn delete(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    name: &str,
    confirm: &str,
) -> ServiceResult<Done> {
    let name = checked(name)?;
    let about = format!("snapshot {name}");
    let confirm = confirm.trim().to_owned();
    lifecycle::operate(
        backend,
        user,
        node_id,
        vmid,
        AuditAction::SnapshotDelete,
        Some(about),
        move |call: Call| async move {
            if confirm != name {
                return Err(Stop::Refused(ServiceError::field(
                    "confirm",
                    format!("type the snapshot's name ({name}) to delete it"),
                )));
            }
            let upid = call
                .client
                .lxc_snapshot_delete(&call.pve_node, vmid.get(), &name, false)
                .await?;
            Ok(Some(upid))
        },
    )
    .await
}
