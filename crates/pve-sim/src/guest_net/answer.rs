//! How a container's port answers a connection from outside, by the service or Docker
//! image behind it: a web server (HTTP, or HTTPS with a self-signed certificate made for
//! the container), a protocol that speaks first (sshd's banner), a server that closes on a
//! request it does not understand (Redis), or one that never answers.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{CertificateParams, DnType, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// How long a client may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request head read.
const MAX_HEAD: usize = 16 * 1024;
/// The largest page served from a container's files.
const MAX_PAGE: u64 = 1024 * 1024;
/// How long a port that never answers holds a connection.
const SILENCE: Duration = Duration::from_secs(30);

/// What a port does with a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// A web server; `tls` with a self-signed certificate.
    Web {
        tls: bool,
        /// The `Server` header (empty: none).
        server: &'static str,
        site: Site,
    },
    /// Speaks first (a banner line), then waits for the client to leave.
    Banner(&'static str),
    /// Reads what the client sends and closes without a word (Redis on an HTTP request).
    Close,
    /// Accepts and never answers.
    Silent,
}

/// What a web server serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Site {
    /// The container's own index page (the first of these files), else a default page.
    DocumentRoot {
        index: &'static [&'static str],
        default_title: &'static str,
    },
    /// One page with this title (empty: a page without a title).
    Page(&'static str),
    /// `/` redirects to `/login`, a page with this title (Grafana).
    Login(&'static str),
}

impl Answer {
    /// The answer of a service the modelled package managers install.
    pub fn of_service(name: &str) -> Answer {
        match name {
            "nginx" => Answer::Web {
                tls: false,
                server: "nginx/1.22.1",
                site: Site::DocumentRoot {
                    index: &[
                        "var/www/html/index.html",
                        "var/www/html/index.nginx-debian.html",
                        "var/lib/nginx/html/index.html",
                        "usr/share/nginx/html/index.html",
                    ],
                    default_title: "Welcome to nginx!",
                },
            },
            "apache2" | "httpd" => Answer::Web {
                tls: false,
                server: "Apache/2.4.62",
                site: Site::DocumentRoot {
                    index: &["var/www/html/index.html"],
                    default_title: "Apache2 Default Page: It works",
                },
            },
            "grafana-server" => Answer::Web {
                tls: false,
                server: "",
                site: Site::Login("Grafana"),
            },
            "ssh" | "sshd" => Answer::Banner("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"),
            _ => Answer::Close,
        }
    }

    /// The answer of a Docker container running `image` (`nginx:1.27`, `portainer/…`).
    pub fn of_image(image: &str) -> Answer {
        let name =
            image.rsplit_once(':').map_or(
                image,
                |(name, tag)| {
                    if tag.contains('/') { image } else { name }
                },
            );
        let name = name
            .trim_start_matches("docker.io/")
            .trim_start_matches("library/");
        match name {
            "nginx" => Answer::Web {
                tls: false,
                server: "nginx/1.27.3",
                site: Site::Page("Welcome to nginx!"),
            },
            "httpd" => Answer::Web {
                tls: false,
                server: "Apache/2.4.62 (Unix)",
                site: Site::Page(""),
            },
            "portainer/portainer-ce" | "portainer/portainer-ee" => Answer::Web {
                tls: true,
                server: "",
                site: Site::Page("Portainer"),
            },
            "grafana/grafana" | "grafana/grafana-oss" => Answer::Web {
                tls: false,
                server: "",
                site: Site::Login("Grafana"),
            },
            _ => Answer::Silent,
        }
    }
}

/// One open port of one container.
pub(super) struct Serving {
    pub answer: Answer,
    /// The container's root file system (for its own pages).
    pub root: PathBuf,
    pub hostname: String,
    pub address: Ipv4Addr,
}

impl Serving {
    /// Answers every connection until the task is aborted (the port closes).
    pub async fn run(self, listener: TcpListener) {
        let tls = match &self.answer {
            Answer::Web { tls: true, .. } => match self_signed(&self.hostname, self.address) {
                Ok(acceptor) => Some(acceptor),
                Err(error) => {
                    tracing::warn!(%error, "cannot make a container's certificate");
                    return;
                }
            },
            _ => None,
        };
        let serving = Arc::new(self);
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            tokio::spawn(serving.clone().connection(tcp, tls.clone()));
        }
    }

    async fn connection(self: Arc<Self>, mut tcp: TcpStream, tls: Option<TlsAcceptor>) {
        match (&self.answer, tls) {
            (Answer::Web { server, site, .. }, Some(acceptor)) => {
                let handshake = tokio::time::timeout(REQUEST_TIMEOUT, acceptor.accept(tcp));
                if let Ok(Ok(stream)) = handshake.await {
                    self.web(stream, server, site).await;
                }
            }
            (Answer::Web { server, site, .. }, None) => self.web(tcp, server, site).await,
            (Answer::Banner(banner), _) => {
                if tcp.write_all(banner.as_bytes()).await.is_ok() {
                    let mut sink = [0_u8; 1024];
                    let _ = tokio::time::timeout(REQUEST_TIMEOUT, tcp.read(&mut sink)).await;
                }
            }
            (Answer::Close, _) => {
                let mut sink = [0_u8; 1024];
                let _ = tokio::time::timeout(Duration::from_secs(1), tcp.read(&mut sink)).await;
            }
            (Answer::Silent, _) => tokio::time::sleep(SILENCE).await,
        }
    }

    /// One HTTP/1.1 request and its answer (`Connection: close`).
    async fn web(
        &self,
        mut stream: impl AsyncRead + AsyncWrite + Unpin,
        server: &str,
        site: &Site,
    ) {
        let Some(path) = read_request(&mut stream).await else {
            let _ = stream
                .write_all(&response(
                    400,
                    "Bad Request",
                    server,
                    &[],
                    &page("400 Bad Request", ""),
                ))
                .await;
            let _ = stream.shutdown().await;
            return;
        };
        let path = path.split('?').next().unwrap_or("/");
        let reply = match (site, path) {
            (
                Site::DocumentRoot {
                    index,
                    default_title,
                },
                "/" | "/index.html",
            ) => {
                let own = index
                    .iter()
                    .find_map(|file| read_page(&self.root.join(file)));
                let body = own.unwrap_or_else(|| page(default_title, &self.hostname));
                response(200, "OK", server, &[], &body)
            }
            (Site::Page(title), "/") => {
                response(200, "OK", server, &[], &page(title, &self.hostname))
            }
            (Site::Login(_), "/") => response(302, "Found", server, &[("Location", "/login")], ""),
            (Site::Login(title), "/login") => {
                response(200, "OK", server, &[], &page(title, &self.hostname))
            }
            _ => response(404, "Not Found", server, &[], &page("404 Not Found", "")),
        };
        let _ = stream.write_all(&reply).await;
        let _ = stream.shutdown().await;
    }
}

