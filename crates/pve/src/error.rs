//! The client's one error type.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::tls::Fingerprint;
use crate::upid::Upid;

/// Everything a call to Proxmox VE can end in, other than success.
///
/// Messages are PVE's own text (trimmed); no variant ever holds a credential.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PveError {
    /// 401: bad or revoked API token, expired ticket, failed login.
    #[error("authentication failed: {message}")]
    Unauthorized { message: String },
    /// 403: authenticated but not allowed; `permission` is e.g. `/vms/105, VM.PowerMgmt`.
    #[error("permission denied: {message}")]
    Forbidden {
        message: String,
        permission: Option<String>,
    },
    /// The object does not exist (404, or PVE's 500 "... does not exist").
    #[error("not found: {message}")]
    NotFound { message: String },
    /// 400: parameters rejected; `errors` maps each parameter to PVE's reason.
    #[error("{message}{}", format_field_errors(errors))]
    Parameters {
        message: String,
        errors: BTreeMap<String, String>,
    },
    /// Any other error status with PVE's message (500 "CT 105 already running", 501, …).
    #[error("Proxmox error {status}: {message}")]
    Server { status: u16, message: String },
    /// 595/596/597/599: the node we asked could not reach the node it proxies to.
    #[error("node unreachable through the cluster ({status}): {message}")]
    NodeUnreachable { status: u16, message: String },
    /// The node presented a different certificate than the pinned one.
    #[error("TLS certificate changed: expected {expected}, the node presented {seen}")]
    TlsMismatch {
        expected: Fingerprint,
        seen: Fingerprint,
    },
    /// Another TLS failure (handshake, unknown CA, protocol).
    #[error("TLS error: {message}")]
    Tls { message: String },
    /// No answer within the configured time.
    #[error("no answer within {after:?}")]
    Timeout { after: Duration },
    /// Connection refused, reset, DNS failure, …
    #[error("network error: {message}")]
    Network { message: String },
    /// The node answered something this client cannot read.
    #[error("unexpected answer: {message}")]
    Decode { message: String },
    /// The answer was larger than the client accepts.
    #[error("the node's answer is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// A task ended with an error; `log_tail` holds its last log lines.
    #[error("task {upid} failed: {exitstatus}")]
    TaskFailed {
        upid: Box<Upid>,
        exitstatus: String,
        log_tail: Vec<String>,
    },
    /// A task was still running when the wait's deadline passed.
    #[error("task {upid} still running after {after:?}")]
    TaskTimeout { upid: Box<Upid>, after: Duration },
    /// The caller cancelled the wait.
    #[error("cancelled")]
    Cancelled,
    /// The request could not be built (bad configuration or argument).
    #[error("invalid request: {message}")]
    InvalidRequest { message: String },
}

fn format_field_errors(errors: &BTreeMap<String, String>) -> String {
    errors
        .iter()
        .map(|(field, message)| format!("; {field}: {message}"))
        .collect()
}

impl PveError {
    /// True for failures worth retrying later (the node or the network, not the request).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            PveError::Timeout { .. } | PveError::Network { .. } | PveError::NodeUnreachable { .. }
        ) || matches!(self, PveError::Server { status, .. } if *status >= 502)
    }

    /// Builds the error for an HTTP error status, from PVE's body and reason phrase.
    pub(crate) fn from_status(status: u16, reason: Option<&str>, body: &[u8]) -> PveError {
        #[derive(serde::Deserialize, Default)]
        struct ErrorBody {
            #[serde(default)]
            message: Option<String>,
            #[serde(default)]
            errors: Option<BTreeMap<String, serde_json::Value>>,
        }
        let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
        let plain_body = std::str::from_utf8(body)
            .ok()
            .map(str::trim)
            .filter(|b| !b.is_empty() && !b.starts_with('{'));
        let message = parsed
            .message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .or(reason.map(str::trim).filter(|r| !r.is_empty()))
            .or(plain_body)
            .map(str::to_owned)
            .unwrap_or_else(|| canonical_reason(status).to_owned());
        let errors: BTreeMap<String, String> = parsed
            .errors
            .unwrap_or_default()
            .into_iter()
            .map(|(field, value)| {
                let text = match value {
                    serde_json::Value::String(text) => text,
                    other => other.to_string(),
                };
                (field, text.trim().to_owned())
            })
            .collect();
        match status {
            400 => PveError::Parameters { message, errors },
            401 => PveError::Unauthorized { message },
            403 => PveError::Forbidden {
                permission: permission_in(&message),
                message,
            },
            404 => PveError::NotFound { message },
            500 if message.contains("does not exist") => PveError::NotFound { message },
            595..=599 => PveError::NodeUnreachable { status, message },
            _ => PveError::Server { status, message },
        }
    }
}

/// `/vms/105, VM.PowerMgmt` from `Permission check failed (/vms/105, VM.PowerMgmt)`.
fn permission_in(message: &str) -> Option<String> {
    let inner = message
        .strip_prefix("Permission check failed (")?
        .strip_suffix(')')?;
    Some(inner.trim().to_owned())
}

fn canonical_reason(status: u16) -> &'static str {
    match status {
        595 => "Connection refused",
        596 => "Connection timed out",
        other => http::StatusCode::from_u16(other)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("error"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_style_bodies_carry_the_message() {
        let error = PveError::from_status(
            500,
            Some("CT 105 already running"),
            br#"{"data":null,"message":"CT 105 already running\n"}"#,
        );
        assert_eq!(
            error,
            PveError::Server {
                status: 500,
                message: "CT 105 already running".into()
            }
        );
    }

    #[test]
    fn old_style_bodies_fall_back_to_the_reason_phrase() {
        let error = PveError::from_status(500, Some("CT 105 already running"), br#"{"data":null}"#);
        assert_eq!(
            error.to_string(),
            "Proxmox error 500: CT 105 already running"
        );
    }

    #[test]
    fn parameter_errors_map_each_field() {
        let error = PveError::from_status(
            400,
            Some("Parameter verification failed."),
            br#"{"data":null,"errors":{"vmid":"VM 105 already exists\n"},"message":"Parameter verification failed.\n"}"#,
        );
        let PveError::Parameters { message, errors } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(message, "Parameter verification failed.");
        assert_eq!(errors["vmid"], "VM 105 already exists");
        assert_eq!(
            error.to_string(),
            "Parameter verification failed.; vmid: VM 105 already exists"
        );
    }

    #[test]
    fn forbidden_names_the_missing_permission() {
        let error = PveError::from_status(
            403,
            None,
            br#"{"data":null,"message":"Permission check failed (/vms/105, VM.PowerMgmt)\n"}"#,
        );
        assert_eq!(
            error,
            PveError::Forbidden {
                message: "Permission check failed (/vms/105, VM.PowerMgmt)".into(),
                permission: Some("/vms/105, VM.PowerMgmt".into()),
            }
        );
    }

    #[test]
    fn empty_bodies_and_pseudo_statuses() {
        assert_eq!(
            PveError::from_status(401, Some("No ticket"), b""),
            PveError::Unauthorized {
                message: "No ticket".into()
            }
        );
        let dead = PveError::from_status(595, None, b"");
        assert!(matches!(
            dead,
            PveError::NodeUnreachable { status: 595, .. }
        ));
        assert!(dead.is_transient());
        assert!(matches!(
            PveError::from_status(500, None, br#"{"data":null,"message":"Configuration file 'nodes/pve/lxc/999.conf' does not exist\n"}"#),
            PveError::NotFound { .. }
        ));
    }
}
