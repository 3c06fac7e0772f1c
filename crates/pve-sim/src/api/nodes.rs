//! Per-node endpoints: status, storages and their content, appliances, network.

use serde_json::{Value, json};

use super::params::{BOOL, Field, Kind, TEXT, opt, req};
use super::{ApiError, Ctx, Reply};
use crate::model::{APPLIANCES, BRIDGES, GIB, MIB, STORAGES, unix_now};
use crate::tasks::{self, TaskKind};

pub fn status(ctx: &Ctx, node: &str) -> Result<Reply, ApiError> {
    ctx.params.check(&[])?;
    ctx.require(&format!("/nodes/{node}"), "Sys.Audit")?;
    let cluster = ctx.sim.cluster();
    let info = cluster
        .node(node)
        .cloned()
        .ok_or_else(|| ApiError::fail("no such node"))?;
    Ok(Reply::data(json!({
        "uptime": unix_now() - info.boot_time,
        "idle": 0,
        "loadavg": ["0.21", "0.34", "0.29"],
        "cpu": 0.031,
        "wait": 0.0012,
        "cpuinfo": {
            "user_hz": 100, "model": "AMD Ryzen 7 5800U with Radeon Graphics",
            "cpus": info.cpus, "sockets": 1, "cores": info.cpus / 2,
            "mhz": "1896.438", "hvm": "1", "flags": "fpu vme de pse", "vendor": "AuthenticAMD", "family": "25",
        },
        "memory": {"total": info.memory, "used": 6 * GIB, "free": info.memory - 6 * GIB, "available": info.memory - 5 * GIB},
        "swap": {"total": 8 * GIB, "used": 0, "free": 8 * GIB},
        "ksm": {"shared": 0},
        "rootfs": {"total": 100 * GIB, "used": 9 * GIB, "avail": 91 * GIB, "free": 91 * GIB},
        "kversion": "Linux 6.17.4-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.17.4-2 (2026-10-02T09:21Z) x86_64",
        "current-kernel": {"sysname": "Linux", "release": "6.17.4-2-pve", "version": "#1 SMP PREEMPT_DYNAMIC", "machine": "x86_64"},
        "boot-info": {"mode": "efi", "secureboot": 0},
        "pveversion": "pve-manager/9.1.6/71482d1833ded40a",
    })))
}

const STORAGE_LIST: &[Field] = &[
    opt("content", TEXT),
    opt("enabled", BOOL),
    opt("storage", TEXT),
    opt("target", TEXT),
    opt("format", BOOL),
];

pub fn storages(ctx: &Ctx) -> Result<Reply, ApiError> {
    ctx.params.check(STORAGE_LIST)?;
    if let Some(wanted) = ctx.params.get("storage")
        && !STORAGES.iter().any(|s| s.id == wanted)
    {
        return Err(ApiError::param("storage", "No such storage."));
    }
    let content_filter: Vec<&str> = ctx
        .params
        .get("content")
        .map(|c| c.split(',').collect())
        .unwrap_or_default();
    let list: Vec<Value> = STORAGES
        .iter()
        .filter(|s| ctx.params.get("storage").is_none_or(|w| w == s.id))
        .filter(|s| {
            content_filter.is_empty()
                || content_filter
                    .iter()
                    .any(|c| s.content.split(',').any(|own| own == *c))
        })
        .map(|s| {
            let used = s.total / 5;
            json!({
                "storage": s.id, "type": s.plugin, "content": s.content, "shared": 0,
                "enabled": 1, "active": 1, "total": s.total, "used": used, "avail": s.total - used,
                "used_fraction": used as f64 / s.total as f64,
            })
        })
        .collect();
    Ok(Reply::data(Value::Array(list)))
}

const CONTENT: &[Field] = &[
    opt(
        "content",
        Kind::OneOf(&[
            "images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import",
        ]),
    ),
    opt("vmid", Kind::Vmid),
];

pub fn storage_content(ctx: &Ctx, node: &str, storage: &str) -> Result<Reply, ApiError> {
    ctx.params.check(CONTENT)?;
    if !STORAGES.iter().any(|s| s.id == storage) {
        return Err(ApiError::fail(format!(
            "storage '{storage}' does not exist"
        )));
    }
    ctx.require(&format!("/storage/{storage}"), "Datastore.Audit")?;
    let wanted = ctx.params.get("content");
    let cluster = ctx.sim.cluster();
    let mut list = Vec::new();
    if storage == "local" && wanted.is_none_or(|w| w == "vztmpl") {
        for file in cluster.templates.get(node).into_iter().flatten() {
            let size = APPLIANCES
                .iter()
                .find(|a| a.template == *file)
                .map_or(100 * MIB, |a| a.size);
            let format = if file.ends_with(".tar.zst") {
                "tzst"
            } else if file.ends_with(".tar.xz") {
                "txz"
            } else {
                "tgz"
            };
            list.push(json!({
                "volid": format!("local:vztmpl/{file}"), "content": "vztmpl", "format": format,
                "size": size, "ctime": 1_760_000_000,
            }));
        }
    }
    if wanted.is_none_or(|w| w == "rootdir" || w == "images") {
        for ct in cluster.containers.values().filter(|ct| ct.node == node) {
            if ctx
                .params
                .number::<u32>("vmid")
                .is_some_and(|v| v != ct.vmid)
            {
                continue;
            }
            let Some(volume) = ct
                .config
                .get("rootfs")
                .and_then(|r| r.split(',').next())
                .filter(|v| v.starts_with(&format!("{storage}:")))
            else {
                continue;
            };
            // LVM reports ctime as a string.
            let ctime = if storage == "local-lvm" {
                json!("1761000000")
            } else {
                json!(1_761_000_000)
            };
            list.push(json!({
                "volid": volume, "content": "rootdir", "format": "raw", "size": ct.maxdisk(),
                "vmid": ct.vmid.to_string(), "ctime": ctime,
            }));
        }
    }
    if wanted.is_none_or(|w| w == "backup") {
        drop(cluster);
        list.extend(super::backups::content(ctx, node, storage));
    }
    Ok(Reply::data(Value::Array(list)))
}

