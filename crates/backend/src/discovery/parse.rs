//! Reading a container's services from one command's output: the probe script prints
//! sections (systemd units with their main PIDs, OpenRC services, listening TCP sockets
//! with their processes, Docker containers, credential files), each parsed here into
//! services with their ports. What a container lacks (no systemd, no `ss`) becomes a
//! note, not an error.

use std::collections::BTreeMap;

use model::service::{Service, ServiceKind, ServicePort, ServiceStatus};

/// The probe, run with `sh -c` inside the container. Every section starts with `@@ name`;
/// `@! tool` says the tool is missing or failed; `@# service` starts a credential file.
pub(crate) const PROBE: &str = r#"
echo '@@ systemd'
if units=$(systemctl list-units --type=service --all --no-legend --plain 2>/dev/null); then
  printf '%s\n' "$units" | while read -r unit load active sub rest; do
    pid=0
    [ "$sub" = running ] && pid=$(systemctl show -p MainPID --value "$unit" 2>/dev/null)
    printf '%s\t%s\t%s\t%s\n' "$unit" "$sub" "${pid:-0}" "$rest"
  done
else
  echo '@! systemctl'
fi
echo '@@ openrc'
rc-status 2>/dev/null || echo '@! rc-status'
echo '@@ ss'
ss -ltnpH 2>/dev/null || echo '@! ss'
echo '@@ docker'
docker ps 2>/dev/null || echo '@! docker'
echo '@@ addresses'
ip -4 addr show 2>/dev/null || echo '@! ip'
echo '@@ credentials'
for file in /etc/corral/credentials/*; do
  [ -f "$file" ] || continue
  echo "@# ${file##*/}"
  head -c 16384 "$file"
  echo
done
"#;

/// Units and OpenRC services that belong to the operating system.
const SYSTEM: [&str; 24] = [
    "getty",
    "console-getty",
    "container-getty",
    "serial-getty",
    "cron",
    "crond",
    "dbus",
    "ssh",
    "sshd",
    "rsyslog",
    "syslog",
    "networking",
    "ifupdown-pre",
    "postfix",
    "polkit",
    "udev",
    "unattended-upgrades",
    "hostname",
    "bootmisc",
    "hwclock",
    "modules",
    "sysctl",
    "urandom",
    "chronyd",
];

/// Whether a unit or service named `name` (without `.service`) is part of the system.
pub(crate) fn is_system(name: &str) -> bool {
    let base = name.split('@').next().unwrap_or(name);
    base.starts_with("systemd-") || SYSTEM.contains(&base)
}

/// The probe's output, section by section.
#[derive(Debug, Default)]
pub(crate) struct Sections<'a> {
    pub systemd: Option<Vec<&'a str>>,
    pub openrc: Option<Vec<&'a str>>,
    pub ss: Option<Vec<&'a str>>,
    pub docker: Option<Vec<&'a str>>,
    /// `ip -4 addr show`.
    pub addresses: Option<Vec<&'a str>>,
    /// Credential files: service name and the file's lines.
    pub credentials: Vec<(&'a str, Vec<&'a str>)>,
}

