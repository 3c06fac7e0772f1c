//! A container's root file system as its OS template leaves it: the directories and
//! symlinks of a merged-/usr distribution (its /usr comes from the host at run time),
//! `/etc` (os-release, hostname, hosts, resolv.conf, passwd, group), `/root`, the
//! credentials folder, and the modelled state (`/var/lib/pve-sim`: installed packages,
//! services, journal) with the base system's packages and services.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use super::tools::{ServiceDef, paths_of, service_of, version_of};
use crate::model::unix_now;

/// The distribution family, from the container's `ostype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Debian,
    Alpine,
    Rhel,
}

impl Family {
    pub fn of(ostype: &str) -> Family {
        match ostype {
            "alpine" => Family::Alpine,
            "centos" | "fedora" | "rocky" | "almalinux" => Family::Rhel,
            _ => Family::Debian,
        }
    }

    /// The family's name in the tools' tables (`versions.tsv`).
    fn key(self) -> &'static str {
        match self {
            Family::Debian => "debian",
            Family::Alpine => "alpine",
            Family::Rhel => "rhel",
        }
    }

    /// Packages of a fresh template.
    /// `/etc/group` as the distribution ships it (the groups scripts rely on).
    fn groups(self) -> &'static str {
        match self {
            Family::Debian => {
                "root:x:0:\ndaemon:x:1:\nadm:x:4:\nsudo:x:27:\nwww-data:x:33:\nstaff:x:50:\nusers:x:100:\nnogroup:x:65534:\n"
            }
            Family::Alpine => {
                "root:x:0:root\ndaemon:x:2:root,bin,daemon\nwheel:x:10:root\nwww-data:x:82:\nusers:x:100:\nnogroup:x:65533:\nnobody:x:65534:\n"
            }
            Family::Rhel => "root:x:0:\ndaemon:x:2:\nwheel:x:10:\nusers:x:100:\nnobody:x:65534:\n",
        }
    }

    fn base_packages(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Family::Debian => &[
                ("apt", "2.6.1"),
                ("base-files", "12.4+deb12u11"),
                ("bash", "5.2.15-2+b8"),
                ("ca-certificates", "20230311+deb12u1"),
                ("coreutils", "9.1-1"),
                ("cron", "3.0pl1-162"),
                ("dpkg", "1.21.22"),
                ("iproute2", "6.1.0-3"),
                ("openssh-server", "1:9.2p1-2+deb12u6"),
                ("procps", "2:4.0.2-3"),
                ("systemd", "252.38-1~deb12u1"),
            ],
            Family::Alpine => &[
                ("alpine-base", "3.22.1-r0"),
                ("apk-tools", "2.14.9-r2"),
                ("busybox", "1.37.0-r18"),
                ("musl", "1.2.5-r10"),
                ("openrc", "0.62.6-r0"),
                ("openssh", "10.0_p1-r7"),
            ],
            Family::Rhel => &[
                ("bash", "5.1.8-9.el9"),
                ("coreutils", "8.32-39.el9"),
                ("dnf", "4.14.0-25.el9"),
                ("openssh-server", "8.7p1-45.el9"),
                ("rpm", "4.16.1.3-37.el9"),
                ("systemd", "252-51.el9"),
            ],
        }
    }

    /// (service, process, listen specs, description) running in a fresh container.
    fn base_services(
        self,
    ) -> [(
        &'static str,
        &'static str,
        &'static [&'static str],
        &'static str,
    ); 2] {
        let (ssh, cron) = match self {
            Family::Debian => ("ssh", "cron"),
            Family::Alpine | Family::Rhel => ("sshd", "crond"),
        };
        [
            (ssh, "sshd", &["22"], "OpenBSD Secure Shell server"),
            (
                cron,
                cron,
                &[],
                "Regular background program processing daemon",
            ),
        ]
    }
}