pub fn appliances(ctx: &Ctx, _node: &str) -> Result<Reply, ApiError> {
    ctx.params.check(&[])?;
    let list: Vec<Value> = APPLIANCES
        .iter()
        .map(|a| {
            json!({
                "template": a.template, "package": a.package, "version": a.version, "type": "lxc",
                "os": a.os, "section": "system", "maintainer": "Proxmox Support Team <support@proxmox.com>",
                "architecture": "amd64", "headline": a.headline,
                "description": format!("{} container image.", a.headline),
                "location": format!("http://download.proxmox.com/images/system/{}", a.template),
                "infopage": "https://pve.proxmox.com/wiki/Linux_Container#pct_supported_distributions",
                "source": "http://download.proxmox.com/images",
                "md5sum": "00000000000000000000000000000000",
                "sha512sum": format!("{:0128x}", a.size),
            })
        })
        .collect();
    Ok(Reply::data(Value::Array(list)))
}

const DOWNLOAD: &[Field] = &[
    req("storage", TEXT),
    req("template", Kind::Text { max: 255 }),
];

pub fn download_appliance(ctx: &Ctx, node: &str) -> Result<Reply, ApiError> {
    ctx.params.check(DOWNLOAD)?;
    let storage = ctx.params.get("storage").unwrap_or_default();
    let template = ctx.params.get("template").unwrap_or_default();
    ctx.require(&format!("/storage/{storage}"), "Datastore.AllocateTemplate")?;
    let Some(appliance) = APPLIANCES.iter().find(|a| a.template == template) else {
        return Err(ApiError::param("template", "no such template"));
    };
    match STORAGES.iter().find(|s| s.id == storage) {
        None => {
            return Err(ApiError::fail(format!(
                "storage '{storage}' does not exist"
            )));
        }
        Some(s) if !s.content.split(',').any(|c| c == "vztmpl") => {
            return Err(ApiError::fail(format!(
                "storage '{storage}' does not support templates"
            )));
        }
        Some(_) => {}
    }
    let upid = tasks::start(
        ctx,
        node,
        TaskKind::Download {
            template: appliance.template.to_owned(),
            size: appliance.size,
        },
    );
    Ok(Reply::data(json!(upid)))
}

const NETWORK: &[Field] = &[opt(
    "type",
    Kind::OneOf(&[
        "bridge",
        "bond",
        "eth",
        "alias",
        "vlan",
        "fabric",
        "OVSBridge",
        "OVSBond",
        "OVSPort",
        "OVSIntPort",
        "vnet",
        "any_bridge",
        "any_local_bridge",
        "include_sdn",
    ]),
)];

pub fn network(ctx: &Ctx, _node: &str) -> Result<Reply, ApiError> {
    ctx.params.check(NETWORK)?;
    let only_bridges = matches!(
        ctx.params.get("type"),
        Some("bridge" | "any_bridge" | "any_local_bridge")
    );
    let mut list = Vec::new();
    for (index, (name, cidr)) in BRIDGES.iter().enumerate() {
        let mut entry = json!({
            "iface": name, "type": "bridge", "method": if cidr.is_empty() { "manual" } else { "static" },
            "method6": "manual", "families": ["inet"], "priority": 3 + index,
            "active": 1, "autostart": 1, "bridge_ports": if index == 0 { "eno1" } else { "" },
            "bridge_stp": "off", "bridge_fd": "0",
        });
        if !cidr.is_empty() {
            let (address, prefix) = cidr.split_once('/').unwrap_or((cidr, "24"));
            entry["cidr"] = json!(cidr);
            entry["address"] = json!(address);
            entry["netmask"] = json!(prefix);
            entry["gateway"] = json!("192.168.100.1");
        }
        if index == 1 {
            entry["bridge_vlan_aware"] = json!(1);
            entry["comments"] = json!("lab VLANs\n");
        }
        list.push(entry);
    }
    if !only_bridges {
        list.push(
            json!({"iface": "eno1", "type": "eth", "method": "manual", "method6": "manual",
                         "families": ["inet"], "priority": 2, "active": 1, "exists": 1}),
        );
    }
    Ok(Reply::data(Value::Array(list)))
}
