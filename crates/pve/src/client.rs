//! The HTTP client: authentication, transport, retries and the `{"data": …}` envelope.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use crate::error::PveError;
use crate::params::Params;
use crate::tls::{LeafVerifier, Trust, client_config};

/// A secret that never prints: `Debug` shows `<redacted>` and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How the client authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    /// An API token: `user@realm!name` and its secret. No CSRF token needed.
    Token { id: String, secret: Secret },
    /// A user and password: a ticket is obtained with `POST /access/ticket` and renewed
    /// before its two-hour lifetime ends.
    Password { username: String, password: Secret },
}

/// Everything needed to talk to one Proxmox VE API endpoint.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `https://host:8006` (no path).
    pub base_url: String,
    pub auth: Auth,
    pub trust: Trust,
    /// Time allowed to open the TCP + TLS connection.
    pub connect_timeout: Duration,
    /// Time allowed for one request, from sending to the last byte of the answer.
    pub request_timeout: Duration,
    /// Extra attempts for idempotent reads on network errors and 502–504.
    pub retries: u32,
    /// Wait before the first retry; doubles each time.
    pub retry_backoff: Duration,
    /// With password auth: renew the ticket (valid two hours) once it is this old.
    pub ticket_renew_after: Duration,
    /// The largest answer accepted, in bytes ([`PveError::TooLarge`] past it).
    pub max_body_bytes: usize,
}

impl ClientConfig {
    /// A configuration with the defaults: 5 s to connect, 30 s per request, 2 retries,
    /// answers up to 64 MiB (a cluster's resource list for 10,000 guests is about 5 MiB).
    pub fn new(base_url: impl Into<String>, auth: Auth, trust: Trust) -> ClientConfig {
        ClientConfig {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            auth,
            trust,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retries: 2,
            retry_backoff: Duration::from_millis(200),
            ticket_renew_after: Duration::from_secs(90 * 60),
            max_body_bytes: 64 * 1024 * 1024,
        }
    }
}

/// A ticket from `POST /access/ticket`.
#[derive(Clone)]
struct Ticket {
    ticket: Secret,
    csrf: Secret,
    obtained: Instant,
}

/// A client for one Proxmox VE API endpoint. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct Client {
    config: Arc<ClientConfig>,
    http: reqwest::Client,
    pin: Option<Arc<LeafVerifier>>,
    ticket: Arc<Mutex<Option<Ticket>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.config.base_url)
            .finish_non_exhaustive()
    }
}

/// The success envelope: `{"data": …, "total": n}`.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Envelope<T> {
    pub data: T,
    #[serde(default, deserialize_with = "crate::lenient::opt_u64")]
    pub total: Option<u64>,
}

impl Client {
    /// Builds a client; nothing is sent until the first call.
    pub fn new(config: ClientConfig) -> Result<Client, PveError> {
        if !config.base_url.starts_with("https://") {
            return Err(PveError::InvalidRequest {
                message: format!(
                    "the API URL must start with https://, got {}",
                    config.base_url
                ),
            });
        }
        let (tls, pin) = client_config(&config.trust)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .gzip(true)
            .no_proxy()
            .build()
            .map_err(|e| PveError::InvalidRequest {
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Client {
            config: Arc::new(config),
            http,
            pin,
            ticket: Arc::new(Mutex::new(None)),
        })
    }

    /// The API endpoint this client talks to.
    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    /// `GET` with query parameters.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &Params,
    ) -> Result<Envelope<T>, PveError> {
        self.call(Method::GET, path, query).await
    }

