//! `/nodes/{node}/lxc/…`: containers: list, status, power actions, destroy, interfaces,
//! RRD data and the console proxy; [`create`] and [`config`] hold the two larger calls.

mod config;
mod create;

use serde_json::{Value, json};

use super::params::{BOOL, COUNT, Field, opt};
use super::{ApiError, Ctx, Reply};
use crate::model::Ct;
use crate::tasks::{self, TaskKind};

pub use config::{config, pending, resize, update_config};
pub use create::create;
use create::property_pairs;

/// A `{vmid}` path segment.
pub fn parse_vmid(text: &str) -> Result<u32, ApiError> {
    let valid = (3..=9).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_digit())
        && !text.starts_with('0');
    match text.parse() {
        Ok(vmid) if valid => Ok(vmid),
        _ => Err(ApiError::param(
            "vmid",
            "invalid format - value does not look like a valid VM ID",
        )),
    }
}

pub(super) fn missing(node: &str, vmid: u32) -> ApiError {
    ApiError::fail(format!(
        "Configuration file 'nodes/{node}/lxc/{vmid}.conf' does not exist"
    ))
}

/// The container, which must live on `node`.
pub(super) fn container<'a>(
    cluster: &'a crate::model::Cluster,
    node: &str,
    vmid: u32,
) -> Result<&'a Ct, ApiError> {
    cluster
        .containers
        .get(&vmid)
        .filter(|ct| ct.node == node)
        .ok_or_else(|| missing(node, vmid))
}

/// One entry as `GET /nodes/{node}/lxc` and `status/current` show it.
fn entry(ct: &Ct, host_cpus: u32) -> Value {
    let live = ct.live_figures();
    let mut entry = json!({
        "vmid": ct.vmid, "type": "lxc", "name": ct.name(),
        "status": if ct.running { "running" } else { "stopped" },
        "cpus": ct.cores(host_cpus), "cpu": live.cpu,
        "maxmem": ct.maxmem(), "mem": live.mem, "maxswap": ct.maxswap(), "swap": 0,
        "maxdisk": ct.maxdisk(), "disk": live.disk, "uptime": ct.uptime(),
        "netin": live.netin, "netout": live.netout, "diskread": live.diskread, "diskwrite": live.diskwrite,
    });
    if ct.running {
        entry["pid"] = json!(ct.pid);
        entry["pressurecpusome"] = json!(0.0);
        entry["pressurememorysome"] = json!(0.0);
        entry["pressureiosome"] = json!(0.0);
    }
    if let Some(tags) = ct.config.get("tags") {
        entry["tags"] = json!(tags);
    }
    if let Some(lock) = ct.lock() {
        entry["lock"] = json!(lock);
    }
    entry
}

pub fn list(ctx: &Ctx, node: &str) -> Result<Reply, ApiError> {
    ctx.params.check(&[])?;
    let cluster = ctx.sim.cluster();
    let host_cpus = cluster.node(node).map_or(8, |n| n.cpus);
    let list: Vec<Value> = cluster
        .containers
        .values()
        .filter(|ct| ct.node == node)
        // Guests the caller may not audit are silently left out.
        .filter(|ct| {
            ctx.require(&format!("/vms/{}", ct.vmid), "VM.Audit")
                .is_ok()
        })
        .map(|ct| entry(ct, host_cpus))
        .collect();
    Ok(Reply::data(Value::Array(list)))
}

pub fn status(ctx: &Ctx, node: &str, vmid: u32) -> Result<Reply, ApiError> {
    ctx.params.check(&[])?;
    ctx.require(&format!("/vms/{vmid}"), "VM.Audit")?;
    let cluster = ctx.sim.cluster();
    let ct = container(&cluster, node, vmid)?;
    let mut entry = entry(ct, cluster.node(node).map_or(8, |n| n.cpus));
    entry["ha"] = json!({"managed": 0});
    Ok(Reply::data(entry))
}

pub fn power(ctx: &Ctx, node: &str, vmid: u32, action: &str) -> Result<Reply, ApiError> {
    let p = &ctx.params;
    let schema: &[Field] = match action {
        "start" => &[opt("skiplock", BOOL), opt("debug", BOOL)],
        "stop" => &[opt("skiplock", BOOL), opt("overrule-shutdown", BOOL)],
        "shutdown" => &[opt("timeout", COUNT), opt("forceStop", BOOL)],
        "reboot" => &[opt("timeout", COUNT)],
        "suspend" | "resume" => &[],
        _ => {
            return Err(ApiError::new(
                501,
                format!("Method 'POST /nodes/{node}/lxc/{vmid}/status/{action}' not implemented"),
            ));
        }
    };
    p.check(schema)?;
    ctx.require(&format!("/vms/{vmid}"), "VM.PowerMgmt")?;
    if p.flag("skiplock") && ctx.caller.auth_id != "root@pam" {
        return Err(ApiError::param(
            "skiplock",
            "Only root may use this option.",
        ));
    }
    let running = {
        let cluster = ctx.sim.cluster();
        match container(&cluster, node, vmid) {
            Ok(ct) => Some(ct.running),
            // A start of a missing CT still gets a UPID; its task fails.
            Err(_) if action == "start" => None,
            Err(error) => return Err(error),
        }
    };
    let kind = match (action, running) {
        ("start" | "resume", Some(true)) => {
            return Err(ApiError::fail(format!("CT {vmid} already running")));
        }
        ("stop" | "shutdown" | "suspend", Some(false)) => {
            return Err(ApiError::fail(format!("CT {vmid} not running")));
        }
        ("reboot", Some(false)) => return Err(ApiError::fail(format!("VM {vmid} not running"))),
        ("start", _) => TaskKind::Start { vmid },
        ("stop", _) => TaskKind::Stop { vmid },
        ("shutdown", _) => TaskKind::Shutdown { vmid },
        ("reboot", _) => TaskKind::Reboot { vmid },
        ("suspend", _) => TaskKind::Suspend { vmid },
        _ => TaskKind::Resume { vmid },
    };
    Ok(Reply::data(json!(tasks::start(ctx, node, kind))))
}

