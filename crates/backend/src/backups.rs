//! A container's backups: listed from every storage of its node that holds backups, made
//! now (`vzdump`), restored into a new VMID or over the (stopped) container, and deleted
//! unless protected. Every volume a request names must be one of this container's
//! backups as its node lists them, so no other volume can be touched through here. Each
//! change goes through [`lifecycle`] (lock, the Proxmox task to its end, audit).

use std::time::Duration;

use model::audit::AuditAction;
use model::backup::{BackupMode, BackupView, Backups};
use model::ids::{NodeId, Vmid};
use pve::PveError;

use crate::Backend;
use crate::accounts::User;
use crate::audit::Target;
use crate::error::{ServiceError, ServiceResult};
use crate::lifecycle::{self, Call, Done, Stop};
use crate::nodes::{self, NodeAccess};

/// The backup and container storages of the node, and the container's backups on them,
/// newest first.
pub async fn list(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
) -> ServiceResult<Backups> {
    let (view, access) = nodes::access(backend, user, node_id).await?;
    read(&access, &view.pve_node, vmid).await
}

async fn read(access: &NodeAccess, pve_node: &str, vmid: Vmid) -> ServiceResult<Backups> {
    let client = access.client(Duration::from_secs(15))?;
    let upstream = |e: PveError| access.upstream(&e);
    let (backup, rootdir) = tokio::try_join!(
        client.storages(pve_node, Some("backup")),
        client.storages(pve_node, Some("rootdir")),
    )
    .map_err(upstream)?;
    let mut list = Vec::new();
    for storage in &backup {
        for item in client
            .backups(pve_node, &storage.storage, Some(vmid.get()))
            .await
            .map_err(upstream)?
        {
            if item.vmid.is_some_and(|v| v != u64::from(vmid.get())) {
                continue;
            }
            list.push(BackupView {
                volid: item.volid,
                storage: storage.storage.clone(),
                created_at: item.ctime.map(model::time::rfc3339),
                size: item.size,
                format: item.format,
                notes: item.notes.unwrap_or_default().trim_end().to_owned(),
                protected: item.protected,
            });
        }
    }
    list.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    Ok(Backups {
        list,
        storages: backup.into_iter().map(|s| s.storage).collect(),
        rootfs_storages: rootdir.into_iter().map(|s| s.storage).collect(),
    })
}

/// The container's backup `volid`, or "not found" (so nothing else can be named).
async fn find(
    access: &NodeAccess,
    pve_node: &str,
    vmid: Vmid,
    volid: &str,
) -> ServiceResult<BackupView> {
    read(access, pve_node, vmid)
        .await?
        .list
        .into_iter()
        .find(|b| b.volid == volid)
        .ok_or_else(|| ServiceError::field("volid", "no such backup of this container"))
}

/// A backup to make: where, how, with which notes, protected or not.
#[derive(Debug, Clone)]
pub struct BackupRequest {
    pub storage: String,
    pub mode: BackupMode,
    pub notes: String,
    pub protected: bool,
}

/// Where a restore goes when it makes a new container.
#[derive(Debug, Clone)]
pub struct RestoreTarget {
    pub new_vmid: Vmid,
    /// The storage of its root disk.
    pub storage: String,
    /// Start it once restored.
    pub start: bool,
}

/// Backs the user's container up now, as `request` says.
pub async fn create(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    request: BackupRequest,
) -> ServiceResult<Done> {
    let BackupRequest {
        storage,
        mode,
        notes,
        protected,
    } = request;
    let storage = storage.trim().to_owned();
    let notes = notes.trim().to_owned();
    if notes.len() > 1024 {
        return Err(ServiceError::field("notes", "at most 1 KiB of notes"));
    }
    let about = format!("to {storage}");
    let done = lifecycle::operate(
        backend,
        user,
        node_id,
        vmid,
        AuditAction::BackupCreate,
        Some(about),
        move |call: Call| async move {
            let storages = call.client.storages(&call.pve_node, Some("backup")).await?;
            if !storages.iter().any(|s| s.storage == storage) {
                return Err(Stop::Refused(ServiceError::field(
                    "storage",
                    "not a storage of this node that holds backups",
                )));
            }
            let mode = match mode {
                BackupMode::Snapshot => pve::BackupMode::Snapshot,
                BackupMode::Suspend => pve::BackupMode::Suspend,
                BackupMode::Stop => pve::BackupMode::Stop,
            };
            let notes = (!notes.is_empty()).then_some(notes.as_str());
            let upid = call
                .client
                .vzdump(&call.pve_node, vmid.get(), &storage, mode, notes, protected)
                .await?;
            Ok(Some(upid))
        },
    )
    .await;
    // The dashboard's next page shows the new backup's age.
    backend.backup_ages.forget(node_id);
    done
}