impl<'a> Sections<'a> {
    pub fn split(output: &'a str) -> Sections<'a> {
        let mut sections = Sections::default();
        let mut current: Option<&str> = None;
        let mut lines: Vec<&str> = Vec::new();
        let mut failed = false;
        let finish =
            |name: Option<&str>, lines: Vec<&'a str>, failed: bool, s: &mut Sections<'a>| {
                let value = (!failed).then_some(lines);
                match name {
                    Some("systemd") => s.systemd = value,
                    Some("openrc") => s.openrc = value,
                    Some("ss") => s.ss = value,
                    Some("docker") => s.docker = value,
                    Some("addresses") => s.addresses = value,
                    _ => {}
                }
            };
        let mut in_credentials = false;
        for line in output.lines() {
            if let Some(name) = line.strip_prefix("@@ ") {
                finish(current, std::mem::take(&mut lines), failed, &mut sections);
                failed = false;
                in_credentials = name == "credentials";
                current = (!in_credentials).then_some(name);
            } else if line.starts_with("@! ") {
                failed = true;
            } else if in_credentials {
                if let Some(service) = line.strip_prefix("@# ") {
                    sections.credentials.push((service, Vec::new()));
                } else if let Some((_, file)) = sections.credentials.last_mut() {
                    file.push(line);
                }
            } else if current.is_some() && !line.trim().is_empty() {
                lines.push(line);
            }
        }
        finish(current, lines, failed, &mut sections);
        sections
    }
}

/// The container's global IPv4 addresses from `ip -4 addr show` (iproute2 and busybox
/// print `inet 192.168.1.20/24 brd … scope global eth0`).
pub(crate) fn global_addresses(lines: &[&str]) -> Vec<std::net::Ipv4Addr> {
    lines
        .iter()
        .filter(|line| line.contains("scope global"))
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            words.find(|w| *w == "inet")?;
            words.next()?.split('/').next()?.parse().ok()
        })
        .collect()
}

/// A listening socket: its port, whether on loopback only, and its processes' names and
/// PIDs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listener {
    pub port: u16,
    pub loopback: bool,
    pub processes: Vec<(String, u32)>,
}

/// `ss -ltnpH` lines: `LISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:(("nginx",pid=1,fd=6))`.
pub(crate) fn listeners(lines: &[&str]) -> Vec<Listener> {
    lines
        .iter()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let local = words.nth(3)?;
            let (address, port) = local.rsplit_once(':')?;
            let port: u16 = port.parse().ok()?;
            let address = address.trim_start_matches('[').trim_end_matches(']');
            let loopback = address.starts_with("127.") || address == "::1";
            let processes = line
                .split("((")
                .nth(1)
                .map(|users| {
                    users
                        .split("),(")
                        .filter_map(|entry| {
                            let name = entry.split('"').nth(1)?.to_owned();
                            let pid = entry
                                .split("pid=")
                                .nth(1)?
                                .split([',', ')'])
                                .next()?
                                .parse()
                                .ok()?;
                            Some((name, pid))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(Listener {
                port,
                loopback,
                processes,
            })
        })
        .collect()
}

/// A systemd unit from the probe: name (without `.service`), running, main PID,
/// description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unit {
    pub name: String,
    pub running: bool,
    pub pid: u32,
    pub description: String,
}

/// The probe's systemd lines: `unit \t sub \t pid \t description`.
pub(crate) fn units(lines: &[&str]) -> Vec<Unit> {
    lines
        .iter()
        .filter_map(|line| {
            let mut fields = line.splitn(4, '\t');
            let unit = fields.next()?.strip_suffix(".service")?;
            let sub = fields.next()?;
            let pid = fields.next()?.trim().parse().unwrap_or(0);
            let description = fields.next().unwrap_or("");
            // `loaded active running Description`: the probe passes the rest whole.
            let description = description
                .split_whitespace()
                .skip_while(|w| {
                    matches!(
                        *w,
                        "loaded" | "active" | "inactive" | "running" | "dead" | "exited" | "failed"
                    )
                })
                .collect::<Vec<_>>()
                .join(" ");
            Some(Unit {
                name: unit.to_owned(),
                running: sub == "running",
                pid,
                description,
            })
        })
        .collect()
}

/// `rc-status` lines: ` nginx   [  started  ]`.
pub(crate) fn openrc(lines: &[&str]) -> Vec<(String, bool)> {
    lines
        .iter()
        .filter_map(|line| {
            let (name, state) = line.split_once('[')?;
            let name = name.trim();
            (!name.is_empty()).then(|| (name.to_owned(), state.contains("started")))
        })
        .collect()
}

/// A Docker container: name, image, running, published host ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Container {
    pub name: String,
    pub image: String,
    pub running: bool,
    pub ports: Vec<u16>,
}

