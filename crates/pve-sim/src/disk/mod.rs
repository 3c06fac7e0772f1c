//! The simulator's files on disk, in one temporary directory removed with the simulator:
//!
//! ```text
//! tools/                      the programs run inside the sandboxes (read-only there)
//! nodes/<node>/               each node's own root (/root, /tmp, /etc …)
//! state/<node>.containers     the node's containers as `pct` sees them
//! guests/<vmid>/rootfs/       each container's root file system
//! guests/<vmid>/snapshots/<name>/   a copy of it per snapshot
//! ```

pub mod rootfs;
pub mod tools;

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::config::Speed;

/// The simulator's directory. Dropping it removes everything in it.
#[derive(Debug)]
pub struct Disk {
    root: PathBuf,
}

/// One line of `state/<node>.containers`: what `pct` needs to know of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PctEntry {
    pub vmid: u32,
    pub running: bool,
    pub lock: Option<String>,
    pub name: String,
    pub ip: Option<String>,
    pub mac: Option<String>,
}

impl Disk {
    /// A fresh directory under the system's temporary directory, with the tools.
    pub fn create(speed: Speed) -> io::Result<Disk> {
        remove_abandoned();
        let root = std::env::temp_dir().join(format!(
            "pve-sim-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        fs::create_dir(&root)?;
        let disk = Disk { root };
        for dir in ["nodes", "state", "guests"] {
            fs::create_dir(disk.root.join(dir))?;
        }
        tools::install(&disk.root.join("tools"), speed)?;
        Ok(disk)
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Creates `node`'s own root: a Proxmox node's /etc, /root and /tmp.
    pub fn add_node(&self, node: &str) -> io::Result<()> {
        let root = self.root.join("nodes").join(node);
        for dir in [
            "usr",
            "proc",
            "dev",
            "run",
            "etc/pve/lxc",
            "var/lib/vz/template/cache",
            "var/tmp",
        ] {
            fs::create_dir_all(root.join(dir))?;
        }
        for (dir, mode) in [("tmp", 0o1777), ("root", 0o700)] {
            fs::create_dir_all(root.join(dir))?;
            fs::set_permissions(
                root.join(dir),
                std::os::unix::fs::PermissionsExt::from_mode(mode),
            )?;
        }
        rootfs::merged_usr_links(&root)?;
        fs::write(root.join("etc/hostname"), format!("{node}\n"))?;
        fs::write(
            root.join("etc/os-release"),
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n",
        )?;
        fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n")?;
        fs::write(root.join("etc/group"), "root:x:0:\n")?;
        self.publish(node, &[])
    }

    /// Tells `pct` on `node` which containers it has (atomically replaced).
    pub fn publish(&self, node: &str, containers: &[PctEntry]) -> io::Result<()> {
        let mut text = String::new();
        for ct in containers {
            let _ = writeln!(
                text,
                "{} {} {} {} {} {}",
                ct.vmid,
                if ct.running { "running" } else { "stopped" },
                ct.lock.as_deref().unwrap_or("-"),
                ct.name,
                ct.ip.as_deref().unwrap_or("-"),
                ct.mac.as_deref().unwrap_or("-"),
            );
        }
        let target = self.root.join("state").join(format!("{node}.containers"));
        let temporary = target.with_extension(format!("{:x}", rand::random::<u32>()));
        fs::write(&temporary, text)?;
        fs::rename(temporary, target)
    }

    fn guest(&self, vmid: u32) -> PathBuf {
        self.root.join("guests").join(vmid.to_string())
    }

    /// Container `vmid`'s root file system.
    pub fn rootfs(&self, vmid: u32) -> PathBuf {
        self.guest(vmid).join("rootfs")
    }

    /// A fresh root file system for `vmid` from the `ostype` template (replacing any).
    pub fn create_rootfs(&self, vmid: u32, ostype: &str, hostname: &str) -> io::Result<()> {
        self.remove(vmid)?;
        fs::create_dir_all(self.guest(vmid).join("snapshots"))?;
        rootfs::create(&self.rootfs(vmid), ostype, hostname)
    }

    /// Removes container `vmid`'s files, snapshots included.
    pub fn remove(&self, vmid: u32) -> io::Result<()> {
        remove_tree(&self.guest(vmid))
    }

    fn snapshot_dir(&self, vmid: u32, name: &str) -> PathBuf {
        self.guest(vmid).join("snapshots").join(name)
    }

    /// Copies the root file system as snapshot `name`.
    pub fn snapshot(&self, vmid: u32, name: &str) -> io::Result<()> {
        let target = self.snapshot_dir(vmid, name);
        remove_tree(&target)?;
        copy_tree(&self.rootfs(vmid), &target)
    }

    /// Replaces the root file system by snapshot `name`'s copy.
    pub fn rollback(&self, vmid: u32, name: &str) -> io::Result<()> {
        let source = self.snapshot_dir(vmid, name);
        if !source.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "no copy of that snapshot",
            ));
        }
        remove_tree(&self.rootfs(vmid))?;
        copy_tree(&source, &self.rootfs(vmid))
    }

    pub fn delete_snapshot(&self, vmid: u32, name: &str) -> io::Result<()> {
        remove_tree(&self.snapshot_dir(vmid, name))
    }

    /// A file inside container `vmid`, never following a link out of its root.
    pub fn read_guest_file(&self, vmid: u32, path: &str) -> Option<Vec<u8>> {
        let root = self.rootfs(vmid).canonicalize().ok()?;
        let file = root
            .join(path.trim_start_matches('/'))
            .canonicalize()
            .ok()?;
        if file.starts_with(&root) {
            fs::read(file).ok()
        } else {
            None
        }
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        let _ = remove_tree(&self.root);
    }
}

/// Removes the folders of simulators whose process is gone (killed before cleaning up).
fn remove_abandoned() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("pve-sim-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = remove_tree(&entry.path());
        }
    }
}

/// `rm -rf` that also copes with folders a guest made unreadable (`chmod 000`).
fn remove_tree(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error),
        Ok(_) => {}
    }
    if fs::remove_dir_all(path).is_ok() {
        return Ok(());
    }
    let _ = Command::new("chmod")
        .arg("-R")
        .arg("u+rwx")
        .arg(path)
        .status();
    fs::remove_dir_all(path)
}

/// `cp -a`: modes, links and times kept.
fn copy_tree(source: &Path, target: &Path) -> io::Result<()> {
    let status = Command::new("cp")
        .arg("-a")
        .arg(source)
        .arg(target)
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "cp -a {} failed",
            source.display()
        )))
    }
}
