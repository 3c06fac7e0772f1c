//! The API layer: routing, authentication, proxying between nodes, and the handlers.

mod access;
mod backups;
mod cluster;
mod lxc;
mod nodes;
mod params;
mod reply;
mod rrd;
mod snapshots;
mod tasks;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Body;
use hyper::body::Incoming;
use hyper::{Method, Request, Response};

use crate::Sim;
pub(crate) use params::Params;
pub(crate) use reply::{ApiError, Reply};

/// Who is calling, and what they may do.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// `root@pam` for tickets, `root@pam!corral` for tokens (as it appears in UPIDs).
    pub auth_id: String,
    /// `None`: everything.
    pub privileges: Option<BTreeSet<String>>,
}

/// Everything a handler needs.
pub(crate) struct Ctx {
    pub sim: Arc<Sim>,
    pub caller: Caller,
    pub params: Params,
}

impl Ctx {
    /// 403 unless the caller holds `privilege` on `path`.
    pub fn require(&self, path: &str, privilege: &str) -> Result<(), ApiError> {
        match &self.caller.privileges {
            Some(held) if !held.contains(privilege) => Err(ApiError::forbidden(path, privilege)),
            _ => Ok(()),
        }
    }
}

/// Answers one HTTP request as the node `serving` would.
pub(crate) async fn handle(
    sim: Arc<Sim>,
    serving: String,
    request: Request<Incoming>,
) -> Response<Body> {
    sim.request_counter(&serving)
        .fetch_add(1, Ordering::Relaxed);
    let path = request.uri().path();
    *sim.requests_by_path
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(serving.clone())
        .or_default()
        .entry(path.strip_prefix("/api2/json").unwrap_or(path).to_owned())
        .or_default() += 1;
    let latency = sim.faults(&serving).latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let style = sim.config.error_style;
    let gzip = reply::accepts_gzip(request.headers());
    let response = match answer(&sim, &serving, request).await {
        Ok(reply) => reply::success(reply),
        Err(error) => {
            if error.status == 401 && !sim.config.auth_failure_delay.is_zero() {
                tokio::time::sleep(sim.config.auth_failure_delay).await;
            }
            reply::failure(error, style)
        }
    };
    if gzip {
        reply::compressed(response).await
    } else {
        response
    }
}

async fn answer(
    sim: &Arc<Sim>,
    serving: &str,
    request: Request<Incoming>,
) -> Result<Reply, ApiError> {
    let (parts, body) = request.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_owned();
    let not_implemented = || {
        let shown = path.strip_prefix("/api2/json").unwrap_or(&path);
        ApiError::new(501, format!("Method '{method} {shown}' not implemented"))
    };
    let Some(api_path) = path.strip_prefix("/api2/json") else {
        return Err(not_implemented());
    };
    let body = axum::body::to_bytes(Body::new(body), 16 * 1024 * 1024)
        .await
        .map_err(|e| ApiError::new(400, format!("unable to read request body: {e}")))?;
    if (method == Method::GET || method == Method::DELETE) && !body.is_empty() {
        return Err(ApiError {
            plain_text: true,
            ..ApiError::new(501, format!("Unexpected content for method '{method}'"))
        });
    }
    let json = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let params = Params::parse(parts.uri.query(), &body, json)?;
    let segments: Vec<String> = api_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();

    if method == Method::POST && segments == ["access", "ticket"] {
        if access::token_header(&parts.headers).is_some() {
            return Err(ApiError::new(
                403,
                "Permission check failed (URI '/access/ticket' not available with API token, need proper ticket.\n)",
            ));
        }
        return access::login(sim, &params);
    }
    let caller = access::authenticate(sim, &parts.headers, &method)?;
    if let ["nodes", node, ..] = segments[..] {
        reach_node(sim, serving, node).await?;
    }
    let ctx = Ctx {
        sim: sim.clone(),
        caller,
        params,
    };
    route(&ctx, &method, &segments)
        .await
        .unwrap_or_else(|| Err(not_implemented()))
}

