//! `POST /nodes/{node}/lxc`: creating a container, with PVE's parameter checks, property
//! strings (`rootfs`, `netN`, `features`) and tag normalisation.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::super::params::{BOOL, COUNT, Field, Kind, TEXT, opt, req};
use super::super::{ApiError, Ctx, Reply};
use crate::model::STORAGES;
use crate::tasks::{self, TaskKind};

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
    opt("restore", BOOL),
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
pub(super) fn property_pairs(text: &str, default_key: &str) -> BTreeMap<String, String> {
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
pub(super) fn normalise_tags(tags: &str) -> String {
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
    if p.flag("restore") {
        return super::super::backups::restore(ctx, node);
    }
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
    if let Some(pool) = p.get("pool")
        && !cluster.pools.contains_key(pool)
    {
        return Err(ApiError::new(
            403,
            format!("Permission check failed (pool '{pool}' does not exist)"),
        ));
    }
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
        format!(
            "{},size={size_gib}G",
            crate::model::storage_of(&format!("{rootfs_storage}:")).map_or_else(
                || format!("{rootfs_storage}:vm-{vmid}-disk-0"),
                |s| s.volume(vmid, 0)
            )
        ),
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
                    Some("dhcp") => Some(cluster.guest_net.address_of(vmid).to_string()),
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
    if let Some(members) = p.get("pool").and_then(|pool| cluster.pools.get_mut(pool)) {
        members.insert(vmid);
    }
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
