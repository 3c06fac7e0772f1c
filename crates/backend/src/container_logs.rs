//! A container's logs, read in the container like discovery (SSH to its node, `pct exec`,
//! every argument quoted by the one helper): `journalctl` where the container has a
//! journal, else the service's own log file or syslog's `/var/log/messages` (Alpine).
//! Only services discovery found may be asked for, so a name reaches the container only
//! after it was checked twice. [`follow`] streams new lines until the reader goes, the
//! container stops, or [`FOLLOW_LIMIT`] passes.

use std::time::Duration;

use model::ids::{NodeId, Vmid};
use model::logs::{LogQuery, LogView, syslog_line_of};
use model::service::ServiceKind;
use tokio::sync::mpsc;

use crate::Backend;
use crate::accounts::User;
use crate::error::{ServiceError, ServiceResult};
use crate::nodes;
use crate::ssh::{self, FollowEnd};

/// How long reading the last lines may take.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one follow lasts at most (the page offers to go on).
pub const FOLLOW_LIMIT: Duration = Duration::from_secs(30 * 60);
/// Lines waiting for a slow reader before the command is held back.
pub const FOLLOW_BUFFER: usize = 256;

/// Run with `sh -c SCRIPT logs UNIT LINES FOLLOW PATTERN`. The first line names the
/// source (`@@ journal`, `@@ /var/log/messages` …) or says why there is none (`@! …`).
const SCRIPT: &str = r#"
unit=$1 lines=$2 follow=$3 pattern=$4
if journalctl --version >/dev/null 2>&1; then
  echo '@@ journal'
  if [ "$follow" = 1 ]; then set -- -f -n 0; else set -- -n "$lines"; fi
  if [ -n "$unit" ]; then set -- -u "$unit" "$@"; fi
  exec journalctl "$@" --no-pager -o short-iso
fi
if [ -n "$unit" ]; then
  for file in "/var/log/$unit/$unit.log" "/var/log/$unit/error.log" "/var/log/$unit.log"; do
    if [ -f "$file" ]; then
      echo "@@ $file"
      if [ "$follow" = 1 ]; then exec tail -n 0 -F "$file"; fi
      exec tail -n "$lines" "$file"
    fi
  done
fi
if [ -f /var/log/messages ]; then
  echo '@@ /var/log/messages'
  if [ "$follow" = 1 ]; then exec tail -n 0 -F /var/log/messages; fi
  if [ -n "$unit" ]; then grep -E "$pattern" /var/log/messages | tail -n "$lines"; else tail -n "$lines" /var/log/messages; fi
  exit 0
fi
echo '@! it has no journal and no /var/log/messages'
"#;

/// Checks `query` against the user's container: the node is theirs, the unit one
/// discovery found. Returns the node's access and the services that have logs.
async fn prepare(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    query: &LogQuery,
) -> ServiceResult<(nodes::NodeAccess, Vec<String>)> {
    let (_, access) = nodes::access(backend, user, node_id).await?;
    let units: Vec<String> = crate::discovery::get(backend, user, node_id, vmid)
        .await?
        .map(|found| {
            found
                .services
                .into_iter()
                .filter(|s| matches!(s.kind, ServiceKind::Systemd | ServiceKind::Openrc))
                .map(|s| s.name)
                .collect()
        })
        .unwrap_or_default();
    if let Some(unit) = &query.unit
        && !units.contains(unit)
    {
        return Err(ServiceError::field(
            "unit",
            format!(
                "discovery found no service {unit} in this container (Refresh its services first)"
            ),
        ));
    }
    Ok((access, units))
}

/// The command line for `query`.
fn command_line(vmid: Vmid, query: &LogQuery, follow: bool) -> ServiceResult<String> {
    let vmid = vmid.to_string();
    let lines = query.lines.to_string();
    let unit = query.unit.clone().unwrap_or_default();
    let pattern = format!(
        "^.{{15}} [^ ]+ ([^ ]+ )?{}(\\[[0-9]+\\])?: ",
        unit.replace('.', "\\.")
    );
    let follow = if follow { "1" } else { "0" };
    ssh::command(&[
        "pct", "exec", &vmid, "--", "sh", "-c", SCRIPT, "logs", &unit, &lines, follow, &pattern,
    ])
    .map_err(|e| ServiceError::Internal(e.to_string()))
}

