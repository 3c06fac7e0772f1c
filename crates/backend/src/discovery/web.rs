//! Which of a container's ports are web UIs: each port a service of its own listens on
//! outside loopback is asked `GET /` over HTTPS and over plain HTTP (at once; HTTPS wins
//! when both answer), with a short timeout. HTTPS is accepted whatever the certificate for this one request only (nothing
//! is sent but the request; the link then says when the certificate is self-signed), and
//! the page's `<title>` is kept. Addresses that are this machine's own (loopback,
//! link-local such as a cloud's metadata service, unspecified) are not probed, unless the
//! node itself is reached on loopback (a simulator or a tunnel on this machine).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use futures_util::StreamExt;
use model::service::{Service, ServiceStatus, WebLink};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long one scheme may take on one port (connect, handshake, answer).
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// Ports probed at the same time for one container.
const PARALLEL: usize = 8;
/// Ports probed per container at most.
const MAX_PORTS: usize = 32;
/// The most of an answer read (the title is near the top).
const MAX_ANSWER: usize = 64 * 1024;
/// Redirects followed on the same address to find a title (`/` → `/login`).
const MAX_REDIRECTS: usize = 2;

/// Whether `address` may be probed when the node is at `node_host`.
pub(super) fn may_probe(address: Ipv4Addr, node_host: &str) -> bool {
    let own_machine = address.is_loopback()
        || address.is_link_local()
        || address.is_unspecified()
        || address.is_broadcast()
        || address.is_multicast();
    if !own_machine {
        return true;
    }
    let node_on_loopback =
        node_host == "localhost" || node_host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    node_on_loopback && address.is_loopback()
}

/// Probes the outside ports of the running, non-system services and records their web
/// UIs on them.
pub(super) async fn probe_services(address: Ipv4Addr, services: &mut [Service]) {
    let targets: Vec<(usize, u16)> = services
        .iter()
        .enumerate()
        .filter(|(_, s)| s.status == ServiceStatus::Running && !s.is_system)
        .flat_map(|(index, s)| {
            s.ports
                .iter()
                .filter(|p| !p.local)
                .map(move |p| (index, p.port))
        })
        .take(MAX_PORTS)
        .collect();
    let found: Vec<(usize, Option<WebLink>)> = futures_util::stream::iter(targets)
        .map(|(index, port)| async move { (index, probe(address, port).await) })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    for service in services.iter_mut() {
        service.web.clear();
    }
    for (index, link) in found {
        if let (Some(link), Some(service)) = (link, services.get_mut(index)) {
            service.web.push(link);
        }
    }
    for service in services.iter_mut() {
        service.web.sort_by_key(|link| link.port);
    }
}

/// The web UI on `port`: HTTPS when it answers, else HTTP; `None` when neither does.
/// Both are asked at once, so a port that never answers costs one timeout, not two.
pub(super) async fn probe(address: Ipv4Addr, port: u16) -> Option<WebLink> {
    let host = address.to_string();
    let (secure, plain) = tokio::join!(https(&host, port), http(&host, port));
    secure.or(plain)
}

async fn http(host: &str, port: u16) -> Option<WebLink> {
    let title = fetch_title(host, port, None, |host, port| async move {
        let connect = TcpStream::connect((host.as_str(), port));
        tokio::time::timeout(PROBE_TIMEOUT, connect)
            .await
            .ok()?
            .ok()
    })
    .await?;
    Some(WebLink {
        port,
        url: format!("http://{host}:{port}/"),
        secure: false,
        title,
        self_signed: false,
    })
}

async fn https(host: &str, port: u16) -> Option<WebLink> {
    let (first, certificate) = pve::connect_reading_certificate(host, port, PROBE_TIMEOUT)
        .await
        .ok()?;
    let title = fetch_title(host, port, Some(first), |host, port| async move {
        pve::connect_reading_certificate(&host, port, PROBE_TIMEOUT)
            .await
            .ok()
            .map(|(stream, _)| stream)
    })
    .await?;
    Some(WebLink {
        port,
        url: format!("https://{host}:{port}/"),
        secure: true,
        title,
        self_signed: certificate.subject == certificate.issuer,
    })
}

