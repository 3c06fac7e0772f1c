//! What runs in the caller's containers: the last discovery, a refresh, one service's
//! credentials on request (audited), and logs. Another user's container is "not found".

use leptos::prelude::*;
use model::ids::{NodeId, Vmid};
use model::logs::LogView;
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
    crate::redirect::to_section(&format!("/containers/{node_id}/{vmid}#services"));
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

/// The last `lines` lines (default 200, at most 5,000) of a service's log (`unit`, a
/// service discovery found) or of the whole container's (no unit). Names are checked
/// before anything runs in the container.
#[action]
#[server(endpoint = "services/logs")]
pub async fn service_logs(
    call: Call<SignedIn>,
    node_id: NodeId,
    vmid: Vmid,
    unit: Option<String>,
    lines: Option<String>,
) -> Result<LogView, AppError> {
    let query = model::logs::LogQuery::parse(unit.as_deref(), lines.as_deref()).map_err(
        |(field, message)| AppError::Validation {
            field: field.to_owned(),
            message,
        },
    )?;
    Ok(backend::container_logs::read(call.backend(), &call.caller, &node_id, vmid, &query).await?)
}
