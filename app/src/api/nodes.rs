//! The signed-in user's Proxmox nodes. Every function acts on the caller's own nodes
//! only; another user's node id answers 404.

use leptos::prelude::*;
use model::ids::NodeId;
use model::node::{ConnectionReport, DemoView, NodeForm, NodeView, ProbeReport, RepinView};

use crate::action::{Call, SignedIn, action};
use crate::error::AppError;

/// The caller's nodes, the default first.
#[action]
#[server(endpoint = "nodes/list")]
pub async fn list_nodes(call: Call<SignedIn>) -> Result<Vec<NodeView>, AppError> {
    Ok(backend::nodes::list(call.backend(), &call.caller).await?)
}

/// One node.
#[action]
#[server(endpoint = "nodes/get")]
pub async fn get_node(call: Call<SignedIn>, id: NodeId) -> Result<NodeView, AppError> {
    Ok(backend::nodes::get(call.backend(), &call.caller, &id).await?)
}

/// Reads a host's TLS certificate and SSH host key for the user to confirm. Sends no
/// credential anywhere.
#[action]
#[server(endpoint = "nodes/probe")]
pub async fn probe_node(
    call: Call<SignedIn>,
    host: String,
    port: String,
    ssh_port: String,
) -> Result<ProbeReport, AppError> {
    Ok(
        backend::nodes::probe_address(call.backend(), &call.caller, &host, &port, &ssh_port)
            .await?,
    )
}

/// Tests and saves a node (fields as `form[name]`), then opens its page.
#[action]
#[server(endpoint = "nodes/create")]
pub async fn create_node(call: Call<SignedIn>, form: NodeForm) -> Result<NodeView, AppError> {
    let node = backend::nodes::create(call.backend(), &call.caller, &form).await?;
    crate::redirect::to(&format!("/settings/nodes/{}?saved=1", node.id));
    Ok(node)
}

/// Tests and saves changes; empty secret fields keep the stored secrets.
#[action]
#[server(endpoint = "nodes/update")]
pub async fn update_node(
    call: Call<SignedIn>,
    id: NodeId,
    form: NodeForm,
) -> Result<NodeView, AppError> {
    let node = backend::nodes::update(call.backend(), &call.caller, &id, &form).await?;
    crate::redirect::to(&format!("/settings/nodes/{}?saved=1", node.id));
    Ok(node)
}

/// Tests a saved node: PVE version, API latency, containers, SSH round trip.
#[action]
#[server(endpoint = "nodes/test")]
pub async fn test_node(call: Call<SignedIn>, id: NodeId) -> Result<ConnectionReport, AppError> {
    Ok(backend::nodes::test(call.backend(), &call.caller, &id).await?)
}

/// Makes a node the default.
#[action]
#[server(endpoint = "nodes/set-default")]
pub async fn set_default_node(call: Call<SignedIn>, id: NodeId) -> Result<NodeView, AppError> {
    Ok(backend::nodes::set_default(call.backend(), &call.caller, &id).await?)
}

/// Deletes a node from Corral (its containers stay on Proxmox); `confirm` must repeat
/// the node's name.
#[action]
#[server(endpoint = "nodes/delete")]
pub async fn delete_node(
    call: Call<SignedIn>,
    id: NodeId,
    confirm: String,
) -> Result<(), AppError> {
    backend::nodes::delete(call.backend(), &call.caller, &id, &confirm).await?;
    crate::redirect::to("/settings/nodes?deleted=1");
    Ok(())
}

/// Probes a saved node again: the pinned fingerprints next to the presented ones.
#[action]
#[server(endpoint = "nodes/repin-check")]
pub async fn repin_check(call: Call<SignedIn>, id: NodeId) -> Result<RepinView, AppError> {
    Ok(backend::nodes::repin_check(call.backend(), &call.caller, &id).await?)
}

/// Pins the confirmed new fingerprints after a certificate or host-key change.
#[action]
#[server(endpoint = "nodes/repin")]
pub async fn repin_node(
    call: Call<SignedIn>,
    id: NodeId,
    tls_fingerprint: String,
    ssh_host_key: String,
    confirm: Option<String>,
) -> Result<NodeView, AppError> {
    let node = backend::nodes::repin(
        call.backend(),
        &call.caller,
        &id,
        &tls_fingerprint,
        &ssh_host_key,
        confirm.is_some(),
    )
    .await?;
    crate::redirect::to(&format!("/settings/nodes/{}?repinned=1", node.id));
    Ok(node)
}

/// The demo cluster's address and throwaway credentials (`corral --demo` only).
#[action]
#[server(endpoint = "nodes/demo")]
pub async fn demo_info(call: Call<SignedIn>) -> Result<Option<DemoView>, AppError> {
    Ok(call.state().demo.as_ref().map(|demo| demo.details.clone()))
}

/// Adds the demo cluster's node in one click (`corral --demo` only).
#[action]
#[server(endpoint = "nodes/add-demo")]
pub async fn add_demo_node(call: Call<SignedIn>) -> Result<NodeView, AppError> {
    let demo = call.state().demo.as_ref().ok_or(AppError::NotFound)?;
    let node = backend::nodes::add_demo(call.backend(), &call.caller, demo).await?;
    crate::redirect::to(&format!("/settings/nodes/{}?saved=1", node.id));
    Ok(node)
}