/// Creates the OS template of `ostype` in `root` (which must not exist): everything of a
/// fresh container but its name (see [`personalize`]).
pub fn template(root: &Path, ostype: &str) -> io::Result<()> {
    let family = Family::of(ostype);
    for dir in [
        "usr/local/bin",
        "usr/local/sbin",
        "usr/local/lib/pve-sim",
        "usr/local/share",
        "proc",
        "dev",
        "run",
        "etc",
        "home",
        "opt",
        "srv",
        "mnt",
        "media",
        "var/log",
        "var/tmp",
        "var/cache",
        "var/lib/pve-sim",
    ] {
        fs::create_dir_all(root.join(dir))?;
    }
    for (dir, mode) in [
        ("tmp", 0o1777),
        ("root", 0o700),
        ("etc/corral/credentials", 0o700),
    ] {
        fs::create_dir_all(root.join(dir))?;
        fs::set_permissions(root.join(dir), fs::Permissions::from_mode(mode))?;
    }
    merged_usr_links(root)?;
    let files = [
        ("etc/os-release", os_release(ostype)),
        (
            "etc/resolv.conf",
            "# --- BEGIN PVE ---\nsearch lan\nnameserver 192.168.100.1\n# --- END PVE ---\n"
                .to_owned(),
        ),
        (
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n".to_owned(),
        ),
        (
            "etc/group",
            family.groups().to_owned(),
        ),
        ("etc/shadow", "root:*:20000:0:99999:7:::\n".to_owned()),
        ("etc/gshadow", "root:*::\n".to_owned()),
        (
            "etc/login.defs",
            "UID_MIN 1000\nUID_MAX 60000\nSYS_UID_MIN 100\nSYS_UID_MAX 999\nGID_MIN 1000\nGID_MAX 60000\nSYS_GID_MIN 100\nSYS_GID_MAX 999\nUSERGROUPS_ENAB yes\nUMASK 022\nHOME_MODE 0700\nENCRYPT_METHOD YESCRYPT\n".to_owned(),
        ),
        ("root/.bashrc", "# ~/.bashrc: executed by bash(1) for non-login shells.\n".to_owned()),
    ];
    for (path, content) in files {
        fs::write(root.join(path), content)?;
    }
    for secret in ["etc/shadow", "etc/gshadow"] {
        fs::set_permissions(root.join(secret), fs::Permissions::from_mode(0o640))?;
    }
    let mut packages = String::new();
    for (name, version) in family.base_packages() {
        let _ = writeln!(packages, "{name} {version}");
    }
    fs::write(root.join("var/lib/pve-sim/packages"), packages)?;
    for (name, process, ports, description) in family.base_services() {
        let ports: Vec<String> = ports.iter().map(|p| (*p).to_owned()).collect();
        add_service(root, family, name, process, &ports, description)?;
    }
    // su, runuser and login need PAM's configuration (the modules are the host's).
    for dir in ["/etc/pam.d", "/etc/security"] {
        if Path::new(dir).is_dir() {
            super::copy_tree(Path::new(dir), &root.join(&dir[1..]))?;
        }
    }
    Ok(())
}

/// Gives a copy of a template its host name (`/etc/hostname`, `/etc/hosts`).
pub fn personalize(root: &Path, hostname: &str) -> io::Result<()> {
    fs::write(root.join("etc/hostname"), format!("{hostname}\n"))?;
    fs::write(
        root.join("etc/hosts"),
        format!(
            "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{hostname}\n"
        ),
    )
}

/// The links of a merged-/usr system (`/bin` → `usr/bin` …), and the folder the host's
/// `/etc/alternatives` is bound on (read-only, so `awk` → `mawk` … resolve as on Debian).
pub fn merged_usr_links(root: &Path) -> io::Result<()> {
    for link in ["bin", "sbin", "lib", "lib64"] {
        symlink(format!("usr/{link}"), root.join(link))?;
    }
    fs::create_dir_all(root.join("etc/alternatives"))
}

