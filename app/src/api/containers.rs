//! Lifecycle actions on the caller's containers, and a container's page.

use leptos::prelude::*;
use model::container::{ContainerDetail, PowerAction};
use model::ids::{NodeId, Vmid};

use crate::action::{Call, SignedIn, action};
use crate::error::AppError;

/// `action` is `start`, `shutdown`, `stop` or `reboot`; shutdown waits `timeout`
/// seconds (default 60) and then stops hard only when `force` is `on`. Answers a short
/// summary once the Proxmox task has ended.
#[action]
#[server(endpoint = "containers/power")]
pub async fn power(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    action: PowerAction,
    timeout: Option<u32>,
    force: Option<String>,
) -> Result<String, AppError> {
    use backend::lifecycle::{Action, run};

    let power = Action::power(action, timeout, force.is_some());
    let done = run(call.backend(), &call.caller, &node_id, vmid, power, None).await?;
    Ok(format!(
        "CT {vmid}: {} finished ({})",
        action.as_str(),
        done.exitstatus
    ))
}

/// Destroys a container with purge; `confirm` must be its hostname or VMID.
#[action]
#[server(endpoint = "containers/delete")]
pub async fn delete_container(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    confirm: String,
) -> Result<String, AppError> {
    use backend::lifecycle::{Action, run};

    let delete = Action::Delete;
    run(
        call.backend(),
        &call.caller,
        &node_id,
        vmid,
        delete,
        Some(&confirm),
    )
    .await?;
    Ok(format!("CT {vmid} deleted"))
}

/// One container: status, configuration, addresses, recent events.
#[action]
#[server(endpoint = "containers/get")]
pub async fn get_container(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
) -> Result<ContainerDetail, AppError> {
    Ok(backend::containers::detail(call.backend(), &call.caller, &node_id, vmid).await?)
}

/// The container's status and load figures now, for its page while it is open: read from
/// the dashboard's short per-node cache (one Proxmox request per node per few seconds,
/// however many pages watch). `None` when its node no longer lists it.
#[action]
#[server(endpoint = "containers/live")]
pub async fn container_live(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
) -> Result<Option<model::inventory::ContainerRow>, AppError> {
    Ok(backend::inventory::container(call.backend(), &call.caller, &node_id, vmid).await?)
}

/// Changes cores, CPU limit, memory, swap, start at boot and its order, tags and notes
/// (`form[…]`, checked with the model's bounds); `digest` is the config's when the page
/// was loaded (a change made since is refused). Answers what changed.
#[action]
#[server(endpoint = "containers/edit")]
pub async fn edit_container(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    digest: String,
    form: model::resources::ResourcesForm,
) -> Result<String, AppError> {
    let wanted = form.check()?;
    let done = backend::container_config::edit(
        call.backend(),
        &call.caller,
        &node_id,
        vmid,
        wanted,
        &digest,
    )
    .await?;
    crate::redirect::to_section(&format!("/containers/{node_id}/{vmid}#resources"));
    Ok(format!("Changed: {}.", done.about.unwrap_or_default()))
}

/// Grows the root disk to `size` GiB; `confirm` (`on`) after the new size was shown.
#[action]
#[server(endpoint = "containers/grow-disk")]
pub async fn grow_disk(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    size: String,
    confirm: Option<String>,
) -> Result<String, AppError> {
    backend::container_config::grow_rootfs(
        call.backend(),
        &call.caller,
        &node_id,
        vmid,
        &size,
        confirm.is_some(),
    )
    .await?;
    crate::redirect::to_section(&format!("/containers/{node_id}/{vmid}#resources"));
    Ok(format!("The root disk is now {} GiB.", size.trim()))
}

/// Replaces the container's tags (`web, prod`; empty: none) from its dashboard row
/// (without JavaScript the browser comes back to the page it posted from).
#[action]
#[server(endpoint = "containers/set-tags")]
pub async fn set_tags(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    tags: String,
) -> Result<String, AppError> {
    let tags = model::provision::tags("tags", &tags)?;
    backend::container_config::set_tags(call.backend(), &call.caller, &node_id, vmid, tags).await?;
    Ok(format!("CT {vmid}: tags saved."))
}
