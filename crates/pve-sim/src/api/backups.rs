//! Backups over the API: `POST /nodes/{node}/vzdump`, backup volumes in a storage's
//! content (listed, their notes and protection changed, removed), and
//! `POST /nodes/{node}/lxc` with `restore=1` (a backup volume as `ostemplate`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::params::{BOOL, Field, Kind, TEXT, opt, req};
use super::{ApiError, Ctx, Reply};
use crate::model::{STORAGES, StorageDef};
use crate::tasks::{self, ArchiveDef, BackupMode, TaskKind};

const VZDUMP: &[Field] = &[
    req("vmid", Kind::Vmid),
    req("storage", TEXT),
    opt("mode", Kind::OneOf(&["snapshot", "suspend", "stop"])),
    opt("compress", Kind::OneOf(&["0", "1", "gzip", "lzo", "zstd"])),
    opt("notes-template", Kind::Text { max: 1024 }),
    opt("protected", BOOL),
    opt("remove", BOOL),
];

fn backup_storage(id: &str) -> Result<&'static StorageDef, ApiError> {
    let storage = STORAGES
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::fail(format!("storage '{id}' does not exist")))?;
    if !storage.content.split(',').any(|c| c == "backup") {
        return Err(ApiError::fail(format!(
            "storage '{id}' does not support backups"
        )));
    }
    Ok(storage)
}

/// `POST /nodes/{node}/vzdump` for one container.
pub fn vzdump(ctx: &Ctx, node: &str) -> Result<Reply, ApiError> {
    let p = &ctx.params;
    p.check(VZDUMP)?;
    let vmid: u32 = p.number("vmid").unwrap_or_default();
    ctx.require(&format!("/vms/{vmid}"), "VM.Backup")?;
    let storage = backup_storage(p.get("storage").unwrap_or_default())?;
    ctx.require(
        &format!("/storage/{}", storage.id),
        "Datastore.AllocateSpace",
    )?;
    let hostname = {
        let cluster = ctx.sim.cluster();
        match cluster.containers.get(&vmid) {
            Some(ct) if ct.node == node => ct.name(),
            _ => return Err(ApiError::fail(format!("unable to find VM {vmid}"))),
        }
    };
    let notes = p.get("notes-template").map(|template| {
        template
            .replace("{{guestname}}", &hostname)
            .replace("{{vmid}}", &vmid.to_string())
            .replace("{{node}}", node)
            .replace("{{cluster}}", "pve-sim")
    });
    let kind = TaskKind::Vzdump {
        vmid,
        storage: storage.id.to_owned(),
        mode: p
            .get("mode")
            .and_then(BackupMode::parse)
            .unwrap_or(BackupMode::Snapshot),
        notes,
        protected: p.flag("protected"),
    };
    Ok(Reply::data(json!(tasks::start(ctx, node, kind))))
}

/// The backup entries of `storage`'s content on `node` (for `…/content`).
pub fn content(ctx: &Ctx, node: &str, storage: &str) -> Vec<Value> {
    let cluster = ctx.sim.cluster();
    cluster
        .archives
        .iter()
        .filter(|a| a.storage == storage && a.visible_on(node))
        .filter(|a| ctx.params.number::<u32>("vmid").is_none_or(|v| v == a.vmid))
        .map(|a| {
            let mut entry = json!({
                "volid": a.volid, "content": "backup", "format": "tar.zst", "size": a.size,
                "ctime": a.ctime, "vmid": a.vmid, "subtype": "lxc",
            });
            if !a.notes.is_empty() {
                entry["notes"] = json!(a.notes);
            }
            if a.protected {
                entry["protected"] = json!(1);
            }
            entry
        })
        .collect()
}

/// `storage` and `volume` (a volume id, or a name on `storage`) as a volume id.
fn volume_id(storage: &str, volume: &str) -> Result<String, ApiError> {
    match volume.split_once(':') {
        Some((sid, _)) if sid != storage => Err(ApiError::param(
            "volume",
            format!("storage ID mismatch ({sid} != {storage})"),
        )),
        Some(_) => Ok(volume.to_owned()),
        None => Ok(format!("{storage}:{volume}")),
    }
}