/// Installs `package` as its package manager would, its service (if it ships one)
/// enabled and running.
pub fn install(root: &Path, ostype: &str, package: &str) -> io::Result<()> {
    let list = root.join("var/lib/pve-sim/packages");
    let mut packages = fs::read_to_string(&list).unwrap_or_default();
    if packages
        .lines()
        .any(|l| l.split(' ').next() == Some(package))
    {
        return Ok(());
    }
    let version = version_of(package, Family::of(ostype).key());
    let _ = writeln!(packages, "{package} {version}");
    fs::write(&list, packages)?;
    for dir in paths_of(package, Family::of(ostype).key()) {
        fs::create_dir_all(root.join(dir.trim_start_matches('/')))?;
    }
    if let Some(ServiceDef {
        name,
        process,
        ports,
        description,
        ..
    }) = service_of(package)
    {
        add_service(
            root,
            Family::of(ostype),
            &name,
            &process,
            &ports,
            &description,
        )?;
    }
    Ok(())
}

/// Writes a running, enabled service and its start-up lines (the journal; syslog's
/// `/var/log/messages` on Alpine, which has no journal).
fn add_service(
    root: &Path,
    family: Family,
    name: &str,
    process: &str,
    ports: &[String],
    description: &str,
) -> io::Result<()> {
    let state = root.join("var/lib/pve-sim");
    fs::create_dir_all(state.join("services"))?;
    fs::create_dir_all(state.join("journal"))?;
    let ports = ports.join(" ");
    let pid = 100 + name.bytes().map(u32::from).sum::<u32>() % 900;
    fs::write(
        state.join("services").join(name),
        format!(
            "DESCRIPTION={}\nPROCESS={}\nPORTS={}\nENABLED=enabled\nACTIVE=active\nPID={pid}\n",
            shell_quote(description),
            shell_quote(process),
            shell_quote(&ports)
        ),
    )?;
    let booted = unix_now().saturating_sub(600);
    if family == Family::Alpine {
        let hostname = fs::read_to_string(root.join("etc/hostname")).unwrap_or_default();
        let line = format!(
            "{} {} daemon.info {name}: Started {name} - {description}.\n",
            crate::guest_net::syslog_time(booted),
            Some(hostname.trim())
                .filter(|h| !h.is_empty())
                .unwrap_or("localhost")
        );
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("var/log/messages"))?;
        return io::Write::write_all(&mut file, line.as_bytes());
    }
    fs::write(
        state.join("journal").join(name),
        format!(
            "{booted}\tsystemd[1]\tStarting {name}.service - {description}...\n{booted}\tsystemd[1]\tStarted {name}.service - {description}.\n"
        ),
    )
}

/// `value` in single quotes, for the service files the tools source.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// The packages installed in the container rooted at `root`.
pub fn packages(root: &Path) -> Vec<String> {
    fs::read_to_string(root.join("var/lib/pve-sim/packages"))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split(' ').next())
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

fn os_release(ostype: &str) -> String {
    let (id, name, version, version_id, like) = match ostype {
        "ubuntu" => (
            "ubuntu",
            "Ubuntu",
            "24.04.3 LTS (Noble Numbat)",
            "24.04",
            "debian",
        ),
        "alpine" => ("alpine", "Alpine Linux", "3.22.1", "3.22.1", ""),
        "centos" | "rocky" => (
            "rocky",
            "Rocky Linux",
            "9.6 (Blue Onyx)",
            "9.6",
            "rhel centos fedora",
        ),
        "fedora" => ("fedora", "Fedora Linux", "42 (Container Image)", "42", ""),
        _ => ("debian", "Debian GNU/Linux", "12 (bookworm)", "12", ""),
    };
    let mut text = format!(
        "PRETTY_NAME=\"{name} {version}\"\nNAME=\"{name}\"\nVERSION_ID=\"{version_id}\"\nVERSION=\"{version}\"\nID={id}\n"
    );
    if !like.is_empty() {
        let _ = writeln!(text, "ID_LIKE=\"{like}\"");
    }
    text
}