const DESTROY: &[Field] = &[
    opt("purge", BOOL),
    opt("destroy-unreferenced-disks", BOOL),
    opt("force", BOOL),
];

pub fn destroy(ctx: &Ctx, node: &str, vmid: u32) -> Result<Reply, ApiError> {
    ctx.params.check(DESTROY)?;
    ctx.require(&format!("/vms/{vmid}"), "VM.Allocate")?;
    {
        let mut cluster = ctx.sim.cluster();
        let ct = container(&cluster, node, vmid)?;
        if let Some(lock) = ct.lock() {
            return Err(ApiError::fail(format!("CT is locked ({lock})")));
        }
        if ct.config.get("protection").is_some_and(|p| p == "1") {
            return Err(ApiError::fail(format!(
                "can't remove CT {vmid} - protection mode enabled"
            )));
        }
        if ct.running && !ctx.params.flag("force") {
            return Err(ApiError::fail(format!(
                "unable to destroy CT {vmid} - container is running"
            )));
        }
        if let Some(ct) = cluster.containers.get_mut(&vmid) {
            ct.running = false;
            ct.config.insert("lock".to_owned(), "destroyed".to_owned());
        }
    }
    let kind = TaskKind::Destroy {
        vmid,
        purge: ctx.params.flag("purge"),
    };
    Ok(Reply::data(json!(tasks::start(ctx, node, kind))))
}

pub fn interfaces(ctx: &Ctx, node: &str, vmid: u32) -> Result<Reply, ApiError> {
    ctx.params.check(&[])?;
    ctx.require(&format!("/vms/{vmid}"), "VM.Audit")?;
    let cluster = ctx.sim.cluster();
    let ct = container(&cluster, node, vmid)?;
    if !ct.running {
        return Ok(Reply::data(Value::Null));
    }
    let mut list = vec![json!({
        "name": "lo", "hwaddr": "00:00:00:00:00:00", "hardware-address": "00:00:00:00:00:00",
        "inet": "127.0.0.1/8", "inet6": "::1/128",
        "ip-addresses": [
            {"ip-address-type": "inet", "ip-address": "127.0.0.1", "prefix": 8},
            {"ip-address-type": "inet6", "ip-address": "::1", "prefix": 128},
        ],
    })];
    if let Some(net0) = ct.config.get("net0") {
        let pairs = property_pairs(net0, "name");
        let mac = pairs
            .get("hwaddr")
            .map(|m| m.to_lowercase())
            .unwrap_or_default();
        let name = pairs.get("name").cloned().unwrap_or_else(|| "eth0".into());
        let link_local = format!(
            "fe80::be24:11ff:fe{}/64",
            mac.get(9..).unwrap_or("00:00:00").replace(':', "")
        );
        let mut addresses = vec![
            json!({"ip-address-type": "inet6", "ip-address": link_local.trim_end_matches("/64"), "prefix": 64}),
        ];
        let mut eth =
            json!({"name": name, "hwaddr": mac, "hardware-address": mac, "inet6": link_local});
        if let Some(ip) = ct.current_ip() {
            eth["inet"] = json!(format!("{ip}/24"));
            addresses.insert(
                0,
                json!({"ip-address-type": "inet", "ip-address": ip, "prefix": 24}),
            );
        }
        eth["ip-addresses"] = json!(addresses);
        list.push(eth);
    }
    Ok(Reply::data(Value::Array(list)))
}

pub fn termproxy(ctx: &Ctx, node: &str, vmid: u32) -> Result<Reply, ApiError> {
    ctx.params.check(&[])?;
    ctx.require(&format!("/vms/{vmid}"), "VM.Console")?;
    let port = {
        let cluster = ctx.sim.cluster();
        container(&cluster, node, vmid)?;
        5900 + cluster
            .tasks
            .iter()
            .filter(|t| t.kind == "vncproxy" && t.exit.is_none())
            .count()
            % 100
    };
    let upid = tasks::start(ctx, node, TaskKind::Console { vmid });
    let now = crate::model::unix_now();
    Ok(Reply::data(json!({
        "user": ctx.caller.auth_id,
        "ticket": format!("PVEVNC:{now:08X}::{}", "c2ltdWxhdGVkLXZuYy10aWNrZXQ"),
        // PVE sends the port as a string.
        "port": port.to_string(),
        "upid": upid,
    })))
}
