//! A small model of what runs inside a container, for `pct exec`: its OS, files, packages,
//! systemd units, listening ports and journal.

use std::collections::{BTreeMap, BTreeSet};

/// The package manager of a distribution family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    Apt,
    Apk,
    Dnf,
}

/// A running service: its unit, process and listening ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub unit: String,
    pub description: String,
    pub process: String,
    pub pid: u32,
    pub ports: Vec<u16>,
}

/// The inside of one container.
#[derive(Debug, Clone)]
pub struct Guest {
    /// `debian`, `ubuntu`, `alpine`, `centos`, …
    pub ostype: String,
    pub files: BTreeMap<String, Vec<u8>>,
    pub packages: BTreeSet<String>,
    pub services: Vec<Service>,
    /// Journal lines per unit.
    pub journal: BTreeMap<String, Vec<String>>,
}

/// Packages that bring a service along when installed.
const SERVICE_PACKAGES: [(&str, &str, &str, &str, u16); 6] = [
    (
        "nginx",
        "nginx.service",
        "A high performance web server and a reverse proxy server",
        "nginx",
        80,
    ),
    (
        "apache2",
        "apache2.service",
        "The Apache HTTP Server",
        "apache2",
        80,
    ),
    (
        "postgresql",
        "postgresql.service",
        "PostgreSQL RDBMS",
        "postgres",
        5432,
    ),
    (
        "redis-server",
        "redis-server.service",
        "Advanced key-value store",
        "redis-server",
        6379,
    ),
    (
        "grafana",
        "grafana-server.service",
        "Grafana instance",
        "grafana",
        3000,
    ),
    (
        "docker.io",
        "docker.service",
        "Docker Application Container Engine",
        "dockerd",
        2375,
    ),
];

impl Guest {
    /// A freshly created container of `ostype` with the base services running.
    pub fn new(ostype: &str, hostname: &str) -> Guest {
        let mut guest = Guest {
            ostype: ostype.to_owned(),
            files: BTreeMap::new(),
            packages: BTreeSet::new(),
            services: Vec::new(),
            journal: BTreeMap::new(),
        };
        guest
            .files
            .insert("/etc/os-release".into(), os_release(ostype).into_bytes());
        guest
            .files
            .insert("/etc/hostname".into(), format!("{hostname}\n").into_bytes());
        let (ssh_unit, ssh_process) = match guest.package_manager() {
            Some(PackageManager::Apk) => ("sshd.service", "sshd"),
            _ => ("ssh.service", "sshd"),
        };
        guest.add_service(
            ssh_unit,
            "OpenBSD Secure Shell server",
            ssh_process,
            110,
            vec![22],
        );
        guest.add_service(
            "cron.service",
            "Regular background program processing daemon",
            "cron",
            95,
            vec![],
        );
        guest
    }

    /// The package manager this OS uses, from `/etc/os-release`'s family.
    pub fn package_manager(&self) -> Option<PackageManager> {
        match self.ostype.as_str() {
            "debian" | "ubuntu" | "devuan" => Some(PackageManager::Apt),
            "alpine" => Some(PackageManager::Apk),
            "centos" | "fedora" | "rocky" => Some(PackageManager::Dnf),
            _ => None,
        }
    }

    fn add_service(
        &mut self,
        unit: &str,
        description: &str,
        process: &str,
        pid: u32,
        ports: Vec<u16>,
    ) {
        self.services.push(Service {
            unit: unit.into(),
            description: description.into(),
            process: process.into(),
            pid,
            ports,
        });
        self.journal.insert(
            unit.into(),
            vec![
                format!("Starting {unit} - {description}..."),
                format!("Started {unit} - {description}."),
            ],
        );
    }

    /// Records an installed package; a server package starts its service.
    pub fn install(&mut self, package: &str) {
        if !self.packages.insert(package.to_owned()) {
            return;
        }
        if let Some((_, unit, description, process, port)) =
            SERVICE_PACKAGES.iter().find(|(name, ..)| *name == package)
        {
            let pid = 200 + 17 * self.services.len() as u32;
            self.add_service(unit, description, process, pid, vec![*port]);
        }
    }
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
        text.push_str(&format!("ID_LIKE=\"{like}\"\n"));
    }
    text
}
