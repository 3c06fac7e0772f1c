//! The signed-in user's Proxmox nodes. Every function acts on the caller's own nodes
//! only; another user's node id answers 404.

use leptos::prelude::*;
use model::node::{ConnectionReport, DemoView, NodeForm, NodeView, ProbeReport, RepinView};

use crate::error::AppError;

/// The caller's nodes, the default first.
#[server(endpoint = "nodes/list")]
pub async fn list_nodes() -> Result<Vec<NodeView>, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    Ok(backend::nodes::list(&state.backend, &user).await?)
}

/// One node.
#[server(endpoint = "nodes/get")]
pub async fn get_node(id: String) -> Result<NodeView, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    Ok(backend::nodes::get(&state.backend, &user, &id).await?)
}

/// Reads a host's TLS certificate and SSH host key for the user to confirm. Sends no
/// credential anywhere.
#[server(endpoint = "nodes/probe")]
pub async fn probe_node(
    host: String,
    port: String,
    ssh_port: String,
) -> Result<ProbeReport, AppError> {
    use crate::auth::require_user;

    let user = require_user().await?;
    Ok(backend::nodes::probe_address(&user, &host, &port, &ssh_port).await?)
}

/// Tests and saves a node (fields as `form[name]`), then opens its page.
#[server(endpoint = "nodes/create")]
pub async fn create_node(form: NodeForm) -> Result<NodeView, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let node = backend::nodes::create(&state.backend, &user, &form).await?;
    leptos_axum::redirect(&format!("/settings/nodes/{}?saved=1", node.id));
    Ok(node)
}

/// Tests and saves changes; empty secret fields keep the stored secrets.
#[server(endpoint = "nodes/update")]
pub async fn update_node(id: String, form: NodeForm) -> Result<NodeView, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let node = backend::nodes::update(&state.backend, &user, &id, &form).await?;
    leptos_axum::redirect(&format!("/settings/nodes/{}?saved=1", node.id));
    Ok(node)
}

/// Tests a saved node: PVE version, API latency, containers, SSH round trip.
#[server(endpoint = "nodes/test")]
pub async fn test_node(id: String) -> Result<ConnectionReport, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    Ok(backend::nodes::test(&state.backend, &user, &id).await?)
}

/// Makes a node the default.
#[server(endpoint = "nodes/set-default")]
pub async fn set_default_node(id: String) -> Result<NodeView, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    Ok(backend::nodes::set_default(&state.backend, &user, &id).await?)
}

/// Deletes a node from Corral (its containers stay on Proxmox); `confirm` must repeat
/// the node's name.
#[server(endpoint = "nodes/delete")]
pub async fn delete_node(id: String, confirm: String) -> Result<(), AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let node = backend::nodes::get(&state.backend, &user, &id).await?;
    if confirm.trim() != node.name {
        return Err(AppError::Validation {
            field: "confirm".into(),
            message: format!("type the node's name, {}, to confirm", node.name),
        }
        .with_status());
    }
    backend::nodes::delete(&state.backend, &user, &id).await?;
    leptos_axum::redirect("/settings/nodes?deleted=1");
    Ok(())
}

/// Probes a saved node again: the pinned fingerprints next to the presented ones.
#[server(endpoint = "nodes/repin-check")]
pub async fn repin_check(id: String) -> Result<RepinView, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let check = backend::nodes::repin_check(&state.backend, &user, &id).await?;
    Ok(RepinView {
        node: check.node,
        probe: check.probe,
    })
}

/// Pins the confirmed new fingerprints after a certificate or host-key change.
#[server(endpoint = "nodes/repin")]
pub async fn repin_node(
    id: String,
    tls_fingerprint: String,
    ssh_host_key: String,
    confirm: Option<String>,
) -> Result<NodeView, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let node = backend::nodes::repin(
        &state.backend,
        &user,
        &id,
        &tls_fingerprint,
        &ssh_host_key,
        confirm.is_some(),
    )
    .await?;
    leptos_axum::redirect(&format!("/settings/nodes/{}?repinned=1", node.id));
    Ok(node)
}

/// The demo cluster's address and throwaway credentials (`corral --demo` only).
#[server(endpoint = "nodes/demo")]
pub async fn demo_info() -> Result<Option<DemoView>, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    require_user().await?;
    let state = app_state()?;
    Ok(state.demo.map(|demo| demo.details))
}

/// Adds the demo cluster's node in one click (`corral --demo` only).
#[server(endpoint = "nodes/add-demo")]
pub async fn add_demo_node() -> Result<NodeView, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    let demo = state.demo.ok_or_else(|| AppError::NotFound.with_status())?;
    let node = backend::nodes::add_demo(&state.backend, &user, &demo).await?;
    leptos_axum::redirect(&format!("/settings/nodes/{}?saved=1", node.id));
    Ok(node)
}
