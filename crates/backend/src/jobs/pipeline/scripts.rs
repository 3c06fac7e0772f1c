//! The scripts phase: each script piped to `sh -s` in the container, in order, its
//! output streamed line by line. A script that was running when its runner died is not
//! run again (it may have run partly): the job fails.
//!
//! Every script starts with the `CORRAL_*` variables (hostname, VMID, node, IP address)
//! and a `save_credential SERVICE KEY VALUE` function that keeps `KEY=VALUE` in
//! `/etc/corral/credentials/SERVICE` (mode 600), where discovery reads credentials.

use model::job::Phase;

use super::guest::exit_words;
use super::progress::Progress;
use super::{Halt, JobRun};
use crate::jobs::events::NewEvent;
use crate::jobs::record;
use crate::ssh;

impl JobRun<'_> {
    /// Runs the scripts in order with `sh`, each line of output logged as it comes.
    pub(super) async fn scripts(&mut self) -> Result<(), Halt> {
        let phase = Phase::Scripts;
        let total = self.spec.scripts.len();
        if total == 0 {
            return self.info(phase, 1.0, "No scripts.").await;
        }
        let done = record::count(self.job.scripts_done);
        let started = record::count(self.job.scripts_started);
        if started > done {
            let name = self.spec.scripts.get(done).map_or("?", |s| s.name.as_str());
            return Err(Halt::failed(
                phase,
                format!(
                    "the runner stopped while script {name} was running; it may have run partly, so it is not run again"
                ),
            ));
        }
        for index in done..total {
            self.stop_if_cancelled(phase).await?;
            let script = self.spec.scripts[index].clone();
            let content = format!("{}{}", self.script_preamble(), script.content);
            let fraction = index as f64 / total as f64;
            self.record(Progress::ScriptStarted(index + 1)).await?;
            self.event(
                NewEvent::info(
                    phase,
                    phase.percent(fraction),
                    format!("Running script {}.", script.name),
                )
                .script(&script.name),
            )
            .await?;
            let output = self
                .exec_in_container(
                    phase,
                    fraction,
                    Some(&script.name),
                    &["sh", "-s"],
                    Some(content.as_bytes()),
                )
                .await?;
            if !output.success() {
                self.record(Progress::ScriptFailed(index)).await?;
                return Err(Halt::failed(
                    phase,
                    format!("script {} failed ({})", script.name, exit_words(&output)),
                ));
            }
            self.record(Progress::ScriptsDone(index + 1)).await?;
            self.event(
                NewEvent::info(
                    phase,
                    phase.percent((index + 1) as f64 / total as f64),
                    format!("Script {} finished.", script.name),
                )
                .script(&script.name),
            )
            .await?;
        }
        Ok(())
    }
}

/// `save_credential SERVICE KEY VALUE`: service and key are plain words, the value one
/// line; an existing key is replaced.
const SAVE_CREDENTIAL: &str = r#"save_credential() {
  case "$1" in ''|.*|*[!A-Za-z0-9._-]*) echo "save_credential: bad service name: $1" >&2; return 2 ;; esac
  case "$2" in ''|*[!A-Za-z0-9_]*) echo "save_credential: bad key: $2" >&2; return 2 ;; esac
  case "$3" in *"
"*) echo "save_credential: the value must be one line" >&2; return 2 ;; esac
  ( umask 077
    mkdir -p /etc/corral/credentials && chmod 700 /etc/corral/credentials || exit 1
    file="/etc/corral/credentials/$1"
    { [ -f "$file" ] && grep -v "^$2=" "$file"; printf '%s=%s\n' "$2" "$3"; } > "$file.new" \
      && mv "$file.new" "$file" && chmod 600 "$file" )
}
"#;

impl JobRun<'_> {
    /// What every script starts with: the `CORRAL_*` variables and `save_credential`.
    fn script_preamble(&self) -> String {
        let quoted = |value: &str| ssh::quote(value).unwrap_or_else(|_| "''".to_owned());
        let variables = [
            ("CORRAL_HOSTNAME", self.spec.hostname.clone()),
            ("CORRAL_VMID", self.vmid.to_string()),
            ("CORRAL_NODE", self.pve_node.clone()),
            ("CORRAL_IP", self.address.clone().unwrap_or_default()),
        ];
        let mut text = String::new();
        for (name, value) in &variables {
            text.push_str(&format!("{name}={}; export {name}\n", quoted(value)));
        }
        text.push_str(SAVE_CREDENTIAL);
        text
    }
}