/// `docker ps` as a table: columns found by the header's offsets.
pub(crate) fn containers(lines: &[&str]) -> Vec<Container> {
    let Some((header, rows)) = lines.split_first() else {
        return Vec::new();
    };
    let column = |title: &str| header.find(title);
    let (Some(image), Some(status), Some(ports), Some(names)) = (
        column("IMAGE"),
        column("STATUS"),
        column("PORTS"),
        column("NAMES"),
    ) else {
        return Vec::new();
    };
    let command = column("COMMAND").unwrap_or(status);
    let cell = |row: &str, from: usize, to: usize| -> String {
        row.get(from..to.min(row.len()))
            .or_else(|| row.get(from..))
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    rows.iter()
        .map(|row| {
            let published = cell(row, ports, names);
            Container {
                name: row.get(names..).unwrap_or("").trim().to_owned(),
                image: cell(row, image, command),
                running: cell(row, status, ports).starts_with("Up"),
                ports: published
                    .split(',')
                    .filter_map(|p| {
                        let (host, _) = p.trim().split_once("->")?;
                        host.rsplit(':').next()?.parse().ok()
                    })
                    .collect::<std::collections::BTreeSet<u16>>()
                    .into_iter()
                    .collect(),
            }
        })
        .filter(|c| !c.name.is_empty())
        .collect()
}

/// A credential file's `KEY=VALUE` pairs; lines that are not are counted.
pub(crate) fn credentials(lines: &[&str]) -> (Vec<(String, String)>, usize) {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut skipped = 0;
    for line in lines.iter().map(|l| l.trim_end_matches('\r')) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let pair = line.split_once('=').filter(|(key, value)| {
            !key.is_empty()
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !value.chars().any(char::is_control)
        });
        match pair {
            Some((key, value)) => {
                pairs.retain(|(k, _)| k != key);
                pairs.push((key.to_owned(), value.to_owned()));
            }
            None => skipped += 1,
        }
    }
    (pairs, skipped)
}