/// The last `query.lines` lines of the user's container's log.
pub async fn read(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    query: &LogQuery,
) -> ServiceResult<LogView> {
    let (access, units) = prepare(backend, user, node_id, vmid, query).await?;
    let line = command_line(vmid, query, false)?;
    let upstream = |message: String| ServiceError::Upstream {
        node: access.name.clone(),
        message,
    };
    let keep = query.lines as usize + 1;
    let mut lines: Vec<String> = Vec::new();
    let output = Box::pin(async {
        let session = backend.ssh.session(&access.ssh_target()).await?;
        session
            .exec(&line, None, READ_TIMEOUT, |stream, text| {
                if stream == ssh::Stream::Stdout && lines.len() < keep {
                    lines.push(text.to_owned());
                }
            })
            .await
    })
    .await
    .map_err(|e| upstream(e.to_string()))?;
    if !output.success() {
        let reason = output.stderr.lines().last().unwrap_or("no message").trim();
        return Err(upstream(format!("pct exec failed: {reason}")));
    }
    let mut lines = lines.into_iter();
    let source = match lines.next() {
        Some(first) if first.starts_with("@@ ") => first[3..].to_owned(),
        Some(first) if first.starts_with("@! ") => {
            return Err(upstream(format!("no log to read: {}", &first[3..])));
        }
        _ => return Err(upstream("the log could not be read".into())),
    };
    Ok(LogView {
        unit: query.unit.clone(),
        source,
        lines: lines.collect(),
        requested: query.lines,
        units,
    })
}

/// A follow checked like [`read`] (the node is the user's, the unit discovered), ready
/// to [`Follower::run`]: nothing has run in the container yet.
pub struct Follower {
    access: nodes::NodeAccess,
    command_line: String,
    unit: Option<String>,
}

/// Checks a follow of the user's container's log.
pub async fn follower(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    query: &LogQuery,
) -> ServiceResult<Follower> {
    let (access, _) = prepare(backend, user, node_id, vmid, query).await?;
    Ok(Follower {
        access,
        command_line: command_line(vmid, query, true)?,
        unit: query.unit.clone(),
    })
}

impl Follower {
    /// Sends each new line on `sink` until the receiver is dropped (the browser left),
    /// the command ends (the container stopped) or [`FOLLOW_LIMIT`] passes.
    pub async fn run(
        self,
        backend: &Backend,
        sink: mpsc::Sender<String>,
    ) -> ServiceResult<FollowEnd> {
        let Follower {
            access,
            command_line,
            unit,
        } = self;
        let upstream = |e: ssh::SshError| ServiceError::Upstream {
            node: access.name.clone(),
            message: e.to_string(),
        };
        let session = backend
            .ssh
            .session(&access.ssh_target())
            .await
            .map_err(upstream)?;
        relay(&session, &command_line, unit, sink)
            .await
            .map_err(upstream)
    }
}

/// Runs the follow command, passing its lines on (a syslog file's lines only when the
/// unit wrote them).
async fn relay(
    session: &ssh::SshSession,
    line: &str,
    unit: Option<String>,
    sink: mpsc::Sender<String>,
) -> Result<FollowEnd, ssh::SshError> {
    let (raw, mut received) = mpsc::channel::<String>(FOLLOW_BUFFER);
    // Syslog lines are shared by every service: keep the unit's own.
    let passing = async move {
        let mut syslog = false;
        loop {
            // A reader that left is noticed at once, not at the next line.
            let line = tokio::select! {
                line = received.recv() => line,
                () = sink.closed() => None,
            };
            let Some(line) = line else { return };
            if let Some(source) = line.strip_prefix("@@ ") {
                syslog = source == "/var/log/messages";
                continue;
            }
            let keep = match (&unit, syslog) {
                (Some(unit), true) => syslog_line_of(&line, unit),
                _ => true,
            };
            if keep && sink.send(line).await.is_err() {
                return;
            }
        }
    };
    let (end, ()) = tokio::join!(
        async {
            let end = session.follow(line, FOLLOW_LIMIT, &raw).await;
            drop(raw);
            end
        },
        passing
    );
    end
}
