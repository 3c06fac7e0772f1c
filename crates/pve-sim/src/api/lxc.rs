//! `/nodes/{node}/lxc/…`: containers.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::params::{BOOL, COUNT, Field, Kind, TEXT, opt, req};
use super::{ApiError, Ctx, Reply};
use crate::model::{Ct, STORAGES};
use crate::tasks::{self, TaskKind};

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

fn missing(node: &str, vmid: u32) -> ApiError {
    ApiError::fail(format!(
        "Configuration file 'nodes/{node}/lxc/{vmid}.conf' does not exist"
    ))
}

/// The container, which must live on `node`.
fn container<'a>(
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

/// Every `net[n]` the create and config endpoints accept.
const NETS: [&str; 4] = ["net0", "net1", "net2", "net3"];

const CREATE: &[Field] = &[
    req("vmid", Kind::Vmid),
    req("ostemplate", Kind::Text { max: 255 }),
    opt("hostname", Kind::Text { max: 255 }),
    opt("password", TEXT),
    opt("ssh-public-keys", Kind::Text { max: 16384 }),
    opt("cores", Kind::Int { min: 1, max: 8192 }),
    opt("cpulimit", Kind::Number),
    opt(
        "cpuunits",
        Kind::Int {
            min: 0,
            max: 500_000,
        },
    ),
    opt(
        "memory",
        Kind::Int {
            min: 16,
            max: i64::MAX,
        },
    ),
    opt("swap", COUNT),
    opt("rootfs", TEXT),
    opt("storage", TEXT),
    opt("net0", TEXT),
    opt("net1", TEXT),
    opt("net2", TEXT),
    opt("net3", TEXT),
    opt("nameserver", TEXT),
    opt("searchdomain", TEXT),
    opt("unprivileged", BOOL),
    opt("features", TEXT),
    opt("start", BOOL),
    opt("onboot", BOOL),
    opt("protection", BOOL),
    opt("tags", TEXT),
    opt("description", Kind::Text { max: 8192 }),
    opt("pool", TEXT),
    opt("timezone", TEXT),
    opt("force", BOOL),
    opt("unique", BOOL),
    opt(
        "ostype",
        Kind::OneOf(&[
            "debian",
            "devuan",
            "ubuntu",
            "centos",
            "fedora",
            "opensuse",
            "archlinux",
            "alpine",
            "gentoo",
            "nixos",
            "unmanaged",
        ]),
    ),
    opt(
        "arch",
        Kind::OneOf(&["amd64", "i386", "arm64", "armhf", "riscv32", "riscv64"]),
    ),
];

fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Splits a property string into pairs (the first bare part under `default_key`).
fn property_pairs(text: &str, default_key: &str) -> BTreeMap<String, String> {
    text.split(',')
        .filter(|p| !p.is_empty())
        .map(|part| match part.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (default_key.to_owned(), part.to_owned()),
        })
        .collect()
}

/// Prints pairs PVE's way: `first` keys in order, then the rest alphabetically.
fn property_string(pairs: &BTreeMap<String, String>, first: &[&str]) -> String {
    let mut parts: Vec<String> = first
        .iter()
        .filter_map(|k| pairs.get(*k).map(|v| format!("{k}={v}")))
        .collect();
    parts.extend(
        pairs
            .iter()
            .filter(|(k, _)| !first.contains(&k.as_str()))
            .map(|(k, v)| format!("{k}={v}")),
    );
    parts.join(",")
}

/// PVE stores tags lower-cased, de-duplicated, sorted and `;`-joined.
fn normalise_tags(tags: &str) -> String {
    tags.split([';', ',', ' '])
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
        .join(";")
}