/// Restores backup `volid` of the user's container `vmid` into a new container (its VMID
/// must be free).
pub async fn restore_new(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    volid: &str,
    target: RestoreTarget,
) -> ServiceResult<Done> {
    let RestoreTarget {
        new_vmid,
        storage,
        start,
    } = target;
    let (view, access) = nodes::access(backend, user, node_id).await?;
    let backup = find(&access, &view.pve_node, vmid, volid).await?;
    if !crate::inventory::is_vmid_free(backend, user, node_id, new_vmid).await? {
        return Err(ServiceError::field(
            "new_vmid",
            format!("{new_vmid} is taken: choose a free VMID (or restore over this container)"),
        ));
    }
    let _held = backend.locks.take(node_id, new_vmid)?;
    let client = access.client(Duration::from_secs(30))?;
    let started = client
        .lxc_restore(
            &view.pve_node,
            new_vmid.get(),
            &backup.volid,
            storage.trim(),
            false,
            start,
        )
        .await;
    let result = match started {
        Ok(upid) => lifecycle::follow_task(&client, Some(upid)).await,
        Err(error) => Err(error),
    };
    backend.inventory.forget(node_id);
    backend.backup_ages.forget(node_id);
    let target = Target::container(node_id, &view.name, new_vmid, &format!("CT {new_vmid}"));
    let about = Some(format!("from {}", backup.file_name()));
    lifecycle::conclude(
        backend,
        user,
        &view.name,
        target,
        AuditAction::BackupRestore,
        about,
        result,
    )
    .await
}

/// Restores backup `volid` over the user's container itself: everything it holds now is
/// replaced. It must be stopped; `confirm` must be its hostname or VMID.
pub async fn restore_over(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    volid: &str,
    storage: &str,
    confirm: &str,
) -> ServiceResult<Done> {
    let (view, access) = nodes::access(backend, user, node_id).await?;
    let backup = find(&access, &view.pve_node, vmid, volid).await?;
    let (storage, confirm) = (storage.trim().to_owned(), confirm.trim().to_owned());
    let about = format!("from {}", backup.file_name());
    lifecycle::operate(
        backend,
        user,
        node_id,
        vmid,
        AuditAction::BackupRestore,
        Some(about),
        move |call: Call| async move {
            if call.before.running {
                return Err(Stop::Refused(ServiceError::Conflict(format!(
                    "CT {vmid} is running: stop it first (restoring replaces everything it holds)"
                ))));
            }
            if confirm != call.before.name && confirm != vmid.to_string() {
                return Err(Stop::Refused(ServiceError::field(
                    "confirm",
                    format!(
                        "type the hostname ({}) or the VMID ({vmid}) to replace it",
                        call.before.name
                    ),
                )));
            }
            let upid = call
                .client
                .lxc_restore(
                    &call.pve_node,
                    vmid.get(),
                    &backup.volid,
                    &storage,
                    true,
                    false,
                )
                .await?;
            Ok(Some(upid))
        },
    )
    .await
}

/// Deletes backup `volid` of the user's container; `confirm` must be its file name.
/// A protected backup is refused.
pub async fn delete(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    volid: &str,
    confirm: &str,
) -> ServiceResult<Done> {
    let (view, access) = nodes::access(backend, user, node_id).await?;
    let backup = find(&access, &view.pve_node, vmid, volid).await?;
    if backup.protected {
        return Err(ServiceError::Conflict(
            "this backup is protected: Proxmox keeps it until its protection is removed".into(),
        ));
    }
    if confirm.trim() != backup.file_name() {
        return Err(ServiceError::field(
            "confirm",
            format!(
                "type the backup's name ({}) to delete it",
                backup.file_name()
            ),
        ));
    }
    let client = access.client(Duration::from_secs(30))?;
    let started = client
        .delete_volume(&view.pve_node, &backup.storage, &backup.volid)
        .await;
    let result = match started {
        Ok(upid) => lifecycle::follow_task(&client, Some(upid)).await,
        Err(error) => Err(error),
    };
    backend.backup_ages.forget(node_id);
    let target = Target::container(node_id, &view.name, vmid, &format!("CT {vmid}"));
    let about = Some(backup.file_name().to_owned());
    lifecycle::conclude(
        backend,
        user,
        &view.name,
        target,
        AuditAction::BackupDelete,
        about,
        result,
    )
    .await
}
