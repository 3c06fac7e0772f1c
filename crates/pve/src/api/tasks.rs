//! Tasks: list, status, log, stop.

use serde::Deserialize;

use crate::api::{self, segment};
use crate::client::Client;
use crate::error::PveError;
use crate::lenient;
use crate::params::Params;
use crate::upid::Upid;

/// Which tasks `GET /nodes/{node}/tasks` lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    /// Only running tasks (`source=active`) instead of finished ones.
    pub active: bool,
    pub vmid: Option<u32>,
    /// Worker type, e.g. `vzcreate`.
    pub typefilter: Option<String>,
    /// Only failed tasks.
    pub errors: bool,
    pub start: Option<u64>,
    pub limit: Option<u64>,
}

/// One entry of the task list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TaskEntry {
    pub upid: Upid,
    pub node: String,
    #[serde(rename = "type")]
    pub worker_type: String,
    #[serde(default)]
    pub id: String,
    pub user: String,
    #[serde(default)]
    pub tokenid: Option<String>,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub starttime: u64,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub endtime: Option<u64>,
    /// `RUNNING` for active tasks, else the exit status (`OK`, `WARNINGS: 1`, the error).
    #[serde(default)]
    pub status: Option<String>,
}

/// `GET /nodes/{node}/tasks/{upid}/status`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TaskStatus {
    pub upid: Upid,
    /// `running` or `stopped`.
    pub status: String,
    /// Present once stopped: `OK`, `WARNINGS: n`, or the error message.
    #[serde(default)]
    pub exitstatus: Option<String>,
    #[serde(rename = "type", default)]
    pub worker_type: String,
    #[serde(default)]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub starttime: u64,
}

impl TaskStatus {
    /// Whether the task has ended.
    pub fn is_stopped(&self) -> bool {
        self.status == "stopped"
    }
}

/// One task log line (`n` counts from 1).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LogLine {
    #[serde(deserialize_with = "lenient::u64")]
    pub n: u64,
    #[serde(default)]
    pub t: String,
}

/// A page of a task log and the number of lines the log holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPage {
    pub lines: Vec<LogLine>,
    pub total: u64,
}

fn task_path(upid: &Upid, tail: &str) -> Result<String, PveError> {
    // Always ask the node named inside the UPID.
    let node = api::node(&upid.node)?;
    Ok(format!(
        "/nodes/{node}/tasks/{}{tail}",
        segment(&upid.to_string())
    ))
}

impl Client {
    /// `GET /nodes/{node}/tasks`: finished tasks, or running ones with `filter.active`.
    pub async fn tasks(
        &self,
        node: &str,
        filter: &TaskFilter,
    ) -> Result<(Vec<TaskEntry>, u64), PveError> {
        let node = api::node(node)?;
        let params = Params::new()
            .opt_text("source", filter.active.then_some("active"))
            .opt_number("vmid", filter.vmid)
            .opt_text("typefilter", filter.typefilter.as_deref())
            .opt_flag("errors", filter.errors.then_some(true))
            .opt_number("start", filter.start)
            .opt_number("limit", filter.limit);
        let envelope = self
            .get::<Vec<TaskEntry>>(&format!("/nodes/{node}/tasks"), &params)
            .await?;
        let total = envelope.total.unwrap_or(envelope.data.len() as u64);
        Ok((envelope.data, total))
    }

    /// `GET …/tasks/{upid}/status`.
    pub async fn task_status(&self, upid: &Upid) -> Result<TaskStatus, PveError> {
        Ok(self
            .get(&task_path(upid, "/status")?, &Params::new())
            .await?
            .data)
    }

    /// `GET …/tasks/{upid}/log`: `limit` lines after skipping `start` (0 = no limit).
    pub async fn task_log(&self, upid: &Upid, start: u64, limit: u64) -> Result<LogPage, PveError> {
        let params = Params::new().number("start", start).number("limit", limit);
        let envelope = self
            .get::<Vec<LogLine>>(&task_path(upid, "/log")?, &params)
            .await?;
        let total = envelope.total.unwrap_or(envelope.data.len() as u64);
        Ok(LogPage {
            lines: envelope.data,
            total,
        })
    }

    /// `DELETE …/tasks/{upid}`: asks PVE to stop a running task.
    pub async fn task_stop(&self, upid: &Upid) -> Result<(), PveError> {
        let _: Option<serde_json::Value> = self
            .delete(&task_path(upid, "")?, &Params::new())
            .await?
            .data;
        Ok(())
    }
}
