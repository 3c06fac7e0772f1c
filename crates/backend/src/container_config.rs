//! Changing a container's resources and options, its tags, and growing its root disk —
//! each through [`lifecycle::operate`] (the container's lock, an audit entry naming what
//! changed). Only what differs from the container's current config is sent, guarded by
//! the digest of the config the form was made from, so a change made meanwhile (in the
//! Proxmox UI) is never overwritten blindly. Memory below what the container uses now and
//! a disk that would shrink are refused with their reasons before Proxmox is asked.

use model::audit::AuditAction;
use model::ids::{NodeId, Vmid};
use model::resources::{Resources, grow_to};
use pve::{Params, PveError};

use crate::Backend;
use crate::accounts::User;
use crate::error::{ServiceError, ServiceResult};
use crate::lifecycle::{self, Call, Done, Stop};

const MIB: u64 = 1024 * 1024;

/// The parameters that turn `current` into `wanted`, the keys to delete, and the change
/// in words (for the audit log and the answer).
fn difference(
    current: &pve::LxcConfig,
    wanted: &Resources,
) -> (Params, Vec<&'static str>, Vec<String>) {
    let mut params = Params::new();
    let mut delete = Vec::new();
    let mut words = Vec::new();
    if current.cores != Some(u64::from(wanted.cores)) {
        params = params.number("cores", wanted.cores);
        words.push(format!("cores {}", wanted.cores));
    }
    if current.cpulimit != wanted.cpulimit {
        match wanted.cpulimit {
            Some(limit) => {
                params = params.number("cpulimit", limit);
                words.push(format!("CPU limit {limit}"));
            }
            None => {
                delete.push("cpulimit");
                words.push("no CPU limit".to_owned());
            }
        }
    }
    if current.memory != Some(u64::from(wanted.memory_mib)) {
        params = params.number("memory", wanted.memory_mib);
        words.push(format!("memory {} MiB", wanted.memory_mib));
    }
    if current.swap != Some(u64::from(wanted.swap_mib)) {
        params = params.number("swap", wanted.swap_mib);
        words.push(format!("swap {} MiB", wanted.swap_mib));
    }
    if current.onboot != wanted.onboot {
        params = params.flag("onboot", wanted.onboot);
        words.push(format!(
            "start at boot {}",
            if wanted.onboot { "on" } else { "off" }
        ));
    }
    let order = current
        .startup
        .as_deref()
        .and_then(|s| s.split(',').find_map(|p| p.strip_prefix("order=")))
        .and_then(|o| o.parse::<u32>().ok());
    if order != wanted.order {
        match wanted.order {
            Some(order) => {
                params = params.text("startup", format!("order={order}"));
                words.push(format!("start-up order {order}"));
            }
            None => {
                delete.push("startup");
                words.push("default start-up order".to_owned());
            }
        }
    }
    // Proxmox keeps tags sorted: compare and send them that way.
    let mut tags = wanted.tags.clone();
    tags.sort();
    tags.dedup();
    let mut current_tags = current.tags.clone();
    current_tags.sort();
    if current_tags != tags {
        if tags.is_empty() {
            delete.push("tags");
        } else {
            params = params.text("tags", tags.join(";"));
        }
        words.push(format!("tags [{}]", tags.join(", ")));
    }
    if current.description.as_deref().unwrap_or_default() != wanted.notes {
        if wanted.notes.is_empty() {
            delete.push("description");
        } else {
            params = params.text("description", wanted.notes.clone());
        }
        words.push("notes".to_owned());
    }
    (params, delete, words)
}

/// Applies `wanted` to the user's container; `digest` is the config's digest when the
/// form was shown (a change since is refused, nothing overwritten).
pub async fn edit(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    wanted: Resources,
    digest: &str,
) -> ServiceResult<Done> {
    let digest = digest.trim().to_owned();
    lifecycle::operate(backend, user, node_id, vmid, AuditAction::ContainerConfig, None, move |call: Call| async move {
        let Call { client, pve_node, note, .. } = call;
        let current = client.lxc_config(&pve_node, vmid.get()).await?;
        if !digest.is_empty() && digest != current.digest {
            return Err(Stop::Refused(ServiceError::Conflict(
                "the container's configuration changed since this page was loaded (in Proxmox?): reload it and make your change again".into(),
            )));
        }
        let (params, delete, words) = difference(&current, &wanted);
        if words.is_empty() {
            return Err(Stop::Refused(ServiceError::Conflict("nothing to change: the values are the container's already".into())));
        }
        let status = client.lxc_status(&pve_node, vmid.get()).await?;
        let in_use_mib = status.mem.div_ceil(MIB);
        if status.status == "running" && u64::from(wanted.memory_mib) < in_use_mib {
            return Err(Stop::Refused(ServiceError::field(
                "memory",
                format!("it uses {in_use_mib} MiB now: give it at least that much, or stop it first"),
            )));
        }
        client
            .lxc_update_config(&pve_node, vmid.get(), params, &delete, Some(&current.digest))
            .await
            .map_err(|error| match error {
                PveError::Server { message, .. } if message.contains("file changed by other user") => {
                    Stop::Refused(ServiceError::Conflict("the configuration changed meanwhile: reload and try again".into()))
                }
                other => Stop::Failed(other),
            })?;
        note.set(words.join(", "));
        Ok(None)
    })
    .await
}

/// Sets the user's container's tags (the dashboard row's quick edit): the rest stays.
pub async fn set_tags(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    tags: Vec<String>,
) -> ServiceResult<Done> {
    let about = format!("tags [{}]", tags.join(", "));
    lifecycle::operate(
        backend,
        user,
        node_id,
        vmid,
        AuditAction::ContainerConfig,
        Some(about),
        move |call: Call| async move {
            let Call {
                client, pve_node, ..
            } = call;
            let current = client.lxc_config(&pve_node, vmid.get()).await?;
            let (params, delete) = if tags.is_empty() {
                (Params::new(), vec!["tags"])
            } else {
                (Params::new().text("tags", tags.join(";")), Vec::new())
            };
            client
                .lxc_update_config(
                    &pve_node,
                    vmid.get(),
                    params,
                    &delete,
                    Some(&current.digest),
                )
                .await?;
            Ok(None)
        },
    )
    .await
}

/// Grows the user's container's root disk to `size` GiB (more than it has: disks only
/// grow).
pub async fn grow_rootfs(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    size: &str,
    confirmed: bool,
) -> ServiceResult<Done> {
    let size = size.trim().to_owned();
    lifecycle::operate(backend, user, node_id, vmid, AuditAction::ContainerResize, Some(format!("rootfs to {size} GiB")), move |call: Call| async move {
        let Call { client, pve_node, .. } = call;
        let current = client.lxc_config(&pve_node, vmid.get()).await?;
        let current_gib = current
            .rootfs
            .as_ref()
            .and_then(|r| r.size.as_deref())
            .and_then(model::resources::gib_of)
            .unwrap_or(0);
        let wanted = grow_to(current_gib, &size).map_err(|e| Stop::Refused(ServiceError::Validation(e)))?;
        if !confirmed {
            return Err(Stop::Refused(ServiceError::field(
                "confirm",
                format!("tick the box to grow the root disk from {current_gib} to {wanted} GiB (it cannot shrink again)"),
            )));
        }
        let upid = client
            .lxc_resize(&pve_node, vmid.get(), "rootfs", &format!("{wanted}G"), Some(&current.digest))
            .await?;
        Ok(upid)
    })
    .await
}