/// Ports per service: listeners matched to services by main PID, then by process name;
/// the rest become services of kind `process`; Docker's published ports go to their
/// containers (docker-proxy's listeners are those).
///
/// Stopped units are listed only when `known` names them (a service seen running before
/// that has stopped since): the "all units" list is mostly timers' one-shot jobs.
pub(crate) fn services(
    sections: &Sections<'_>,
    known: &[String],
    notes: &mut Vec<String>,
) -> Vec<Service> {
    let mut services: Vec<Service> = Vec::new();
    let mut add = |name: &str, kind, status, detail: &str| {
        services.push(Service {
            name: name.to_owned(),
            kind,
            status,
            ports: Vec::new(),
            is_system: kind != ServiceKind::Docker && is_system(name),
            detail: detail.to_owned(),
            has_credentials: false,
            web: Vec::new(),
        });
    };
    let units = sections.systemd.as_deref().map(units).unwrap_or_default();
    for unit in &units {
        let status = if unit.running {
            ServiceStatus::Running
        } else {
            ServiceStatus::Stopped
        };
        // Stopped units that nothing else points at are noise (the "all" list holds
        // every installed unit).
        if unit.running || known.contains(&unit.name) {
            add(&unit.name, ServiceKind::Systemd, status, &unit.description);
        }
    }
    if let Some(lines) = &sections.openrc {
        for (name, started) in openrc(lines) {
            let status = if started {
                ServiceStatus::Running
            } else {
                ServiceStatus::Stopped
            };
            add(&name, ServiceKind::Openrc, status, "");
        }
    }
    if sections.systemd.is_none() && sections.openrc.is_none() {
        notes.push("no systemd or OpenRC here: services are named after their processes".into());
    }
    let containers = sections
        .docker
        .as_deref()
        .map(containers)
        .unwrap_or_default();
    for container in &containers {
        let status = if container.running {
            ServiceStatus::Running
        } else {
            ServiceStatus::Stopped
        };
        add(
            &container.name,
            ServiceKind::Docker,
            status,
            &container.image,
        );
    }
    let Some(lines) = &sections.ss else {
        notes.push("no ss here: listening ports are unknown".into());
        return services;
    };
    let mut ports: BTreeMap<usize, Vec<ServicePort>> = BTreeMap::new();
    let mut strays: Vec<(String, ServicePort)> = Vec::new();
    let published: Vec<(usize, u16)> = containers
        .iter()
        .flat_map(|c| {
            let at = services
                .iter()
                .position(|s| s.kind == ServiceKind::Docker && s.name == c.name);
            c.ports.iter().filter_map(move |p| at.map(|at| (at, *p)))
        })
        .collect();
    for listener in listeners(lines) {
        let port = ServicePort {
            port: listener.port,
            local: listener.loopback,
        };
        let owner = published
            .iter()
            .find(|(_, p)| *p == listener.port)
            .map(|(at, _)| *at)
            .or_else(|| {
                listener.processes.iter().find_map(|(process, pid)| {
                    units
                        .iter()
                        .find(|u| u.running && u.pid == *pid && *pid != 0)
                        .and_then(|u| services.iter().position(|s| s.name == u.name))
                        .or_else(|| {
                            services.iter().position(|s| {
                                s.status == ServiceStatus::Running
                                    && s.kind != ServiceKind::Docker
                                    && (s.name == *process || s.name.starts_with(process.as_str()))
                            })
                        })
                })
            });
        match owner {
            Some(at) => ports.entry(at).or_default().push(port),
            None => {
                let process = listener.processes.first().map_or_else(
                    || format!("port {}", listener.port),
                    |(name, _)| name.clone(),
                );
                strays.push((process, port));
            }
        }
    }
    for (at, mut list) in ports {
        merge_ports(&mut list);
        services[at].ports = list;
    }
    for (process, port) in strays {
        match services
            .iter_mut()
            .find(|s| s.kind == ServiceKind::Process && s.name == process)
        {
            Some(service) => {
                service.ports.push(port);
                merge_ports(&mut service.ports);
            }
            None => services.push(Service {
                is_system: is_system(&process),
                name: process,
                kind: ServiceKind::Process,
                status: ServiceStatus::Running,
                ports: vec![port],
                detail: String::new(),
                has_credentials: false,
                web: Vec::new(),
            }),
        }
    }
    services
}

