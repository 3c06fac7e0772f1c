//! The processes of a container's commands, found on this machine: a `pct exec` runs in a
//! sandbox whose `bwrap` names the container's root (`/var/lib/lxc/<vmid>/rootfs`) and
//! descends from this simulator's node sandbox (whose command line names the
//! simulator's folder). Stopping a container ends them, as stopping a real one does.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

/// Kills the sandboxes of container `vmid`'s running commands; returns how many.
pub fn kill_container_commands(sim_root: &Path, vmid: u32) -> usize {
    let processes = list();
    let marker = format!("/var/lib/lxc/{vmid}/rootfs");
    let sim_root = sim_root.to_string_lossy();
    let mut killed = 0;
    for (&pid, (_, cmdline)) in &processes {
        let is_sandbox = cmdline.starts_with("bwrap") && cmdline.contains(&marker);
        if is_sandbox && descends_from(&processes, pid, &sim_root) {
            let _ = std::process::Command::new("kill")
                .arg("-KILL")
                .arg(pid.to_string())
                .status();
            killed += 1;
        }
    }
    killed
}

/// pid → (parent pid, command line with spaces between the arguments).
fn list() -> HashMap<u32, (u32, String)> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return HashMap::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = fs::read(entry.path().join("cmdline")).ok()?;
            let stat = fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (name) state ppid …`: the name may hold spaces and parentheses.
            let parent = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            Some((pid, (parent, cmdline)))
        })
        .collect()
}

/// Whether an ancestor of `pid` has `needle` in its command line.
fn descends_from(processes: &HashMap<u32, (u32, String)>, pid: u32, needle: &str) -> bool {
    let mut current = pid;
    for _ in 0..64 {
        let Some((parent, _)) = processes.get(&current) else {
            return false;
        };
        match processes.get(parent) {
            Some((_, cmdline)) if cmdline.contains(needle) => return true,
            Some(_) => current = *parent,
            None => return false,
        }
    }
    false
}
