//! The scripts phase: each script piped to `sh -s` in the container, in order, its
//! output streamed line by line. A script that was running when its runner died is not
//! run again (it may have run partly): the job fails.

use model::job::Phase;

use super::guest::exit_words;
use super::progress::Progress;
use super::{Halt, JobRun};
use crate::jobs::events::NewEvent;
use crate::jobs::record;

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
                    Some(script.content.as_bytes()),
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