/// The node a `/nodes/{node}/…` request is for must exist and be reachable. Served by
/// another node, the request is proxied there: that hop adds the target's latency (the
/// serving node's own latency was already paid on arrival).
async fn reach_node(sim: &Arc<Sim>, serving: &str, node: &str) -> Result<(), ApiError> {
    if sim.cluster().node(node).is_none() {
        return Err(ApiError::fail(format!(
            "hostname lookup '{node}' failed - failed to get address info for: {node}: Name or service not known"
        )));
    }
    let faults = sim.faults(node);
    if faults.offline {
        return Err(ApiError::unreachable());
    }
    if node != serving && !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    Ok(())
}

/// Dispatches to the handler; `None` when no endpoint matches.
async fn route(ctx: &Ctx, method: &Method, segments: &[&str]) -> Option<Result<Reply, ApiError>> {
    let get = method == Method::GET;
    let post = method == Method::POST;
    let put = method == Method::PUT;
    let delete = method == Method::DELETE;
    Some(match segments {
        ["version"] if get => cluster::version(ctx),
        ["nodes"] if get => cluster::nodes(ctx),
        ["cluster", "resources"] if get => cluster::resources(ctx),
        ["cluster", "nextid"] if get => cluster::next_id(ctx),
        ["nodes", node, "status"] if get => nodes::status(ctx, node),
        ["nodes", node, "storage"] if get => nodes::storages(ctx),
        ["nodes", node, "storage", storage, "content"] if get => {
            nodes::storage_content(ctx, node, storage)
        }
        ["nodes", node, "storage", storage, "content", volume] if put => {
            backups::update_volume(ctx, node, storage, volume)
        }
        ["nodes", node, "storage", storage, "content", volume] if delete => {
            backups::delete_volume(ctx, node, storage, volume)
        }
        ["nodes", node, "vzdump"] if post => backups::vzdump(ctx, node),
        ["nodes", node, "aplinfo"] if get => nodes::appliances(ctx, node),
        ["nodes", node, "aplinfo"] if post => nodes::download_appliance(ctx, node),
        ["nodes", node, "network"] if get => nodes::network(ctx, node),
        ["nodes", node, "rrddata"] if get => rrd::node_history(ctx, node),
        ["nodes", node, "tasks"] if get => tasks::list(ctx, node),
        ["nodes", node, "tasks", upid, "status"] if get => tasks::status(ctx, node, upid),
        ["nodes", node, "tasks", upid, "log"] if get => tasks::log(ctx, node, upid),
        ["nodes", node, "tasks", upid] if delete => tasks::stop(ctx, node, upid),
        ["nodes", node, "lxc"] if get => lxc::list(ctx, node),
        ["nodes", node, "lxc"] if post => lxc::create(ctx, node),
        ["nodes", node, "lxc", vmid, rest @ ..] => {
            let vmid = match lxc::parse_vmid(vmid) {
                Ok(vmid) => vmid,
                Err(error) => return Some(Err(error)),
            };
            match rest {
                [] if delete => lxc::destroy(ctx, node, vmid),
                ["status", "current"] if get => lxc::status(ctx, node, vmid),
                ["status", action] if post => lxc::power(ctx, node, vmid, action),
                ["config"] if get => lxc::config(ctx, node, vmid),
                ["config"] if put => lxc::update_config(ctx, node, vmid),
                ["pending"] if get => lxc::pending(ctx, node, vmid),
                ["resize"] if put => lxc::resize(ctx, node, vmid),
                ["interfaces"] if get => lxc::interfaces(ctx, node, vmid),
                ["rrddata"] if get => rrd::container_history(ctx, node, vmid),
                ["termproxy"] if post => lxc::termproxy(ctx, node, vmid),
                ["snapshot"] if get => snapshots::list(ctx, node, vmid),
                ["snapshot"] if post => snapshots::create(ctx, node, vmid),
                ["snapshot", name] if delete => snapshots::delete(ctx, node, vmid, name),
                ["snapshot", name, "rollback"] if post => {
                    snapshots::rollback(ctx, node, vmid, name)
                }
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// Percent-decodes a URI component (`+` stays `+`, unlike form decoding).
pub(crate) fn percent_decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}
