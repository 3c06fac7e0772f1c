//! The files phase: each template file written into the container with `pct push`, its
//! content sent to the node on standard input (never on a command line), its directory
//! made first and its mode applied, honouring its policy: `replace` overwrites when the
//! content differs, `default` writes only when the file is missing, `backup` moves a
//! different old file to `name.backup-YYYYMMDD-HHMMSS` first. Each file's outcome is
//! logged. Running the phase again (a runner taking over) does no harm: a file already
//! written is unchanged.

use std::time::Duration;

use model::job::{Level, Phase};
use model::template::{FilePolicy, TemplateFile};
use sha2::{Digest, Sha256};

use super::{Halt, JobRun};
use crate::jobs::events::NewEvent;
use crate::ssh::ExecOutput;

/// How long one file's step may take.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// What the container holds at a file's target.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Found {
    Missing,
    /// A file whose SHA-256 is this (hex).
    File(String),
}

/// What was done with one file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Written,
    Replaced,
    Unchanged,
    Kept,
    BackedUp(String),
}

/// What the policy says to do, given what is there.
fn decide(policy: FilePolicy, found: &Found, wanted: &str) -> Decision {
    match (found, policy) {
        (Found::Missing, _) => Decision::Write(Outcome::Written),
        (Found::File(hash), _) if hash == wanted => Decision::Leave(Outcome::Unchanged),
        (Found::File(_), FilePolicy::Default) => Decision::Leave(Outcome::Kept),
        (Found::File(_), FilePolicy::Replace) => Decision::Write(Outcome::Replaced),
        (Found::File(_), FilePolicy::Backup) => Decision::BackUpThenWrite,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    Write(Outcome),
    Leave(Outcome),
    BackUpThenWrite,
}

fn sha256_hex(content: &[u8]) -> String {
    Sha256::digest(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `name.backup-YYYYMMDD-HHMMSS` in UTC, for `path`.
fn backup_path(path: &str, unix_seconds: u64) -> String {
    // `2026-12-01T18:05:09Z` → `20261201-180509`.
    let stamp: String = model::time::rfc3339(unix_seconds)
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .map(|c| if c == 'T' { '-' } else { c })
        .collect();
    format!("{path}.backup-{stamp}")
}

/// Reads the target's state: `missing`, or its SHA-256; a directory or device is an error.
const INSPECT: &str = "if [ -d \"$1\" ]; then echo directory; elif [ -e \"$1\" ]; then \
     sha256sum \"$1\" | cut -d ' ' -f 1; else echo missing; fi";

/// On the node: the content from standard input into a private temporary file, pushed
/// into the container with its mode, then removed.
const PUSH: &str = "umask 077; tmp=$(mktemp /tmp/corral-push.XXXXXX) || exit 1; \
     cat > \"$tmp\" && pct push \"$1\" \"$tmp\" \"$2\" --perms \"$3\"; status=$?; \
     rm -f \"$tmp\"; exit $status";

impl JobRun<'_> {
    /// Deploys the template's files.
    pub(super) async fn files(&self) -> Result<(), Halt> {
        let phase = Phase::Files;
        let total = self.spec.files.len();
        if total == 0 {
            return self.info(phase, 1.0, "No files to deploy.").await;
        }
        for (index, file) in self.spec.files.iter().enumerate() {
            self.stop_if_cancelled(phase).await?;
            let outcome = self.deploy(file).await?;
            let path = file.target_path();
            let message = match outcome {
                Outcome::Written => format!("{path}: written (new, mode {:04o}).", file.mode),
                Outcome::Replaced => format!("{path}: replaced (it differed)."),
                Outcome::Unchanged => format!("{path}: unchanged (same content)."),
                Outcome::Kept => format!("{path}: kept as it was (policy default)."),
                Outcome::BackedUp(backup) => {
                    format!("{path}: old file moved to {backup}, new one written.")
                }
            };
            let fraction = (index + 1) as f64 / total as f64;
            self.event(NewEvent::info(phase, phase.percent(fraction), message))
                .await?;
        }
        Ok(())
    }

    async fn deploy(&self, file: &TemplateFile) -> Result<Outcome, Halt> {
        let phase = Phase::Files;
        let path = file.target_path();
        let failed = |what: &str, output: &ExecOutput| {
            Halt::failed(
                phase,
                format!("{path}: {what} failed: {}", output.stderr.trim()),
            )
        };
        let made = self
            .in_container_quietly(&["mkdir", "-p", "--", &file.target_dir], None)
            .await?;
        if !made.success() {
            return Err(failed("making its directory", &made));
        }
        let inspected = self
            .in_container_quietly(&["sh", "-c", INSPECT, "sh", &path], None)
            .await?;
        let found = match inspected.stdout.trim() {
            "missing" => Found::Missing,
            "directory" => {
                return Err(Halt::failed(phase, format!("{path} is a directory")));
            }
            hash if inspected.success() && hash.len() == 64 => Found::File(hash.to_owned()),
            _ => return Err(failed("reading the file there", &inspected)),
        };
        let outcome = match decide(file.policy, &found, &sha256_hex(file.content.as_bytes())) {
            Decision::Leave(outcome) => return Ok(outcome),
            Decision::Write(outcome) => outcome,
            Decision::BackUpThenWrite => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let backup = backup_path(&path, now);
                let moved = self
                    .in_container_quietly(&["mv", "-f", "--", &path, &backup], None)
                    .await?;
                if !moved.success() {
                    return Err(failed("moving the old file away", &moved));
                }
                Outcome::BackedUp(backup)
            }
        };
        let vmid = self.vmid.to_string();
        let mode = format!("{:04o}", file.mode);
        let pushed = self
            .on_node_quietly(
                &["sh", "-c", PUSH, "sh", &vmid, &path, &mode],
                Some(file.content.as_bytes()),
            )
            .await?;
        if !pushed.success() {
            return Err(failed("pct push", &pushed));
        }
        Ok(outcome)
    }

    /// Runs `argv` on the node, its output not logged (it is only inspected).
    pub(super) async fn on_node_quietly(
        &self,
        argv: &[&str],
        stdin: Option<&[u8]>,
    ) -> Result<ExecOutput, Halt> {
        let phase = Phase::Files;
        let (line, session) = self.node_command(phase, argv).await?;
        session
            .exec(&line, stdin, STEP_TIMEOUT, |_, _| {})
            .await
            .map_err(|e| Halt::failed(phase, format!("{}: {e}", self.node_name)))
    }

    /// Runs `argv` in the container (`pct exec`), its output not logged.
    async fn in_container_quietly(
        &self,
        argv: &[&str],
        stdin: Option<&[u8]>,
    ) -> Result<ExecOutput, Halt> {
        let vmid = self.vmid.to_string();
        let mut words = vec!["pct", "exec", vmid.as_str(), "--"];
        words.extend_from_slice(argv);
        self.on_node_quietly(&words, stdin).await
    }

    /// A warning line in the log.
    pub(super) async fn warn(
        &self,
        phase: Phase,
        fraction: f64,
        message: String,
    ) -> Result<(), Halt> {
        self.event(NewEvent::info(phase, phase.percent(fraction), message).level(Level::Warn))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_decide_by_what_is_there() {
        let same = sha256_hex(b"x");
        let other = Found::File(sha256_hex(b"y"));
        use Decision::*;
        assert_eq!(
            decide(FilePolicy::Default, &Found::Missing, &same),
            Write(Outcome::Written)
        );
        assert_eq!(
            decide(FilePolicy::Default, &other, &same),
            Leave(Outcome::Kept)
        );
        assert_eq!(
            decide(FilePolicy::Replace, &other, &same),
            Write(Outcome::Replaced)
        );
        assert_eq!(decide(FilePolicy::Backup, &other, &same), BackUpThenWrite);
        let unchanged = Found::File(same.clone());
        for policy in [FilePolicy::Replace, FilePolicy::Default, FilePolicy::Backup] {
            assert_eq!(decide(policy, &unchanged, &same), Leave(Outcome::Unchanged));
        }
    }

    #[test]
    fn backups_are_named_by_utc_time() {
        // 2026-12-01 15:04:05 UTC.
        assert_eq!(
            backup_path("/etc/x.conf", 1_796_137_445),
            "/etc/x.conf.backup-20261201-150405"
        );
        assert_eq!(backup_path("/a", 0), "/a.backup-19700101-000000");
    }
}