/// Asks `GET /` (following up to [`MAX_REDIRECTS`] redirects to the same address) on
/// `first`, then on connections made by `connect`; `Some(title)` when the port answered
/// HTTP at all.
async fn fetch_title<S, F, Fut>(
    host: &str,
    port: u16,
    mut first: Option<S>,
    connect: F,
) -> Option<Option<String>>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: Fn(String, u16) -> Fut,
    Fut: std::future::Future<Output = Option<S>>,
{
    let mut path = "/".to_owned();
    let mut title = None;
    for _ in 0..=MAX_REDIRECTS {
        let reused = first.take();
        let exchange = async {
            let mut stream = match reused {
                Some(stream) => stream,
                None => connect(host.to_owned(), port).await?,
            };
            request(&mut stream, host, port, &path).await
        };
        let Ok(Some(answer)) = tokio::time::timeout(PROBE_TIMEOUT, exchange).await else {
            // The first request decides whether this is HTTP; a failed redirect keeps
            // what was learnt.
            return (path != "/").then_some(title);
        };
        title = page_title(&answer.body);
        match answer.location.as_deref().and_then(same_address_path) {
            Some(next) if (300..400).contains(&answer.status) && title.is_none() => path = next,
            _ => return Some(title),
        }
    }
    Some(title)
}

/// An HTTP answer, as far as the probe reads it.
struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
}

async fn request(
    stream: &mut (impl AsyncRead + AsyncWrite + Unpin),
    host: &str,
    port: u16,
    path: &str,
) -> Option<Answer> {
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: Corral service discovery\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    let mut answer = Vec::new();
    let mut buffer = [0_u8; 8192];
    while answer.len() < MAX_ANSWER {
        match stream.read(&mut buffer).await {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            // A TLS peer that closes without `close_notify` still answered.
            Err(_) if !answer.is_empty() => break,
            Err(_) => return None,
        }
    }
    parse_answer(&String::from_utf8_lossy(&answer))
}

fn parse_answer(text: &str) -> Option<Answer> {
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let status_line = lines.next()?;
    let mut words = status_line.split_whitespace();
    if !words.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status = words.next()?.parse().ok()?;
    let location = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("location")
            .then(|| value.trim().to_owned())
    });
    Some(Answer {
        status,
        location,
        body: body.to_owned(),
    })
}

/// A redirect's target when it stays on the address probed: a path (`/login`).
fn same_address_path(location: &str) -> Option<String> {
    (location.starts_with('/') && !location.starts_with("//")).then(|| location.to_owned())
}

/// The text of the page's first `<title>`, whitespace folded, at most 200 characters.
fn page_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let text: String = decode_entities(&body[start..end])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let text: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    (!text.is_empty()).then_some(text)
}

/// The few entities titles use.
fn decode_entities(text: &str) -> String {
    text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_read_folded_and_decoded() {
        assert_eq!(
            page_title("<html><HEAD><Title lang=en>\n  Welcome  to &amp; nginx!\n</TITLE>"),
            Some("Welcome to & nginx!".into())
        );
        assert_eq!(page_title("<html><body>It works</body></html>"), None);
        assert_eq!(page_title("<title>   </title>"), None);
        assert_eq!(
            page_title(&format!("<title>{}</title>", "x".repeat(500))).map(|t| t.len()),
            Some(200)
        );
    }

    #[test]
    fn answers_and_redirects_are_read() {
        let answer = parse_answer("HTTP/1.1 302 Found\r\nLocation: /login\r\n\r\n").unwrap();
        assert_eq!(
            (answer.status, answer.location.as_deref()),
            (302, Some("/login"))
        );
        assert!(parse_answer("SSH-2.0-OpenSSH_9.2p1\r\n").is_none());
        assert!(parse_answer("").is_none());
        assert_eq!(same_address_path("/login"), Some("/login".into()));
        assert_eq!(same_address_path("https://evil.example/"), None);
        assert_eq!(same_address_path("//evil.example/"), None);
    }

    #[test]
    fn the_machines_own_addresses_are_probed_only_for_a_node_on_loopback() {
        let container = Ipv4Addr::new(192, 168, 1, 20);
        let loopback = Ipv4Addr::new(127, 40, 0, 102);
        let metadata = Ipv4Addr::new(169, 254, 169, 254);
        assert!(may_probe(container, "pve.lan"));
        assert!(!may_probe(loopback, "pve.lan"));
        assert!(!may_probe(loopback, "192.168.1.2"));
        assert!(may_probe(loopback, "127.0.0.1"));
        assert!(may_probe(loopback, "localhost"));
        assert!(!may_probe(metadata, "127.0.0.1"));
        assert!(!may_probe(Ipv4Addr::UNSPECIFIED, "127.0.0.1"));
    }
}