/// Reads a request head; its path, or `None` for anything that is not HTTP.
async fn read_request(stream: &mut (impl AsyncRead + Unpin)) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0_u8; 2048];
    let read = async {
        loop {
            let n = stream.read(&mut buffer).await.ok()?;
            if n == 0 {
                return None;
            }
            head.extend_from_slice(&buffer[..n]);
            // A TLS handshake or other binary is refused at once, as web servers do.
            if !head[0].is_ascii_uppercase() {
                return None;
            }
            if head.windows(4).any(|w| w == b"\r\n\r\n") {
                return Some(());
            }
            if head.len() > MAX_HEAD {
                return None;
            }
        }
    };
    tokio::time::timeout(REQUEST_TIMEOUT, read).await.ok()??;
    let line = head.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim_end();
    let mut parts = line.split(' ');
    let (_method, path, version) = (parts.next()?, parts.next()?, parts.next()?);
    version.starts_with("HTTP/1.").then(|| path.to_owned())
}

/// A container's own page, if it has that file (at most [`MAX_PAGE`] of it).
fn read_page(path: &std::path::Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_PAGE), &mut text).ok()?;
    Some(text)
}

/// A default page (no `<title>` when `title` is empty).
fn page(title: &str, hostname: &str) -> String {
    let head = if title.is_empty() {
        String::new()
    } else {
        format!("<head><title>{title}</title></head>")
    };
    let heading = if title.is_empty() { "It works!" } else { title };
    let note = if hostname.is_empty() {
        String::new()
    } else {
        format!("<p>Served by {hostname} (a simulated container).</p>")
    };
    format!("<!DOCTYPE html>\n<html>{head}<body><h1>{heading}</h1>{note}</body></html>\n")
}

fn response(
    status: u16,
    reason: &str,
    server: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    if !server.is_empty() {
        head.push_str(&format!("Server: {server}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

/// A TLS acceptor with a fresh self-signed certificate for the container (its host name
/// and address), as appliances make on first start.
fn self_signed(hostname: &str, address: Ipv4Addr) -> Result<TlsAcceptor, String> {
    let error = |e: &dyn std::fmt::Display| e.to_string();
    let mut params = CertificateParams::new(vec![hostname.to_owned()]).map_err(|e| error(&e))?;
    params
        .subject_alt_names
        .push(SanType::IpAddress(address.into()));
    params.distinguished_name.push(DnType::CommonName, hostname);
    let key = KeyPair::generate().map_err(|e| error(&e))?;
    let cert = params.self_signed(&key).map_err(|e| error(&e))?;
    let der: CertificateDer<'static> = cert.der().clone();
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| error(&e))?
        .with_no_client_auth()
        .with_single_cert(vec![der], key_der)
        .map_err(|e| error(&e))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_name_without_tag_or_registry() {
        assert_eq!(Answer::of_image("nginx:1.27"), Answer::of_image("nginx"));
        assert_eq!(
            Answer::of_image("docker.io/library/nginx:latest"),
            Answer::of_image("nginx")
        );
        assert!(matches!(
            Answer::of_image("portainer/portainer-ce:2.21.0"),
            Answer::Web { tls: true, .. }
        ));
        assert_eq!(Answer::of_image("registry:5000/own/app"), Answer::Silent);
    }
}
