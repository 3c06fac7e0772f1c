//! The simulator's programs that run inside the sandboxes (`tools/` in this crate): the
//! node's `pct`, the container's modelled package and service managers, and the shared
//! sandbox setup. Written into the simulator's directory at start.

use std::fs;
use std::io;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use crate::config::Speed;

/// (path under `tools/`, content, executable).
const FILES: [(&str, &str, bool); 16] = [
    ("sandbox.sh", include_str!("../../tools/sandbox.sh"), false),
    ("enter-node", include_str!("../../tools/enter-node"), true),
    ("attach", include_str!("../../tools/attach"), true),
    ("receive", include_str!("../../tools/receive"), true),
    ("send", include_str!("../../tools/send"), true),
    ("services.tsv", SERVICES, false),
    ("versions.tsv", VERSIONS, false),
    ("node/pct", include_str!("../../tools/node/pct"), true),
    (
        "lib/common.sh",
        include_str!("../../tools/lib/common.sh"),
        false,
    ),
    (
        "lib/services.sh",
        include_str!("../../tools/lib/services.sh"),
        false,
    ),
    (
        "lib/packages.sh",
        include_str!("../../tools/lib/packages.sh"),
        false,
    ),
    ("lib/net.sh", include_str!("../../tools/lib/net.sh"), false),
    (
        "lib/apps.sh",
        include_str!("../../tools/lib/apps.sh"),
        false,
    ),
    ("users.tsv", include_str!("../../tools/users.tsv"), false),
    ("paths.tsv", PATHS, false),
    (
        "guest/pve-sim-tool",
        include_str!("../../tools/guest/pve-sim-tool"),
        true,
    ),
];

/// Packages that ship a service (tab-separated: package, service, process, ports,
/// description).
pub const SERVICES: &str = include_str!("../../tools/services.tsv");

/// Package versions per distribution family (tab-separated: package, family, version;
/// `*` for any other package).
const VERSIONS: &str = include_str!("../../tools/versions.tsv");

/// The version of `package` in the `family` (`debian`, `alpine`, `rhel`) repositories, as
/// the modelled package managers report it.
pub fn version_of(package: &str, family: &str) -> &'static str {
    let rows = VERSIONS.lines().filter_map(|line| {
        let mut fields = line.split('\t');
        match (fields.next(), fields.next(), fields.next()) {
            (Some(name), Some(f), Some(version)) if f == family => Some((name, version)),
            _ => None,
        }
    });
    let mut fallback = "1.0.2-1";
    for (name, version) in rows {
        if name == package {
            return version;
        }
        if name == "*" {
            fallback = version;
        }
    }
    fallback
}

/// The names the modelled guest tool answers to (it is on the container's PATH first).
pub const GUEST_TOOLS: [&str; 20] = [
    "apt-get",
    "apt",
    "dpkg",
    "dpkg-query",
    "apk",
    "dnf",
    "yum",
    "rpm",
    "pip",
    "pip3",
    "npm",
    "systemctl",
    "journalctl",
    "rc-service",
    "rc-update",
    "rc-status",
    "ss",
    "ip",
    "docker",
    "psql",
];

/// Writes the tools into `dir` (read-only inside every sandbox), with the speed factor
/// the modelled tools scale their pauses by and the way user ids are mapped
/// (`full` when `shifted`, see `tools/sandbox.sh`).
pub fn install(dir: &Path, speed: Speed, shifted: bool) -> io::Result<()> {
    for (path, content, executable) in FILES {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&target, content)?;
        let mode = if executable { 0o755 } else { 0o644 };
        fs::set_permissions(&target, fs::Permissions::from_mode(mode))?;
    }
    for name in GUEST_TOOLS {
        symlink("pve-sim-tool", dir.join("guest").join(name))?;
    }
    let factor = match speed {
        Speed::Instant => 0.0,
        Speed::Realistic => 1.0,
        Speed::Scaled(factor) => factor.max(0.0),
    };
    fs::write(dir.join("speed"), format!("{factor}\n"))?;
    fs::write(
        dir.join("idmap"),
        if shifted { "full\n" } else { "single\n" },
    )
}

/// One row of [`SERVICES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDef {
    pub package: String,
    pub name: String,
    pub process: String,
    /// Where it listens: `80` (every address) or `127.0.0.1:5432` (loopback only).
    pub ports: Vec<String>,
    pub description: String,
}

/// Folders packages ship (tab-separated: package, family or `*`, comma-separated folders).
const PATHS: &str = include_str!("../../tools/paths.tsv");

/// The folders `package` ships on `family` (`debian`, `alpine`, `rhel`).
pub fn paths_of(package: &str, family: &str) -> Vec<&'static str> {
    PATHS
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let (name, of, dirs) = (fields.next()?, fields.next()?, fields.next()?);
            (name == package && (of == "*" || of == family)).then_some(dirs)
        })
        .flat_map(|dirs| dirs.split(','))
        .collect()
}

/// The service `package` ships, if any.
pub fn service_of(package: &str) -> Option<ServiceDef> {
    SERVICES
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.split('\t').collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&package))
        .and_then(|fields| match fields.as_slice() {
            [package, name, process, ports, description] => Some(ServiceDef {
                package: (*package).to_owned(),
                name: (*name).to_owned(),
                process: (*process).to_owned(),
                ports: ports
                    .split(',')
                    .filter(|p| *p != "-" && !p.is_empty())
                    .map(str::to_owned)
                    .collect(),
                description: (*description).to_owned(),
            }),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_name_is_one_the_multi_call_program_answers_to() {
        let (_, dispatcher, _) = FILES
            .iter()
            .find(|(path, ..)| *path == "guest/pve-sim-tool")
            .unwrap_or_else(|| panic!("the guest tool is installed"));
        let labels: Vec<&str> = dispatcher
            .lines()
            .filter_map(|line| line.trim().split_once(')'))
            .flat_map(|(names, _)| names.split('|').map(str::trim))
            .collect();
        for name in GUEST_TOOLS {
            assert!(labels.contains(&name), "{name} has no case in pve-sim-tool");
        }
    }

    #[test]
    fn the_service_table_is_well_formed() {
        let nginx = service_of("nginx").unwrap_or_else(|| panic!("nginx ships a service"));
        assert_eq!(
            (nginx.name.as_str(), nginx.ports.as_slice()),
            ("nginx", &["80".to_owned()][..])
        );
        assert!(service_of("docker.io").is_some_and(|d| d.ports.is_empty()));
        assert!(service_of("curl").is_none());
        assert_eq!(version_of("nginx", "debian"), "1.22.1-9+deb12u2");
        assert_eq!(version_of("htop", "alpine"), "1.0.2-r0");
        for line in SERVICES.lines().filter(|l| !l.starts_with('#')) {
            assert_eq!(line.split('\t').count(), 5, "{line}");
        }
    }
}
