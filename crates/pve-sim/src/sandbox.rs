//! Whether this machine can run the simulated nodes' shells: each command runs in a
//! bubblewrap sandbox (user, mount, PID and network namespaces), which needs the
//! `bwrap` program and unprivileged user namespaces. Without them the simulator still
//! serves its API, and refuses commands over SSH with [`probe`]'s reason.

use std::path::Path;

/// Runs `pct list` on `node` the way every SSH command runs; `Err` says why it cannot.
pub async fn probe(disk_root: &Path, node: &str) -> Result<(), String> {
    let output = tokio::process::Command::new("/usr/bin/bash")
        .arg(disk_root.join("tools/enter-node"))
        .arg(disk_root)
        .arg(node)
        .arg("pct list > /dev/null && echo ready")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await;
    let detail = match output {
        Ok(output) if output.status.success() && output.stdout == b"ready\n" => return Ok(()),
        Ok(output) => String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        Err(error) => error.to_string(),
    };
    Err(format!(
        "pve-sim: the simulated nodes cannot run commands: bubblewrap failed ({detail}). \
         Install the Debian package `bubblewrap` and allow unprivileged user namespaces \
         (sysctl kernel.unprivileged_userns_clone=1)."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_machine_that_cannot_sandbox_gets_a_clear_reason() {
        let reason = probe(Path::new("/nonexistent/pve-sim"), "pve")
            .await
            .expect_err("nothing can run from a missing folder");
        assert!(reason.contains("cannot run commands"), "{reason}");
        assert!(reason.contains("`bubblewrap`"), "{reason}");
    }
}
