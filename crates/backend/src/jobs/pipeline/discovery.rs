//! The discovery phase: what runs in the new container, read and stored by the discovery
//! service ([`crate::discovery`]) and summed up in the job's log. A discovery that cannot
//! read the container is a warning, never the job's failure: the container is made.

use model::job::Phase;
use model::service::{Discovery, Service};

use super::{Halt, JobRun};

impl JobRun<'_> {
    /// Discovers the container's services and logs what was found.
    pub(super) async fn discover(&self) -> Result<(), Halt> {
        let phase = Phase::Discover;
        self.info(phase, 0.0, "Looking for services.").await?;
        let found =
            crate::discovery::refresh(self.backend, &self.owner, &self.node_id, self.vmid).await;
        match found {
            Ok(discovery) => match &discovery.last_error {
                Some(error) => {
                    self.warn(phase, 1.0, format!("Services could not be read: {error}"))
                        .await
                }
                None => self.info(phase, 1.0, summary(&discovery)).await,
            },
            Err(error) => {
                self.warn(phase, 1.0, format!("Services could not be read: {error}"))
                    .await
            }
        }
    }
}

/// `80 http, 5432 local`: each port, and how it answered the web probe.
fn port_words(service: &Service) -> String {
    service
        .ports
        .iter()
        .map(|p| {
            let web = service.web.iter().find(|w| w.port == p.port);
            match (p.local, web) {
                (true, _) => format!("{} local", p.port),
                (false, Some(link)) if link.secure => format!("{} https", p.port),
                (false, Some(_)) => format!("{} http", p.port),
                (false, None) => p.port.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Services: nginx (80 http), postgresql (5432 local, credentials); 3 system services.`
fn summary(discovery: &Discovery) -> String {
    let (system, own): (Vec<_>, Vec<_>) = discovery.services.iter().partition(|s| s.is_system);
    if own.is_empty() && system.is_empty() {
        return "No running services found.".to_owned();
    }
    let listed: Vec<String> = own
        .iter()
        .map(|s| {
            let mut extras = Vec::new();
            if !s.ports.is_empty() {
                extras.push(port_words(s));
            }
            if s.has_credentials {
                extras.push("credentials".to_owned());
            }
            if extras.is_empty() {
                s.name.clone()
            } else {
                format!("{} ({})", s.name, extras.join(", "))
            }
        })
        .collect();
    let own = if listed.is_empty() {
        "none".to_owned()
    } else {
        listed.join(", ")
    };
    format!("Services: {own}; {} system services.", system.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::service::{ServiceKind, ServicePort, ServiceStatus, WebLink};

    fn service(name: &str, system: bool, ports: Vec<ServicePort>, credentials: bool) -> Service {
        Service {
            name: name.into(),
            kind: ServiceKind::Systemd,
            status: ServiceStatus::Running,
            ports,
            is_system: system,
            detail: String::new(),
            has_credentials: credentials,
            web: Vec::new(),
        }
    }

    #[test]
    fn the_log_line_names_services_ports_and_credentials() {
        let mut nginx = service(
            "nginx",
            false,
            vec![ServicePort {
                port: 80,
                local: false,
            }],
            false,
        );
        nginx.web.push(WebLink {
            port: 80,
            url: "http://192.168.1.20:80/".into(),
            secure: false,
            title: None,
            self_signed: false,
        });
        let discovery = Discovery {
            discovered_at: String::new(),
            duration_ms: 0,
            address: None,
            services: vec![
                nginx,
                service(
                    "postgresql",
                    false,
                    vec![ServicePort {
                        port: 5432,
                        local: true,
                    }],
                    true,
                ),
                service("cron", true, vec![], false),
            ],
            notes: vec![],
            last_error: None,
            failed_at: None,
        };
        assert_eq!(
            summary(&discovery),
            "Services: nginx (80 http), postgresql (5432 local, credentials); 1 system services."
        );
    }
}
