//! What runs in the caller's containers: the last discovery, a refresh, and one
//! service's credentials on request (audited). Another user's container is "not found".

use leptos::prelude::*;
use model::ids::{NodeId, Vmid};
use model::service::Discovery;

use crate::action::{Call, SignedIn, action};
use crate::error::AppError;

/// The container's last discovery, if any (services and ports; never credentials).
#[action]
#[server(endpoint = "services/get")]
pub async fn get_services(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
) -> Result<Option<Discovery>, AppError> {
    Ok(backend::discovery::get(call.backend(), &call.caller, &node_id, vmid).await?)
}

/// Reads the container's services now; a container that cannot be read keeps its last
/// result, with the error and time of this attempt.
#[action]
#[server(endpoint = "services/refresh")]
pub async fn refresh_services(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
) -> Result<Discovery, AppError> {
    let found = backend::discovery::refresh(call.backend(), &call.caller, &node_id, vmid).await?;
    crate::redirect::to(&format!("/containers/{node_id}/{vmid}#services"));
    Ok(found)
}

/// One service's credentials (`KEY`, `VALUE` pairs), opened now and audited
/// (`service.credentials`).
#[action]
#[server(endpoint = "services/credentials")]
pub async fn service_credentials(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    service: String,
) -> Result<Vec<(String, String)>, AppError> {
    Ok(backend::discovery::reveal_credentials(
        call.backend(),
        &call.caller,
        &node_id,
        vmid,
        service.trim(),
    )
    .await?)
}
