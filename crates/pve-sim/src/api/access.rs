//! Authentication: API tokens, ticket login, tickets with CSRF tokens on writes.

use std::sync::Arc;

use base64::Engine;
use hyper::{HeaderMap, Method};
use rand::Rng;
use serde_json::json;

use super::params::{Field, TEXT, opt, req};
use super::{ApiError, Caller, Params, Reply};
use crate::Sim;
use crate::model::unix_now;

/// PVE tickets and their CSRF tokens live two hours.
const TICKET_LIFETIME: u64 = 7200;

/// The `user@realm!name=secret` part of an `Authorization: PVEAPIToken=…` header.
pub fn token_header(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let rest = value.strip_prefix("PVEAPIToken")?;
    Some(rest.trim_start_matches(['=', ' ']).to_owned())
}

/// A ticket from the `PVEAuthCookie` cookie or an `Authorization: PVEAuthCookie=` header.
fn ticket_of(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok())
        && let Some(ticket) = value.strip_prefix("PVEAuthCookie=")
    {
        return Some(ticket.to_owned());
    }
    let cookies = headers.get("cookie")?.to_str().ok()?;
    cookies.split(';').find_map(|cookie| {
        let value = cookie.trim().strip_prefix("PVEAuthCookie=")?;
        // PVE URI-unescapes the cookie: raw and percent-encoded tickets both work.
        Some(super::percent_decode(value))
    })
}

/// Who is calling, or the 401 PVE's auth layer would give.
pub fn authenticate(
    sim: &Arc<Sim>,
    headers: &HeaderMap,
    method: &Method,
) -> Result<Caller, ApiError> {
    let cluster = sim.cluster();
    if let Some(credential) = token_header(headers) {
        let (id, secret) = credential
            .rsplit_once('=')
            .ok_or_else(|| ApiError::unauthorized("Authentication failed!"))?;
        let token = cluster
            .tokens
            .iter()
            .find(|t| t.id == id && t.secret == secret && !t.revoked)
            .ok_or_else(|| ApiError::unauthorized("Authentication failed!"))?;
        return Ok(Caller {
            auth_id: token.id.clone(),
            privileges: token.privileges.clone(),
        });
    }
    let ticket = ticket_of(headers).ok_or_else(|| ApiError::unauthorized("No ticket"))?;
    let (user, csrf, issued) = cluster
        .tickets
        .get(&ticket)
        .cloned()
        .ok_or_else(|| ApiError::unauthorized("Authentication failed!"))?;
    if unix_now() > issued + TICKET_LIFETIME {
        return Err(ApiError::unauthorized("Authentication failed!"));
    }
    if *method != Method::GET {
        let sent = headers
            .get("csrfpreventiontoken")
            .and_then(|v| v.to_str().ok());
        if sent != Some(csrf.as_str()) {
            return Err(ApiError::unauthorized(
                "Permission denied - invalid csrf token",
            ));
        }
    }
    Ok(Caller {
        auth_id: user,
        privileges: None,
    })
}

const LOGIN: &[Field] = &[
    req("username", TEXT),
    req("password", TEXT),
    opt("realm", TEXT),
    opt("otp", TEXT),
    opt("new-format", super::params::BOOL),
];

/// `POST /access/ticket`: a new ticket for root@pam's password, or a renewal for a
/// still-valid ticket given as password.
pub fn login(sim: &Arc<Sim>, params: &Params) -> Result<Reply, ApiError> {
    params.check(LOGIN)?;
    let mut cluster = sim.cluster();
    let username = params.get("username").unwrap_or_default();
    let username = match params.get("realm") {
        Some(realm) if !username.contains('@') => format!("{username}@{realm}"),
        _ => username.to_owned(),
    };
    let password = params.get("password").unwrap_or_default();
    let renewal = cluster
        .tickets
        .get(password)
        .is_some_and(|(user, _, issued)| {
            *user == username && unix_now() <= issued + TICKET_LIFETIME
        });
    if username != "root@pam" || (password != cluster.root_password && !renewal) {
        return Err(ApiError::new(401, "authentication failure"));
    }
    let now = unix_now();
    let engine = base64::engine::general_purpose::STANDARD;
    let signature: [u8; 256] = std::array::from_fn(|_| cluster.rng.random());
    let ticket = format!("PVE:{username}:{now:08X}::{}", engine.encode(signature));
    let mac: [u8; 32] = cluster.rng.random();
    let csrf = format!(
        "{now:08X}:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(mac)
    );
    cluster
        .tickets
        .insert(ticket.clone(), (username.clone(), csrf.clone(), now));
    Ok(Reply::data(json!({
        "username": username,
        "ticket": ticket,
        "CSRFPreventionToken": csrf,
        "cap": {
            "vms": {"VM.Audit": 1, "VM.PowerMgmt": 1, "VM.Allocate": 1},
            "nodes": {"Sys.Audit": 1},
            "storage": {"Datastore.Audit": 1},
        },
    })))
}