    /// `POST` with a form body.
    pub(crate) async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &Params,
    ) -> Result<Envelope<T>, PveError> {
        self.call(Method::POST, path, form).await
    }

    /// `PUT` with a form body.
    pub(crate) async fn put<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &Params,
    ) -> Result<Envelope<T>, PveError> {
        self.call(Method::PUT, path, form).await
    }

    /// `DELETE` with query parameters (PVE refuses a DELETE body).
    pub(crate) async fn delete<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &Params,
    ) -> Result<Envelope<T>, PveError> {
        self.call(Method::DELETE, path, query).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        params: &Params,
    ) -> Result<Envelope<T>, PveError> {
        let body = self.call_with_retries(&method, path, params).await?;
        serde_json::from_slice(&body).map_err(|e| PveError::Decode {
            message: format!("{method} {path}: {e}"),
        })
    }

    /// Sends the request, retrying only idempotent reads on transient failures.
    async fn call_with_retries(
        &self,
        method: &Method,
        path: &str,
        params: &Params,
    ) -> Result<Vec<u8>, PveError> {
        let attempts = if *method == Method::GET {
            self.config.retries + 1
        } else {
            1
        };
        let mut backoff = self.config.retry_backoff;
        let mut attempt = 1;
        loop {
            match self.call_authenticated(method, path, params).await {
                Err(error) if attempt < attempts && retryable(&error) => {
                    tracing::debug!(%method, path, attempt, %error, "retrying");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Sends with credentials; with password auth, logs in again once on a 401.
    async fn call_authenticated(
        &self,
        method: &Method,
        path: &str,
        params: &Params,
    ) -> Result<Vec<u8>, PveError> {
        match &self.config.auth {
            Auth::Token { id, secret } => {
                let header = format!("PVEAPIToken={id}={}", secret.expose());
                self.send(method, path, params, &[("Authorization", header)])
                    .await
            }
            Auth::Password { .. } => {
                let ticket = self.current_ticket(false).await?;
                match self.send_with_ticket(method, path, params, &ticket).await {
                    Err(PveError::Unauthorized { .. }) => {
                        let ticket = self.current_ticket(true).await?;
                        self.send_with_ticket(method, path, params, &ticket).await
                    }
                    other => other,
                }
            }
        }
    }

    async fn send_with_ticket(
        &self,
        method: &Method,
        path: &str,
        params: &Params,
        ticket: &Ticket,
    ) -> Result<Vec<u8>, PveError> {
        let mut headers = vec![(
            "Cookie",
            format!("PVEAuthCookie={}", ticket.ticket.expose()),
        )];
        if *method != Method::GET {
            headers.push(("CSRFPreventionToken", ticket.csrf.expose().to_owned()));
        }
        self.send(method, path, params, &headers).await
    }

    /// A valid ticket: the cached one, renewed when old, or a fresh login.
    async fn current_ticket(&self, force_login: bool) -> Result<Ticket, PveError> {
        let Auth::Password { username, password } = &self.config.auth else {
            unreachable!("tickets are only used with password authentication")
        };
        let mut slot = self.ticket.lock().await;
        if let Some(ticket) = slot.as_ref().filter(|_| !force_login) {
            if ticket.obtained.elapsed() < self.config.ticket_renew_after {
                return Ok(ticket.clone());
            }
            // Renewal: the current ticket stands in for the password.
            if let Ok(renewed) = self.login(username, &ticket.ticket).await {
                *slot = Some(renewed.clone());
                return Ok(renewed);
            }
        }
        let ticket = self.login(username, password).await?;
        *slot = Some(ticket.clone());
        Ok(ticket)
    }

    async fn login(&self, username: &str, password: &Secret) -> Result<Ticket, PveError> {
        #[derive(serde::Deserialize)]
        struct Login {
            ticket: String,
            #[serde(rename = "CSRFPreventionToken")]
            csrf: String,
        }
        let params = Params::new()
            .text("username", username)
            .text("password", password.expose());
        let body = self
            .send(&Method::POST, "/access/ticket", &params, &[])
            .await?;
        // serde's message could quote a value of the answer, and that value is a ticket:
        // report only that the answer was unreadable.
        let envelope: Envelope<Login> =
            serde_json::from_slice(&body).map_err(|_| PveError::Decode {
                message: "the login answer has no readable ticket".into(),
            })?;
        Ok(Ticket {
            ticket: Secret::new(envelope.data.ticket),
            csrf: Secret::new(envelope.data.csrf),
            obtained: Instant::now(),
        })
    }

    /// One HTTP exchange; maps every failure to a [`PveError`].
    async fn send(
        &self,
        method: &Method,
        path: &str,
        params: &Params,
        headers: &[(&str, String)],
    ) -> Result<Vec<u8>, PveError> {
        let mut url = format!("{}/api2/json{path}", self.config.base_url);
        let in_query = *method == Method::GET || *method == Method::DELETE;
        if in_query && !params.pairs().is_empty() {
            url.push('?');
            url.push_str(&params.form_encoded());
        }
        let mut request = self.http.request(method.clone(), &url);
        if !in_query {
            request = request
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(params.form_encoded());
        }
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status();
        let reason = response
            .extensions()
            .get::<hyper::ext::ReasonPhrase>()
            .and_then(|r| std::str::from_utf8(r.as_bytes()).ok())
            .map(str::to_owned);
        let body = self.read_body(response).await?;
        if status == StatusCode::OK {
            Ok(body)
        } else {
            Err(PveError::from_status(
                status.as_u16(),
                reason.as_deref(),
                &body,
            ))
        }
    }

    /// The answer's body, refused past [`ClientConfig::max_body_bytes`] (a node cannot
    /// make the dashboard buffer without end); read as it arrives.
    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, PveError> {
        let limit = self.config.max_body_bytes;
        let too_large = || PveError::TooLarge { limit };
        if response
            .content_length()
            .is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX))
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(e))?
        {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn transport_error(&self, error: reqwest::Error) -> PveError {
        if let Some((expected, seen)) = self.pin.as_ref().and_then(|pin| pin.take_mismatch()) {
            return PveError::TlsMismatch { expected, seen };
        }
        if error.is_timeout() {
            return PveError::Timeout {
                after: self.config.request_timeout,
            };
        }
        let message = error_chain(&error);
        if caused_by_tls(&error) {
            PveError::Tls { message }
        } else {
            PveError::Network { message }
        }
    }
}

/// Network errors, timeouts and gateway errors are worth another try; PVE's own answers
/// (4xx, 500 with a message, 595/596 from a dead peer node) are not.
fn retryable(error: &PveError) -> bool {
    match error {
        PveError::Network { .. } | PveError::Timeout { .. } => true,
        PveError::Server { status, .. } => (502..=504).contains(status),
        _ => false,
    }
}

/// Whether a rustls error (a refused certificate, a failed handshake) is in the chain, as
/// opposed to a plain I/O failure such as a reset connection.
fn caused_by_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<rustls::Error>() {
            return true;
        }
        let wraps_tls = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .is_some_and(|inner| inner.is::<rustls::Error>());
        if wraps_tls {
            return true;
        }
        current = error.source();
    }
    false
}

