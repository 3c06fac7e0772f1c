//! What runs in a container, as discovery found it (PRODUCT.md §7): services with their
//! kind, status and listening ports. Credentials are never part of these views: they are
//! revealed one service at a time, on request.

use serde::{Deserialize, Serialize};

/// What made a service known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    /// A systemd unit.
    Systemd,
    /// An OpenRC service (Alpine).
    Openrc,
    /// A Docker container.
    Docker,
    /// A listening process no init system names.
    Process,
}

/// Whether a service runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceStatus {
    Running,
    Stopped,
    /// Known only from something it left behind (a credential file).
    Unknown,
}

/// A listening TCP port; `local` when it listens on loopback only (never linked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ServicePort {
    pub port: u16,
    pub local: bool,
}

/// A web UI found on a service's port: the scheme that answered the probe (HTTPS tried
/// first), the page's title, and whether its certificate signs itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebLink {
    pub port: u16,
    /// `https://192.168.1.20:8443/`.
    pub url: String,
    pub secure: bool,
    /// The `<title>` of the page, when it has one.
    pub title: Option<String>,
    /// HTTPS with a certificate issued by itself (browsers warn before opening it).
    pub self_signed: bool,
}

impl WebLink {
    /// What a link to it says: its title, else the service and port.
    pub fn label(&self, service: &str) -> String {
        match &self.title {
            Some(title) => title.clone(),
            None => format!("{service} :{}", self.port),
        }
    }
}

/// A web UI with the service it belongs to (the dashboard's links).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLink {
    pub service: String,
    pub link: WebLink,
}

impl ServiceLink {
    pub fn label(&self) -> String {
        self.link.label(&self.service)
    }
}

/// One discovered service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// `nginx`, `postgresql`, a Docker container's name.
    pub name: String,
    pub kind: ServiceKind,
    pub status: ServiceStatus,
    pub ports: Vec<ServicePort>,
    /// Part of the operating system (getty, cron, dbus, ssh, systemd-*): folded away.
    pub is_system: bool,
    /// What it runs: a unit's description, a Docker container's image.
    pub detail: String,
    /// A credential file names this service (revealed on request only).
    pub has_credentials: bool,
    /// Web UIs on its ports that are reachable from outside.
    #[serde(default)]
    pub web: Vec<WebLink>,
}

/// The last discovery of one container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    /// RFC 3339, when the services below were read.
    pub discovered_at: String,
    /// How long reading them took.
    pub duration_ms: u64,
    pub services: Vec<Service>,
    /// The container's address that was probed for web UIs, when it has one.
    #[serde(default)]
    pub address: Option<String>,
    /// What could not be read, in words (no `ss` in a busybox container, a credential file
    /// that is not text …): a partial result, not an error.
    pub notes: Vec<String>,
    /// The last attempt failed (the services above are from before): why, and when.
    pub last_error: Option<String>,
    pub failed_at: Option<String>,
}
