//! `/nodes/{node}/lxc/{vmid}/snapshot…`.

use serde_json::{Value, json};

use super::params::{BOOL, Field, TEXT, opt, req};
use super::{ApiError, Ctx, Reply};
use crate::tasks::{self, TaskKind};

fn exists(ctx: &Ctx, node: &str, vmid: u32) -> Result<(), ApiError> {
    let cluster = ctx.sim.cluster();
    match cluster.containers.get(&vmid) {
        Some(ct) if ct.node == node => Ok(()),
        _ => Err(ApiError::fail(format!(
            "Configuration file 'nodes/{node}/lxc/{vmid}.conf' does not exist"
        ))),
    }
}

pub fn list(ctx: &Ctx, node: &str, vmid: u32) -> Result<Reply, ApiError> {
    ctx.params.check(&[])?;
    ctx.require(&format!("/vms/{vmid}"), "VM.Audit")?;
    exists(ctx, node, vmid)?;
    let cluster = ctx.sim.cluster();
    let ct = &cluster.containers[&vmid];
    let mut list: Vec<Value> = ct
        .snapshots
        .iter()
        .map(|s| {
            let description = if s.description.is_empty() {
                String::new()
            } else {
                format!("{}\n", s.description)
            };
            let mut entry =
                json!({"name": s.name, "snaptime": s.snaptime, "description": description});
            if let Some(parent) = &s.parent {
                entry["parent"] = json!(parent);
            }
            entry
        })
        .collect();
    let mut current = json!({"name": "current", "description": "You are here!", "running": u8::from(ct.running), "digest": ct.digest()});
    if let Some(parent) = ct.config.get("parent") {
        current["parent"] = json!(parent);
    }
    list.push(current);
    Ok(Reply::data(Value::Array(list)))
}

fn valid_name(name: &str) -> Result<(), ApiError> {
    let ok = name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::param(
            "snapname",
            "invalid format - invalid configuration ID",
        ))
    }
}

pub fn create(ctx: &Ctx, node: &str, vmid: u32) -> Result<Reply, ApiError> {
    const SCHEMA: &[Field] = &[req("snapname", TEXT), opt("description", TEXT)];
    ctx.params.check(SCHEMA)?;
    ctx.require(&format!("/vms/{vmid}"), "VM.Snapshot")?;
    let name = ctx.params.get("snapname").unwrap_or_default().to_owned();
    valid_name(&name)?;
    if name == "current" || name == "vzdump" {
        return Err(ApiError::fail(format!(
            "unable to use snapshot name '{name}' (reserved name)"
        )));
    }
    exists(ctx, node, vmid)?;
    let description = ctx.params.get("description").unwrap_or_default().to_owned();
    let upid = tasks::start(
        ctx,
        node,
        TaskKind::Snapshot {
            vmid,
            name,
            description,
        },
    );
    Ok(Reply::data(json!(upid)))
}

pub fn delete(ctx: &Ctx, node: &str, vmid: u32, name: &str) -> Result<Reply, ApiError> {
    const SCHEMA: &[Field] = &[opt("force", BOOL)];
    ctx.params.check(SCHEMA)?;
    ctx.require(&format!("/vms/{vmid}"), "VM.Snapshot")?;
    exists(ctx, node, vmid)?;
    let kind = TaskKind::DeleteSnapshot {
        vmid,
        name: name.to_owned(),
    };
    Ok(Reply::data(json!(tasks::start(ctx, node, kind))))
}

pub fn rollback(ctx: &Ctx, node: &str, vmid: u32, name: &str) -> Result<Reply, ApiError> {
    const SCHEMA: &[Field] = &[opt("start", BOOL)];
    ctx.params.check(SCHEMA)?;
    ctx.require(&format!("/vms/{vmid}"), "VM.Snapshot")?;
    exists(ctx, node, vmid)?;
    let kind = TaskKind::Rollback {
        vmid,
        name: name.to_owned(),
        start: ctx.params.flag("start"),
    };
    Ok(Reply::data(json!(tasks::start(ctx, node, kind))))
}