fn archive<'a>(
    archives: &'a mut [ArchiveDef],
    node: &str,
    volid: &str,
) -> Option<&'a mut ArchiveDef> {
    archives
        .iter_mut()
        .find(|a| a.volid == volid && a.visible_on(node))
}

/// `PUT /nodes/{node}/storage/{storage}/content/{volume}`: notes and protection.
pub fn update_volume(
    ctx: &Ctx,
    node: &str,
    storage: &str,
    volume: &str,
) -> Result<Reply, ApiError> {
    ctx.params.check(&[
        opt("notes", Kind::Text { max: 8192 }),
        opt("protected", BOOL),
    ])?;
    let volid = volume_id(storage, volume)?;
    ctx.require(&format!("/storage/{storage}"), "Datastore.Audit")?;
    let mut cluster = ctx.sim.cluster();
    let archive = archive(&mut cluster.archives, node, &volid)
        .ok_or_else(|| ApiError::fail(format!("volume '{volid}' does not exist")))?;
    if let Some(notes) = ctx.params.get("notes") {
        archive.notes = notes.to_owned();
    }
    if ctx.params.get("protected").is_some() {
        archive.protected = ctx.params.flag("protected");
    }
    Ok(Reply::data(Value::Null))
}

/// `DELETE /nodes/{node}/storage/{storage}/content/{volume}`: an `imgdel` task (which
/// fails for a protected backup).
pub fn delete_volume(
    ctx: &Ctx,
    node: &str,
    storage: &str,
    volume: &str,
) -> Result<Reply, ApiError> {
    ctx.params
        .check(&[opt("delay", Kind::Int { min: 1, max: 30 })])?;
    let volid = volume_id(storage, volume)?;
    let owner = {
        let mut cluster = ctx.sim.cluster();
        archive(&mut cluster.archives, node, &volid).map(|a| a.vmid)
    };
    match owner {
        Some(vmid) => {
            ctx.require(&format!("/storage/{storage}"), "Datastore.AllocateSpace")?;
            ctx.require(&format!("/vms/{vmid}"), "VM.Backup")?;
        }
        None => ctx.require(&format!("/storage/{storage}"), "Datastore.Allocate")?,
    }
    let kind = TaskKind::RemoveVolume {
        volid,
        storage: storage.to_owned(),
        owner,
    };
    Ok(Reply::data(json!(tasks::start(ctx, node, kind))))
}

/// `POST /nodes/{node}/lxc` with `restore=1`: `ostemplate` names the backup; `force`
/// replaces an existing, stopped container; `storage` takes the root disk.
pub fn restore(ctx: &Ctx, node: &str) -> Result<Reply, ApiError> {
    let p = &ctx.params;
    let vmid: u32 = p.number("vmid").unwrap_or_default();
    let volid = p.get("ostemplate").unwrap_or_default().to_owned();
    let storage = p.get("storage").unwrap_or("local").to_owned();
    match STORAGES.iter().find(|s| s.id == storage) {
        Some(s) if s.content.split(',').any(|c| c == "rootdir") => {}
        Some(_) => {
            return Err(ApiError::params(BTreeMap::from([(
                "storage".to_owned(),
                format!("storage '{storage}' does not support container directories"),
            )])));
        }
        None => {
            return Err(ApiError::fail(format!(
                "storage '{storage}' does not exist"
            )));
        }
    }
    let mut cluster = ctx.sim.cluster();
    if let Some(existing) = cluster.containers.get(&vmid) {
        if !p.flag("force") {
            return Err(ApiError::fail(format!(
                "CT {vmid} already exists on node '{}'",
                existing.node
            )));
        }
        if existing.running {
            return Err(ApiError::fail("can't overwrite running container"));
        }
        if let Some(lock) = existing.lock() {
            return Err(ApiError::fail(format!("CT is locked ({lock})")));
        }
        cluster.remove_container(vmid);
    }
    let mut placeholder = cluster.new_container(vmid, node, "placeholder", false);
    placeholder.config = BTreeMap::from([("lock".to_owned(), "create".to_owned())]);
    cluster.containers.insert(vmid, placeholder);
    drop(cluster);
    let kind = TaskKind::Restore {
        vmid,
        volid,
        storage,
        start: p.flag("start"),
    };
    Ok(Reply::data(json!(tasks::start(ctx, node, kind))))
}
