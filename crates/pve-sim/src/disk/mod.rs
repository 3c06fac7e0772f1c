//! The simulator's files on disk, in one temporary directory removed with the simulator:
//!
//! ```text
//! tools/                      the programs run inside the sandboxes (read-only there)
//! nodes/<node>/               each node's own root (/root, /tmp, /etc …)
//! state/<node>.containers     the node's containers as `pct` sees them
//! guests/<vmid>/rootfs/       each container's root file system
//! guests/<vmid>/snapshots/<name>/   a copy of it per snapshot
//! templates/<ostype>/         each OS template, made once, copied for a new container
//! ```

pub mod rootfs;
pub mod tools;

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::config::Speed;

/// A container's root as the node sees it when the simulator runs as root (Proxmox's
/// unprivileged containers start at the same id).
pub const GUEST_ROOT_ID: u32 = 100_000;

/// What a container's root file system is made of: its OS template, its name, and what
/// was installed and written on top. Made into files only when something needs them
/// ([`Disk::ensure`]), so a cluster of thousands starts at once.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub ostype: String,
    pub hostname: String,
    /// Installed as the package manager would, services running.
    pub packages: Vec<String>,
    /// (path inside, content).
    pub files: Vec<(String, String)>,
}

/// The simulator's directory. Dropping it removes everything in it.
#[derive(Debug)]
pub struct Disk {
    root: PathBuf,
    /// Containers whose files are not made yet.
    planned: std::collections::HashMap<u32, Plan>,
    /// Whether containers' files belong to [`GUEST_ROOT_ID`]… (the simulator runs as root
    /// and maps a whole id range into each container), or to the simulator's own user.
    shifted: bool,
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
        let shifted = std::os::unix::fs::MetadataExt::uid(&fs::metadata("/proc/self")?) == 0;
        let disk = Disk {
            root,
            planned: std::collections::HashMap::new(),
            shifted,
        };
        for dir in ["nodes", "state", "guests", "templates", "archives"] {
            fs::create_dir(disk.root.join(dir))?;
        }
        tools::install(&disk.root.join("tools"), speed, disk.shifted)?;
        Ok(disk)
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Whether containers map a whole id range (uid 0 inside is 100000 outside).
    pub fn shifted(&self) -> bool {
        self.shifted
    }

    /// Creates `node`'s own root: a Proxmox node's /etc, /root and /tmp.
    pub fn add_node(&self, node: &str) -> io::Result<()> {
        let root = self.root.join("nodes").join(node);
        // Mount points made here rather than by bubblewrap (which makes them 0700, and a
        // container's root must pass through them).
        for dir in [
            "usr/local/sbin",
            "usr/local/lib/pve-sim",
            "proc",
            "dev",
            "run/pve-sim",
            "var/lib/lxc",
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

    /// Whether `vmid`'s root file system exists as files (not only planned).
    pub fn is_made(&self, vmid: u32) -> bool {
        !self.planned.contains_key(&vmid) && self.rootfs(vmid).is_dir()
    }

    /// Gives `vmid` a fresh root file system made from `plan` (replacing any), once
    /// something needs it.
    pub fn plan(&mut self, vmid: u32, plan: Plan) -> io::Result<()> {
        self.remove(vmid)?;
        self.planned.insert(vmid, plan);
        Ok(())
    }

    /// Makes `vmid`'s planned root file system, if it is still only planned: a copy of
    /// its OS template, named, with the plan's packages and files, handed to the
    /// container's root user.
    pub fn ensure(&mut self, vmid: u32) -> io::Result<()> {
        let Some(plan) = self.planned.remove(&vmid) else {
            return Ok(());
        };
        fs::create_dir_all(self.guest(vmid).join("snapshots"))?;
        let root = self.rootfs(vmid);
        copy_tree(&self.template(&plan.ostype)?, &root)?;
        rootfs::personalize(&root, &plan.hostname)?;
        for package in &plan.packages {
            rootfs::install(&root, &plan.ostype, package)?;
        }
        for (path, content) in &plan.files {
            fs::write(root.join(path.trim_start_matches('/')), content)?;
        }
        if self.shifted {
            let owner = format!("{GUEST_ROOT_ID}:{GUEST_ROOT_ID}");
            let status = Command::new("chown")
                .arg("-hR")
                .arg(owner)
                .arg(&root)
                .status()?;
            if !status.success() {
                return Err(io::Error::other("chown of a new root file system failed"));
            }
        }
        Ok(())
    }

    /// The OS template of `ostype`, made the first time it is needed.
    fn template(&self, ostype: &str) -> io::Result<PathBuf> {
        let name: String = ostype
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        let path = self
            .root
            .join("templates")
            .join(if name.is_empty() { "debian" } else { &name });
        if !path.is_dir() {
            let building = path.with_extension(format!("{:x}", rand::random::<u32>()));
            rootfs::template(&building, ostype)?;
            fs::rename(&building, &path)?;
        }
        Ok(path)
    }

    /// Removes container `vmid`'s files, snapshots included.
    pub fn remove(&mut self, vmid: u32) -> io::Result<()> {
        self.planned.remove(&vmid);
        remove_tree(&self.guest(vmid))
    }

    fn snapshot_dir(&self, vmid: u32, name: &str) -> PathBuf {
        self.guest(vmid).join("snapshots").join(name)
    }

    /// Copies the root file system as snapshot `name`.
    pub fn snapshot(&mut self, vmid: u32, name: &str) -> io::Result<()> {
        self.ensure(vmid)?;
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

    fn archive_dir(&self, name: &str) -> PathBuf {
        self.root.join("archives").join(name)
    }

    /// Copies container `vmid`'s files as backup archive `name` (kept when the container
    /// goes).
    pub fn archive(&mut self, vmid: u32, name: &str) -> io::Result<()> {
        self.ensure(vmid)?;
        let target = self.archive_dir(name);
        remove_tree(&target)?;
        copy_tree(&self.rootfs(vmid), &target)
    }

    /// Makes archive `name`'s files container `vmid`'s root file system (replacing any).
    pub fn restore_archive(&mut self, vmid: u32, name: &str) -> io::Result<()> {
        let source = self.archive_dir(name);
        if !source.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "no files for that archive",
            ));
        }
        self.planned.remove(&vmid);
        remove_tree(&self.rootfs(vmid))?;
        fs::create_dir_all(self.guest(vmid).join("snapshots"))?;
        copy_tree(&source, &self.rootfs(vmid))
    }

    pub fn remove_archive(&self, name: &str) -> io::Result<()> {
        remove_tree(&self.archive_dir(name))
    }

    /// A file inside container `vmid`, never following a link out of its root.
    pub fn read_guest_file(&mut self, vmid: u32, path: &str) -> Option<Vec<u8>> {
        self.ensure(vmid).ok()?;
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
pub(super) fn copy_tree(source: &Path, target: &Path) -> io::Result<()> {
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