/// One entry per port; a port is local only when every listener on it is.
fn merge_ports(ports: &mut Vec<ServicePort>) {
    let mut merged: BTreeMap<u16, bool> = BTreeMap::new();
    for port in ports.iter() {
        let local = merged.entry(port.port).or_insert(true);
        *local &= port.local;
    }
    *ports = merged
        .into_iter()
        .map(|(port, local)| ServicePort { port, local })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN: &str = "@@ systemd\n\
nginx.service\trunning\t412\tloaded active running A high performance web server\n\
postgresql.service\trunning\t503\tloaded active running PostgreSQL RDBMS\n\
cron.service\trunning\t101\tloaded active running Regular background program processing daemon\n\
apache2.service\tdead\t0\tloaded inactive dead The Apache HTTP Server\n\
@@ openrc\n@! rc-status\n\
@@ ss\n\
LISTEN 0      511          0.0.0.0:80         0.0.0.0:* users:((\"nginx\",pid=412,fd=6),(\"nginx\",pid=413,fd=6))\n\
LISTEN 0      511             [::]:80            [::]:* users:((\"nginx\",pid=412,fd=7))\n\
LISTEN 0      244        127.0.0.1:5432       0.0.0.0:* users:((\"postgres\",pid=503,fd=5))\n\
LISTEN 0      244            [::1]:5432          [::]:* users:((\"postgres\",pid=503,fd=6))\n\
LISTEN 0      4096         0.0.0.0:8080       0.0.0.0:* users:((\"docker-proxy\",pid=900,fd=4))\n\
LISTEN 0      5            0.0.0.0:9000       0.0.0.0:* users:((\"python3\",pid=77,fd=3))\n\
@@ docker\n\
CONTAINER ID   IMAGE          COMMAND                  CREATED         STATUS         PORTS                                     NAMES\n\
a1b2c3d4e5f6   nginx:alpine   \"/docker-entrypoint.…\"   2 minutes ago   Up 2 minutes   0.0.0.0:8080->80/tcp, :::8080->80/tcp   web\n\
@@ credentials\n\
@# postgresql\nusername=postgres\npassword=s3cr3t=x\nnot a pair\n\n\
@# orphan\ntoken=abc\n";

    #[test]
    fn a_debian_guest_reads_as_services_with_ports() {
        let sections = Sections::split(DEBIAN);
        assert!(sections.openrc.is_none(), "rc-status failed: not OpenRC");
        let mut notes = Vec::new();
        let services = services(&sections, &[], &mut notes);
        assert!(notes.is_empty(), "{notes:?}");
        let find = |name: &str| services.iter().find(|s| s.name == name).unwrap();
        assert_eq!(
            find("nginx").ports,
            [ServicePort {
                port: 80,
                local: false
            }]
        );
        assert_eq!(
            find("postgresql").ports,
            [ServicePort {
                port: 5432,
                local: true
            }]
        );
        assert!(find("cron").is_system && !find("nginx").is_system);
        let web = find("web");
        assert_eq!(
            (web.kind, web.detail.as_str()),
            (ServiceKind::Docker, "nginx:alpine")
        );
        assert_eq!(
            web.ports,
            [ServicePort {
                port: 8080,
                local: false
            }]
        );
        assert_eq!(find("python3").kind, ServiceKind::Process);
        assert!(
            services
                .iter()
                .all(|s| s.name != "apache2" && s.name != "docker-proxy")
        );
        let (pairs, skipped) = credentials(&sections.credentials[0].1);
        assert_eq!(
            pairs,
            [
                ("username".into(), "postgres".into()),
                ("password".into(), "s3cr3t=x".into())
            ]
        );
        assert_eq!(skipped, 1);
        assert_eq!(sections.credentials[1].0, "orphan");
    }

    #[test]
    fn global_addresses_are_read_from_iproute2_and_busybox() {
        let output = "@@ addresses\n1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536\n    inet 127.0.0.1/8 scope host lo\n\
2: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500\n    inet 192.168.1.20/24 brd 192.168.1.255 scope global dynamic eth0\n\
       valid_lft 86000sec preferred_lft 86000sec\n    inet 10.0.0.5/8 scope global eth1\n@@ credentials\n";
        let sections = Sections::split(output);
        assert_eq!(
            global_addresses(sections.addresses.as_deref().unwrap()),
            [
                "192.168.1.20".parse::<std::net::Ipv4Addr>().unwrap(),
                "10.0.0.5".parse().unwrap()
            ]
        );
        assert!(Sections::split("@@ addresses\n@! ip\n").addresses.is_none());
    }

    #[test]
    fn busybox_and_openrc_guests_give_partial_results() {
        let alpine = "@@ systemd\n@! systemctl\n@@ openrc\nRunlevel: default\n nginx    [  started  ]\n sshd   [  stopped  ]\n@@ ss\nLISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:((\"nginx\",pid=9,fd=6))\n@@ docker\n@! docker\n@@ credentials\n";
        let mut notes = Vec::new();
        let found = services(&Sections::split(alpine), &[], &mut notes);
        assert!(notes.is_empty());
        assert_eq!(found[0].kind, ServiceKind::Openrc);
        assert_eq!(
            found[0].ports,
            [ServicePort {
                port: 80,
                local: false
            }]
        );
        assert_eq!(found[1].status, ServiceStatus::Stopped);
        let busybox = "@@ systemd\n@! systemctl\n@@ openrc\n@! rc-status\n@@ ss\n@! ss\n@@ docker\n@! docker\n@@ credentials\n";
        let mut notes = Vec::new();
        assert!(services(&Sections::split(busybox), &[], &mut notes).is_empty());
        assert_eq!(notes.len(), 2, "{notes:?}");
    }
}