pub fn create(ctx: &Ctx, node: &str) -> Result<Reply, ApiError> {
    let p = &ctx.params;
    p.check(CREATE)?;
    let vmid: u32 = p.number("vmid").unwrap_or_default();
    ctx.require(&format!("/vms/{vmid}"), "VM.Allocate")?;
    let mut errors = BTreeMap::new();
    if p.get("hostname").is_some_and(|h| !is_dns_name(h)) {
        errors.insert(
            "hostname".to_owned(),
            "invalid format - value does not look like a valid DNS name".to_owned(),
        );
    }
    if p.get("password").is_some_and(|pw| pw.len() < 5) {
        errors.insert(
            "password".to_owned(),
            "value must be at least 5 characters long".to_owned(),
        );
    }
    if let Some(keys) = p.get("ssh-public-keys") {
        let valid = keys.lines().filter(|l| !l.trim().is_empty()).all(|line| {
            let mut words = line.split_whitespace();
            matches!(words.next(), Some(kind) if kind.starts_with("ssh-") || kind.starts_with("ecdsa-") || kind.starts_with("sk-"))
                && words.next().is_some()
        });
        if !valid {
            errors.insert(
                "ssh-public-keys".to_owned(),
                "unable to parse ssh public keys".to_owned(),
            );
        }
    }
    let default_storage = p.get("storage").unwrap_or("local");
    let (rootfs_storage, size_gib) = match p.get("rootfs") {
        Some(rootfs) => {
            let volume = property_pairs(rootfs, "volume")
                .remove("volume")
                .unwrap_or_default();
            match volume.split_once(':') {
                Some((storage, size)) => (storage.to_owned(), size.parse::<u32>().unwrap_or(4)),
                None => (
                    default_storage.to_owned(),
                    volume.parse::<u32>().unwrap_or(4),
                ),
            }
        }
        None => (default_storage.to_owned(), 4),
    };
    match STORAGES.iter().find(|s| s.id == rootfs_storage) {
        None => {
            errors.insert(
                "storage".to_owned(),
                format!("storage '{rootfs_storage}' does not exist"),
            );
        }
        Some(s) if !s.content.split(',').any(|c| c == "rootdir") => {
            errors.insert(
                "storage".to_owned(),
                format!("storage '{rootfs_storage}' does not support container directories"),
            );
        }
        Some(_) => {}
    }
    for net in NETS {
        if let Some(value) = p.get(net)
            && (!property_pairs(value, "name").contains_key("name")
                || value.split(',').any(|part| !part.contains('=')))
        {
            errors.insert(net.to_owned(), "invalid format - format error".to_owned());
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::params(errors));
    }
    if let Some(pool) = p.get("pool") {
        return Err(ApiError::new(
            403,
            format!("Permission check failed (pool '{pool}' does not exist)"),
        ));
    }
    let features = p
        .get("features")
        .map(|f| property_pairs(f, "nesting"))
        .unwrap_or_default();
    let unprivileged = p.get("unprivileged").is_none_or(|u| u == "1");
    let root_only = features.iter().any(|(k, v)| k != "nesting" && v != "0")
        || (!unprivileged && features.contains_key("nesting"));
    if root_only && ctx.caller.auth_id != "root@pam" {
        return Err(ApiError::new(
            403,
            "Permission check failed (changing feature flags (except nesting) is only allowed for root@pam)",
        ));
    }
    let ostemplate = p.get("ostemplate").unwrap_or_default().to_owned();
    let mut cluster = ctx.sim.cluster();
    if let Some(existing) = cluster.containers.get(&vmid) {
        return Err(ApiError::fail(format!(
            "CT {vmid} already exists on node '{}'",
            existing.node
        )));
    }

    let mut config = BTreeMap::new();
    config.insert(
        "arch".to_owned(),
        p.get("arch").unwrap_or("amd64").to_owned(),
    );
    let ostype = p.get("ostype").map(str::to_owned).unwrap_or_else(|| {
        let file = ostemplate.rsplit('/').next().unwrap_or_default();
        ["debian", "ubuntu", "alpine", "fedora", "archlinux"]
            .into_iter()
            .find(|os| file.starts_with(os))
            .unwrap_or(if file.starts_with("rocky") {
                "centos"
            } else {
                "unmanaged"
            })
            .to_owned()
    });
    config.insert("ostype".to_owned(), ostype);
    config.insert(
        "hostname".to_owned(),
        p.get("hostname")
            .map_or_else(|| format!("CT{vmid}"), str::to_owned),
    );
    config.insert(
        "memory".to_owned(),
        p.get("memory").unwrap_or("512").to_owned(),
    );
    config.insert("swap".to_owned(), p.get("swap").unwrap_or("512").to_owned());
    config.insert(
        "rootfs".to_owned(),
        format!("{rootfs_storage}:vm-{vmid}-disk-0,size={size_gib}G"),
    );
    config.insert(
        "unprivileged".to_owned(),
        if unprivileged { "1" } else { "0" }.to_owned(),
    );
    for key in [
        "cores",
        "cpulimit",
        "cpuunits",
        "nameserver",
        "searchdomain",
        "timezone",
    ] {
        if let Some(value) = p.get(key) {
            config.insert(key.to_owned(), value.to_owned());
        }
    }
    for key in ["onboot", "protection"] {
        if p.flag(key) {
            config.insert(key.to_owned(), "1".to_owned());
        }
    }
    if !features.is_empty() {
        config.insert("features".to_owned(), property_string(&features, &[]));
    }
    if let Some(tags) = p.get("tags").map(normalise_tags).filter(|t| !t.is_empty()) {
        config.insert("tags".to_owned(), tags);
    }
    if let Some(description) = p.get("description") {
        config.insert("description".to_owned(), format!("{description}\n"));
    }
    let mut address = None;
    for net in NETS {
        if let Some(value) = p.get(net) {
            let mut pairs = property_pairs(value, "name");
            if !pairs.contains_key("hwaddr") {
                let mac = cluster.random_mac();
                pairs.insert("hwaddr".to_owned(), mac);
            }
            pairs
                .entry("type".to_owned())
                .or_insert_with(|| "veth".to_owned());
            if net == "net0" {
                address = match pairs.get("ip").map(String::as_str) {
                    Some("dhcp") => Some(format!("192.168.100.{}", 10 + (vmid % 200))),
                    Some(cidr) if cidr.contains('/') => cidr.split('/').next().map(str::to_owned),
                    _ => None,
                };
            }
            config.insert(net.to_owned(), property_string(&pairs, &["name"]));
        }
    }
    let mut placeholder = cluster.new_container(vmid, node, "placeholder", false);
    placeholder.config = BTreeMap::from([("lock".to_owned(), "create".to_owned())]);
    placeholder.ip = address;
    cluster.containers.insert(vmid, placeholder);
    drop(cluster);
    let upid = tasks::start(
        ctx,
        node,
        TaskKind::Create {
            vmid,
            ostemplate,
            config,
            start: p.flag("start"),
        },
    );
    Ok(Reply::data(json!(upid)))
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

/// Keys PVE returns as JSON numbers, and those it returns as 0/1 integers.
const INTEGER_KEYS: [&str; 5] = ["cores", "memory", "swap", "cpuunits", "tty"];
const BOOLEAN_KEYS: [&str; 5] = [
    "onboot",
    "unprivileged",
    "protection",
    "template",
    "console",
];

fn typed_config(ct_config: &BTreeMap<String, String>) -> Value {
    let mut object = serde_json::Map::new();
    for (key, value) in ct_config {
        let typed = if INTEGER_KEYS.contains(&key.as_str()) || BOOLEAN_KEYS.contains(&key.as_str())
        {
            value
                .parse::<i64>()
                .map_or_else(|_| json!(value), |n| json!(n))
        } else {
            json!(value)
        };
        object.insert(key.clone(), typed);
    }
    object.insert(
        "digest".to_owned(),
        json!(crate::model::digest_of(ct_config)),
    );
    Value::Object(object)
}

const CONFIG: &[Field] = &[opt("current", BOOL), opt("snapshot", TEXT)];

pub fn config(ctx: &Ctx, node: &str, vmid: u32) -> Result<Reply, ApiError> {
    ctx.params.check(CONFIG)?;
    if ctx.params.get("current").is_some() && ctx.params.get("snapshot").is_some() {
        return Err(ApiError::param(
            "snapshot",
            "'current' and 'snapshot' are mutually exclusive",
        ));
    }
    ctx.require(&format!("/vms/{vmid}"), "VM.Audit")?;
    let cluster = ctx.sim.cluster();
    let ct = container(&cluster, node, vmid)?;
    match ctx.params.get("snapshot") {
        Some(name) => ct
            .snapshots
            .iter()
            .find(|s| s.name == name)
            .map(|s| Reply::data(typed_config(&s.config)))
            .ok_or_else(|| ApiError::fail(format!("snapshot '{name}' does not exist"))),
        None => Ok(Reply::data(typed_config(&ct.config))),
    }
}

/// Keys `PUT …/config` may set.
const CONFIG_KEYS: [&str; 17] = [
    "hostname",
    "cores",
    "cpulimit",
    "cpuunits",
    "memory",
    "swap",
    "net0",
    "net1",
    "net2",
    "net3",
    "nameserver",
    "searchdomain",
    "onboot",
    "protection",
    "tags",
    "description",
    "features",
];

pub fn update_config(ctx: &Ctx, node: &str, vmid: u32) -> Result<Reply, ApiError> {
    let p = &ctx.params;
    let mut schema: Vec<Field> = CONFIG_KEYS
        .iter()
        .map(|key| match *key {
            "cores" => opt(key, Kind::Int { min: 1, max: 8192 }),
            "memory" => opt(
                key,
                Kind::Int {
                    min: 16,
                    max: i64::MAX,
                },
            ),
            "swap" | "cpuunits" => opt(key, COUNT),
            "cpulimit" => opt(key, Kind::Number),
            "onboot" | "protection" => opt(key, BOOL),
            _ => opt(key, TEXT),
        })
        .collect();
    schema.extend([
        opt("delete", TEXT),
        opt("revert", TEXT),
        opt("digest", Kind::Text { max: 40 }),
    ]);
    p.check(&schema)?;
    ctx.require(&format!("/vms/{vmid}"), "VM.Config.Options")?;
    let mut cluster = ctx.sim.cluster();
    let ct = container(&cluster, node, vmid)?;
    if let Some(lock) = ct.lock() {
        return Err(ApiError::fail(format!("CT is locked ({lock})")));
    }
    if p.get("digest").is_some_and(|d| d != ct.digest()) {
        return Err(ApiError::fail(
            "detected modified configuration - file changed by other user? Try again.",
        ));
    }
    let deletes: Vec<&str> = p
        .get("delete")
        .map(|d| d.split(',').filter(|k| !k.is_empty()).collect())
        .unwrap_or_default();
    for key in &deletes {
        if !CONFIG_KEYS.contains(key) {
            return Err(ApiError::param("delete", format!("unknown option '{key}'")));
        }
        if p.get(key).is_some() {
            return Err(ApiError::param(
                "delete",
                format!("you can't use '-{key}' and -delete {key}' at the same time"),
            ));
        }
    }
    let changes: Vec<(String, String)> = p
        .iter()
        .filter(|(k, _)| !matches!(*k, "delete" | "revert" | "digest"))
        .map(|(k, v)| {
            (
                k.to_owned(),
                if k == "tags" {
                    normalise_tags(v)
                } else {
                    v.to_owned()
                },
            )
        })
        .collect();
    if changes.is_empty() && deletes.is_empty() {
        return Err(ApiError::fail("no options specified"));
    }
    let Some(ct) = cluster.containers.get_mut(&vmid) else {
        return Err(missing(node, vmid));
    };
    for key in deletes {
        ct.config.remove(key);
    }
    for (key, value) in changes {
        ct.config.insert(key, value);
    }
    Ok(Reply::data(Value::Null))
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

const RRD: &[Field] = &[
    req(
        "timeframe",
        Kind::OneOf(&["hour", "day", "week", "month", "year"]),
    ),
    opt("cf", Kind::OneOf(&["AVERAGE", "MAX"])),
];

pub fn rrddata(ctx: &Ctx, node: &str, vmid: u32) -> Result<Reply, ApiError> {
    ctx.params.check(RRD)?;
    ctx.require(&format!("/vms/{vmid}"), "VM.Audit")?;
    let cluster = ctx.sim.cluster();
    let ct = container(&cluster, node, vmid)?;
    let (step, count) = match ctx.params.get("timeframe").unwrap_or("hour") {
        "hour" => (60, 60),
        "day" => (60, 1440),
        "week" => (1800, 336),
        "month" => (1800, 1440),
        _ => (21_600, 1440),
    };
    let now = crate::model::unix_now() / step * step;
    let host_cpus = cluster.node(node).map_or(8, |n| n.cpus);
    let (maxcpu, maxmem, maxdisk) = (
        ct.cores(host_cpus) as f64,
        ct.maxmem() as f64,
        ct.maxdisk() as f64,
    );
    let uptime = ct.uptime();
    let samples: Vec<Value> = (0..count)
        .map(|i| {
            let time = now - (count - 1 - i) * step;
            let age = now - time;
            let mut sample = json!({"time": time, "maxcpu": maxcpu, "maxmem": maxmem, "maxdisk": maxdisk,
                                    "disk": maxdisk * (0.2 + 0.3 * ct.load)});
            if ct.running && age <= uptime {
                let wave = ((time as f64 / 600.0) + ct.load * 10.0).sin().abs();
                sample["cpu"] = json!((0.02 + 0.3 * ct.load * wave).min(1.0));
                sample["mem"] = json!(maxmem * (0.15 + 0.25 * ct.load + 0.05 * wave));
                sample["netin"] = json!(2_000.0 * (1.0 + ct.load) * (0.5 + wave));
                sample["netout"] = json!(900.0 * (1.0 + ct.load) * (0.5 + wave));
                sample["diskread"] = json!(4_000.0 * ct.load * wave);
                sample["diskwrite"] = json!(1_500.0 * ct.load * wave);
            }
            sample
        })
        .collect();
    Ok(Reply::data(Value::Array(samples)))
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