/// "error sending request: connection refused" instead of just the outermost message.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let auth = Auth::Token {
            id: "root@pam!corral".into(),
            secret: Secret::new("3f0e5c2a-8b1d-4e6f-9a70-5d2c1b4e8f93"),
        };
        assert!(!format!("{auth:?}").contains("3f0e5c2a"));
    }

    #[test]
    fn only_plain_http_is_refused() {
        let config = ClientConfig::new(
            "http://pve:8006",
            Auth::Token {
                id: "a@pam!b".into(),
                secret: Secret::new("x"),
            },
            Trust::Pinned("00".repeat(32).parse().unwrap()),
        );
        assert!(matches!(
            Client::new(config),
            Err(PveError::InvalidRequest { .. })
        ));
    }

    #[test]
    fn only_transient_failures_are_retried() {
        assert!(retryable(&PveError::Network {
            message: "reset".into()
        }));
        assert!(retryable(&PveError::Server {
            status: 503,
            message: "busy".into()
        }));
        assert!(!retryable(&PveError::Server {
            status: 500,
            message: "CT 1 already running".into()
        }));
        assert!(!retryable(&PveError::NodeUnreachable {
            status: 596,
            message: "timed out".into()
        }));
        assert!(!retryable(&PveError::Unauthorized {
            message: "no".into()
        }));
    }
}
