//! Lifecycle actions on the caller's containers.

use leptos::prelude::*;

use crate::error::AppError;

/// `action` is `start`, `shutdown`, `stop` or `reboot`; shutdown waits `timeout`
/// seconds (default 60) and then stops hard only when `force` is `on`. Answers a short
/// summary once the Proxmox task has ended.
#[server(endpoint = "containers/power")]
pub async fn power(
    node_id: String,
    vmid: u32,
    action: String,
    timeout: Option<u32>,
    force: Option<String>,
) -> Result<String, AppError> {
    use backend::lifecycle::{Action, run};

    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let parsed = Action::parse_power(&action, timeout, force.is_some()).ok_or_else(|| {
        AppError::Validation {
            field: "action".into(),
            message: "start, shutdown, stop or reboot".into(),
        }
        .with_status()
    })?;
    let done = run(&state.backend, &user, &node_id, vmid, parsed, None).await?;
    Ok(format!(
        "CT {vmid}: {action} finished ({})",
        done.exitstatus
    ))
}

/// Destroys a container with purge; `confirm` must be its hostname or VMID.
#[server(endpoint = "containers/delete")]
pub async fn delete_container(
    node_id: String,
    vmid: u32,
    confirm: String,
) -> Result<String, AppError> {
    use backend::lifecycle::{Action, run};

    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    run(
        &state.backend,
        &user,
        &node_id,
        vmid,
        Action::Delete,
        Some(&confirm),
    )
    .await?;
    Ok(format!("CT {vmid} deleted"))
}

/// One container: status, configuration, addresses, recent events.
#[server(endpoint = "containers/get")]
pub async fn get_container(
    node_id: String,
    vmid: u32,
) -> Result<model::container::ContainerDetail, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    Ok(backend::containers::detail(&state.backend, &user, &node_id, vmid).await?)
}
