//! `/version`, `/nodes`, `/cluster/resources`, `/cluster/nextid`.

use serde_json::{Value, json};

use super::params::{Field, Kind, opt};
use super::{ApiError, Ctx, Reply};
use crate::model::{GIB, STORAGES, unix_now};

pub fn version(ctx: &Ctx) -> Result<Reply, ApiError> {
    ctx.params.check(&[])?;
    Ok(Reply::data(json!({
        "version": "9.1.6",
        "release": "9.1",
        "repoid": "71482d1833ded40a",
    })))
}

pub fn nodes(ctx: &Ctx) -> Result<Reply, ApiError> {
    ctx.params.check(&[])?;
    let cluster = ctx.sim.cluster();
    let now = unix_now();
    let list: Vec<Value> = cluster
        .nodes
        .iter()
        .map(|node| {
            let fingerprint = ctx.sim.certificate(&node.name).map(|c| c.fingerprint);
            if ctx.sim.faults(&node.name).offline {
                return json!({
                    "node": node.name, "id": format!("node/{}", node.name), "type": "node",
                    "status": "offline", "ssl_fingerprint": fingerprint,
                });
            }
            let used: u64 = cluster
                .containers
                .values()
                .filter(|ct| ct.node == node.name)
                .map(|ct| ct.live_figures().mem)
                .sum();
            json!({
                "node": node.name, "id": format!("node/{}", node.name), "type": "node",
                "status": "online", "ssl_fingerprint": fingerprint, "level": "",
                "uptime": now - node.boot_time, "cpu": 0.031, "maxcpu": node.cpus,
                "mem": 3 * GIB + used, "maxmem": node.memory,
                "disk": 9 * GIB, "maxdisk": 100 * GIB,
            })
        })
        .collect();
    Ok(Reply::data(Value::Array(list)))
}

const RESOURCES: &[Field] = &[opt("type", Kind::OneOf(&["vm", "storage", "node", "sdn"]))];

pub fn resources(ctx: &Ctx) -> Result<Reply, ApiError> {
    ctx.params.check(RESOURCES)?;
    let kind = ctx.params.get("type");
    let wants = |k: &str| kind.is_none_or(|wanted| wanted == k);
    let cluster = ctx.sim.cluster();
    let mut list = Vec::new();
    if wants("vm") {
        // PVE sorts guests by vmid as strings: 100, 1000, 101.
        let mut guests: Vec<_> = cluster.containers.values().collect();
        guests.sort_by_key(|ct| ct.vmid.to_string());
        for ct in guests {
            let offline = ctx.sim.faults(&ct.node).offline;
            let mut entry = json!({
                "id": format!("lxc/{}", ct.vmid), "vmid": ct.vmid, "node": ct.node, "type": "lxc",
            });
            if offline {
                entry["status"] = json!("unknown");
            } else {
                let live = ct.live_figures();
                let host_cpus = cluster.node(&ct.node).map_or(8, |n| n.cpus);
                let fields = json!({
                    "status": if ct.running { "running" } else { "stopped" },
                    "name": ct.name(), "uptime": ct.uptime(), "template": 0,
                    "maxcpu": ct.cores(host_cpus), "cpu": live.cpu,
                    "maxmem": ct.maxmem(), "mem": live.mem, "memhost": 0,
                    "maxdisk": ct.maxdisk(), "disk": live.disk,
                    "netin": live.netin, "netout": live.netout,
                    "diskread": live.diskread, "diskwrite": live.diskwrite,
                });
                merge(&mut entry, fields);
            }
            if let Some(tags) = ct.config.get("tags") {
                entry["tags"] = json!(tags);
            }
            if let Some(lock) = ct.lock() {
                entry["lock"] = json!(lock);
            }
            if let Some(pool) = cluster.pool_of(ct.vmid) {
                entry["pool"] = json!(pool);
            }
            list.push(entry);
        }
    }
    if wants("node") {
        let now = unix_now();
        for node in &cluster.nodes {
            let offline = ctx.sim.faults(&node.name).offline;
            let mut entry = json!({
                "id": format!("node/{}", node.name), "node": node.name, "type": "node",
                "status": if offline { "offline" } else { "online" },
            });
            if !offline {
                merge(
                    &mut entry,
                    json!({
                        "level": "", "uptime": now - node.boot_time, "cpu": 0.031, "maxcpu": node.cpus,
                        "mem": 3 * GIB, "maxmem": node.memory, "disk": 9 * GIB, "maxdisk": 100 * GIB,
                        "cgroup-mode": 2,
                    }),
                );
            }
            list.push(entry);
        }
    }
    if wants("storage") {
        for node in &cluster.nodes {
            let offline = ctx.sim.faults(&node.name).offline;
            for storage in &STORAGES {
                let mut entry = json!({
                    "id": format!("storage/{}/{}", node.name, storage.id), "storage": storage.id,
                    "node": node.name, "type": "storage", "plugintype": storage.plugin,
                    "status": if offline { "unknown" } else { "available" },
                    "shared": 0, "content": storage.content,
                });
                if !offline {
                    merge(
                        &mut entry,
                        json!({"disk": storage.total / 5, "maxdisk": storage.total}),
                    );
                }
                list.push(entry);
            }
        }
    }
    Ok(Reply::data(Value::Array(list)))
}

fn merge(target: &mut Value, extra: Value) {
    if let (Some(target), Value::Object(extra)) = (target.as_object_mut(), extra) {
        target.extend(extra);
    }
}

const NEXT_ID: &[Field] = &[opt("vmid", Kind::Vmid)];

/// The id comes back as a string, as on every real PVE.
pub fn next_id(ctx: &Ctx) -> Result<Reply, ApiError> {
    ctx.params.check(NEXT_ID)?;
    let cluster = ctx.sim.cluster();
    match ctx.params.number::<u32>("vmid") {
        Some(vmid) if cluster.containers.contains_key(&vmid) => {
            Err(ApiError::param("vmid", format!("VM {vmid} already exists")))
        }
        Some(vmid) => Ok(Reply::data(json!(vmid.to_string()))),
        None => cluster
            .next_free_vmid()
            .map(|id| Reply::data(json!(id.to_string())))
            .ok_or_else(|| ApiError::fail("unable to get any free VMID in range [100, 1000000]")),
    }
}
