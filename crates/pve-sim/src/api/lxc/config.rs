//! `GET` and `PUT /nodes/{node}/lxc/{vmid}/config`: a container's configuration as PVE
//! types it, and changes guarded by the config digest.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::super::params::{BOOL, COUNT, Field, Kind, TEXT, opt};
use super::super::{ApiError, Ctx, Reply};
use super::create::normalise_tags;
use super::{container, missing};

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
        // Pending changes are merged in unless the current values are asked for.
        None if ctx.params.flag("current") => Ok(Reply::data(typed_config(&ct.config))),
        None => {
            let mut merged = ct.config.clone();
            for (key, value) in &ct.pending {
                match value {
                    Some(value) => merged.insert(key.clone(), value.clone()),
                    None => merged.remove(key),
                };
            }
            let mut typed = typed_config(&merged);
            // The digest is the file's, pending section and all.
            typed["digest"] = json!(ct.digest());
            Ok(Reply::data(typed))
        }
    }
}

/// Keys a running container cannot take at once: they wait for its next start.
const NOT_HOT: [&str; 3] = ["features", "nameserver", "searchdomain"];

/// `GET …/pending`: each key with its value now and, when one waits, the change.
pub fn pending(ctx: &Ctx, node: &str, vmid: u32) -> Result<Reply, ApiError> {
    ctx.params.check(&[])?;
    ctx.require(&format!("/vms/{vmid}"), "VM.Audit")?;
    let cluster = ctx.sim.cluster();
    let ct = container(&cluster, node, vmid)?;
    let mut keys: Vec<&String> = ct.config.keys().chain(ct.pending.keys()).collect();
    keys.sort();
    keys.dedup();
    let list: Vec<Value> = keys
        .into_iter()
        .filter(|key| key.as_str() != "lock")
        .map(|key| {
            let mut entry = json!({ "key": key });
            if let Some(value) = ct.config.get(key) {
                entry["value"] = json!(value);
            }
            match ct.pending.get(key) {
                Some(Some(value)) => entry["pending"] = json!(value),
                Some(None) => entry["delete"] = json!(1),
                None => {}
            }
            entry
        })
        .collect();
    Ok(Reply::data(Value::Array(list)))
}

/// Keys `PUT …/config` may set.
const CONFIG_KEYS: [&str; 18] = [
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
    "startup",
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
    let waits = |key: &str| ct.running && NOT_HOT.contains(&key);
    for key in deletes {
        if waits(key) {
            ct.pending.insert(key.to_owned(), None);
        } else {
            ct.config.remove(key);
        }
    }
    for (key, value) in changes {
        if waits(&key) {
            ct.pending.insert(key, Some(value));
        } else {
            ct.pending.remove(&key);
            ct.config.insert(key, value);
        }
    }
    Ok(Reply::data(Value::Null))
}

const RESIZE: &[Field] = &[
    super::super::params::req("disk", Kind::Text { max: 8 }),
    super::super::params::req("size", Kind::Text { max: 32 }),
    opt("digest", Kind::Text { max: 40 }),
];

/// `PUT …/resize`: grows a disk (`size` `12G`, or `+2G` to add; no unit is bytes) in a
/// `resize` task. Shrinking is refused before the task, as Proxmox does; the same size is
/// no task at all (`null`).
pub fn resize(ctx: &Ctx, node: &str, vmid: u32) -> Result<Reply, ApiError> {
    let p = &ctx.params;
    p.check(RESIZE)?;
    ctx.require(&format!("/vms/{vmid}"), "VM.Config.Disk")?;
    let disk = p.get("disk").unwrap_or_default().to_owned();
    let mount_point = disk
        .strip_prefix("mp")
        .is_some_and(|n| n.parse::<u8>().is_ok());
    if disk != "rootfs" && !mount_point {
        return Err(ApiError::param(
            "disk",
            format!(
                "value '{disk}' does not have a value in the enumeration 'rootfs, mp0, mp1, …'"
            ),
        ));
    }
    let text = p.get("size").unwrap_or_default();
    let (relative, amount) = match text.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let bytes = if amount.chars().all(|c| c.is_ascii_digit()) {
        amount.parse::<u64>().ok()
    } else {
        crate::model::parse_size(amount)
    }
    .ok_or_else(|| ApiError::param("size", "value does not match the regex pattern"))?;
    let cluster = ctx.sim.cluster();
    let ct = container(&cluster, node, vmid)?;
    if let Some(lock) = ct.lock() {
        return Err(ApiError::fail(format!("CT is locked ({lock})")));
    }
    if p.get("digest").is_some_and(|d| d != ct.digest()) {
        return Err(ApiError::fail(
            "detected modified configuration - file changed by other user? Try again.",
        ));
    }
    let Some(volume) = ct.config.get(&disk) else {
        return Err(ApiError::fail(format!("disk '{disk}' does not exist")));
    };
    let current = volume
        .split(',')
        .find_map(|part| part.strip_prefix("size="))
        .and_then(crate::model::parse_size)
        .unwrap_or(0);
    let wanted = if relative { current + bytes } else { bytes };
    if wanted < current {
        return Err(ApiError::fail("unable to shrink disk size"));
    }
    if wanted == current {
        return Ok(Reply::data(Value::Null));
    }
    drop(cluster);
    let kind = crate::tasks::TaskKind::Resize {
        vmid,
        disk,
        bytes: wanted,
    };
    Ok(Reply::data(json!(crate::tasks::start(ctx, node, kind))))
}
