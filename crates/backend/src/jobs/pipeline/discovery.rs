//! The discovery phase: the running systemd services and the listening TCP ports of the
//! new container, read with `systemctl` and `ss`, summed up in the job's log.

use model::job::Phase;

use super::{Halt, JobRun};

impl JobRun<'_> {
    /// Logs what runs in the container once it is provisioned.
    pub(super) async fn discover(&self) -> Result<(), Halt> {
        let phase = Phase::Discover;
        self.info(phase, 0.0, "Looking for services.").await?;
        let units = self
            .exec_in_container(phase, 0.3, None, &RUNNING_SERVICES, None)
            .await?;
        let ports = self
            .exec_in_container(phase, 0.6, None, &LISTENING_TCP, None)
            .await?;
        let message = summary(
            &running_services(&units.stdout),
            &listening_ports(&ports.stdout),
        );
        self.info(phase, 1.0, message).await
    }
}

/// Running services, one per line, unit name first.
const RUNNING_SERVICES: [&str; 6] = [
    "systemctl",
    "list-units",
    "--type=service",
    "--state=running",
    "--no-legend",
    "--plain",
];

/// Listening TCP sockets without a header: `LISTEN 0 4096 0.0.0.0:22 0.0.0.0:*`.
const LISTENING_TCP: [&str; 2] = ["ss", "-ltnH"];

/// The service units in `systemctl list-units --plain --no-legend` output.
fn running_services(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|unit| unit.ends_with(".service"))
        .collect()
}

/// The ports in `ss -ltnH` output (fourth column, `address:port`), sorted, once each.
fn listening_ports(output: &str) -> Vec<u16> {
    let mut ports: Vec<u16> = output
        .lines()
        .filter_map(|line| line.split_whitespace().nth(3))
        .filter_map(|local| local.rsplit(':').next()?.parse().ok())
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

fn summary(services: &[&str], ports: &[u16]) -> String {
    if services.is_empty() && ports.is_empty() {
        return "No running services found.".to_owned();
    }
    let services = if services.is_empty() {
        "none".to_owned()
    } else {
        services.join(", ")
    };
    let ports = if ports.is_empty() {
        "no ports".to_owned()
    } else {
        ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("Services: {services}; listening on TCP {ports}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_and_ports_are_read_from_the_tools_output() {
        let units = "cron.service loaded active running Regular background program\n\
                     ssh.socket loaded active running OpenBSD Secure Shell socket\n\
                     nginx.service loaded active running A high performance web server\n";
        let sockets = "LISTEN 0 511 0.0.0.0:80 0.0.0.0:*\n\
                       LISTEN 0 511 [::]:80 [::]:*\n\
                       LISTEN 0 128 127.0.0.1:5432 0.0.0.0:*\n";
        let services = running_services(units);
        assert_eq!(services, ["cron.service", "nginx.service"]);
        assert_eq!(listening_ports(sockets), [80, 5432]);
        assert_eq!(
            summary(&services, &[80, 5432]),
            "Services: cron.service, nginx.service; listening on TCP 80, 5432."
        );
        assert_eq!(summary(&[], &[]), "No running services found.");
        assert_eq!(summary(&[], &[22]), "Services: none; listening on TCP 22.");
    }
}
