//! `/nodes/{node}/tasks`: list, status, log, stop.

use serde_json::{Value, json};

use super::params::{BOOL, COUNT, Field, Kind, TEXT, opt};
use super::{ApiError, Ctx, Reply};
use crate::model::Task;

/// The `user`/`tokenid` split PVE makes for token tasks.
fn user_fields(task: &Task) -> (String, Option<String>) {
    match task.user.split_once('!') {
        Some((user, token)) => (user.to_owned(), Some(token.to_owned())),
        None => (task.user.clone(), None),
    }
}

fn describe(task: &Task) -> Value {
    let (user, tokenid) = user_fields(task);
    let mut entry = json!({
        "upid": task.upid, "node": task.node, "pid": task.pid, "pstart": task.pstart,
        "starttime": task.starttime, "type": task.kind, "id": task.id, "user": user,
    });
    if let Some(token) = tokenid {
        entry["tokenid"] = json!(token);
    }
    entry
}

/// The task named in the path, on the node named in the path.
fn find<'a>(tasks: &'a [Task], node: &str, upid: &str) -> Result<&'a Task, ApiError> {
    let parts: Vec<&str> = upid.split(':').collect();
    if parts.len() != 9 || parts[0] != "UPID" || !upid.ends_with(':') {
        return Err(ApiError::param("upid", "unable to parse worker upid"));
    }
    tasks
        .iter()
        .find(|t| t.upid == upid && t.node == node)
        .ok_or_else(|| ApiError::param("upid", "no such task"))
}

const LIST: &[Field] = &[
    opt("start", COUNT),
    opt("limit", COUNT),
    opt("vmid", Kind::Vmid),
    opt("typefilter", TEXT),
    opt("userfilter", TEXT),
    opt("errors", BOOL),
    opt("statusfilter", TEXT),
    opt("since", COUNT),
    opt("until", COUNT),
    opt("source", Kind::OneOf(&["archive", "active", "all"])),
];

pub fn list(ctx: &Ctx, node: &str) -> Result<Reply, ApiError> {
    let p = &ctx.params;
    p.check(LIST)?;
    let source = p.get("source").unwrap_or("archive");
    let cluster = ctx.sim.cluster();
    let mut tasks: Vec<&Task> = cluster
        .tasks
        .iter()
        .filter(|t| t.node == node)
        .filter(|t| match source {
            "active" => t.exit.is_none(),
            "archive" => t.exit.is_some(),
            _ => true,
        })
        .filter(|t| p.get("vmid").is_none_or(|v| t.id == v))
        .filter(|t| p.get("typefilter").is_none_or(|k| t.kind == k))
        .filter(|t| {
            p.get("userfilter")
                .is_none_or(|u| t.user.to_lowercase().contains(&u.to_lowercase()))
        })
        .filter(|t| {
            !p.flag("errors")
                || t.exit
                    .as_deref()
                    .is_some_and(|e| e != "OK" && !e.starts_with("WARNINGS"))
        })
        .collect();
    // Newest first: running by start, finished by end.
    tasks.sort_by_key(|t| std::cmp::Reverse((t.endtime.unwrap_or(u64::MAX), t.starttime)));
    let total = tasks.len() as u64;
    let page: Vec<Value> = p
        .page(tasks.into_iter())
        .map(|task| {
            let mut entry = describe(task);
            match (&task.exit, task.endtime) {
                (Some(exit), Some(end)) => {
                    entry["status"] = json!(exit);
                    entry["endtime"] = json!(end);
                }
                _ => entry["status"] = json!("RUNNING"),
            }
            entry
        })
        .collect();
    Ok(Reply {
        data: Value::Array(page),
        total: Some(total),
    })
}

pub fn status(ctx: &Ctx, node: &str, upid: &str) -> Result<Reply, ApiError> {
    ctx.params.check(&[])?;
    let cluster = ctx.sim.cluster();
    let task = find(&cluster.tasks, node, upid)?;
    let mut entry = describe(task);
    match &task.exit {
        Some(exit) => {
            entry["status"] = json!("stopped");
            entry["exitstatus"] = json!(exit);
        }
        None => entry["status"] = json!("running"),
    }
    Ok(Reply::data(entry))
}

const LOG: &[Field] = &[
    opt("start", COUNT),
    opt("limit", COUNT),
    opt("download", BOOL),
];

pub fn log(ctx: &Ctx, node: &str, upid: &str) -> Result<Reply, ApiError> {
    ctx.params.check(LOG)?;
    let cluster = ctx.sim.cluster();
    let task = find(&cluster.tasks, node, upid)?;
    if task.log.is_empty() {
        return Ok(Reply {
            data: json!([{"n": 1, "t": "no content"}]),
            total: Some(1),
        });
    }
    let lines: Vec<Value> = ctx
        .params
        .page(task.log.iter().enumerate())
        .map(|(i, t)| json!({"n": i + 1, "t": t}))
        .collect();
    Ok(Reply {
        data: Value::Array(lines),
        total: Some(task.log.len() as u64),
    })
}

pub fn stop(ctx: &Ctx, node: &str, upid: &str) -> Result<Reply, ApiError> {
    ctx.params.check(&[])?;
    let mut cluster = ctx.sim.cluster();
    find(&cluster.tasks, node, upid)?;
    if let Some(task) = cluster.task_mut(upid) {
        task.interrupted = true;
    }
    Ok(Reply::data(Value::Null))
}
