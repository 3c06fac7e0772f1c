//! The real client address. From the TCP peer, unless the peer is one of the reverse
//! proxies named by `--trusted-proxies`: then the address the proxies forwarded
//! (`X-Forwarded-For`, else `Forwarded`), read from the right and skipping trusted hops,
//! so a client cannot choose its own address by sending the header itself. Rate limits
//! and the audit log use the result ([`app::auth::ClientAddress`]).

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use app::auth::ClientAddress;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use backend::net::{AddressRanges, canonical};

/// The address ranges whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(AddressRanges);

impl FromStr for TrustedProxies {
    type Err = String;

    /// `10.0.0.0/8,192.0.2.7,::1`: ranges or single addresses, comma-separated.
    fn from_str(list: &str) -> Result<Self, String> {
        list.parse().map(TrustedProxies)
    }
}

impl TrustedProxies {
    fn trusts(&self, address: IpAddr) -> bool {
        self.0.contains(address)
    }

    /// The client behind `peer`, given the request's headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return canonical(peer);
        }
        let hops = forwarded_for(headers);
        let mut client = canonical(peer);
        for hop in hops.iter().rev() {
            match hop {
                Some(address) if self.trusts(*address) => client = canonical(*address),
                Some(address) => return canonical(*address),
                // An unreadable hop ("unknown", garbage): trust stops at the last proxy.
                None => return client,
            }
        }
        client
    }
}

/// The forwarded chain, client first: `X-Forwarded-For` if present, else `Forwarded`'s
/// `for=` parameters. At most 32 hops are read.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    const MAX_HOPS: usize = 32;
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().map(str::to_owned).unwrap_or_default())
            .collect()
    };
    let x_forwarded = values("x-forwarded-for");
    if !x_forwarded.is_empty() {
        return x_forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .take(MAX_HOPS)
            .map(|hop| parse_node(hop.trim()))
            .collect();
    }
    values("forwarded")
        .iter()
        .flat_map(|v| v.split(','))
        .take(MAX_HOPS)
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| parse_node(value.trim().trim_matches('"')))
            })
        })
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711` or `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(address) = node.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    node.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(inside, _)| inside.parse().ok())
}

/// The middleware: resolves the client address of every request.
pub async fn resolve(
    State(proxies): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    if let Some(peer) = peer {
        let client = proxies.client(peer, request.headers());
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_trusted_peers_may_name_the_client() {
        let proxies: TrustedProxies = "10.0.0.0/8, 192.0.2.7".parse().unwrap();
        let forwarded = headers(&[("x-forwarded-for", "203.0.113.9")]);
        // A stranger sending the header is still itself.
        assert_eq!(
            proxies.client(ip("198.51.100.1"), &forwarded),
            ip("198.51.100.1")
        );
        // The proxy's forwarded client is believed.
        assert_eq!(
            proxies.client(ip("192.0.2.7"), &forwarded),
            ip("203.0.113.9")
        );
        // Without the header, the proxy is the client.
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &HeaderMap::new()),
            ip("10.1.2.3")
        );
        // No proxies configured: the header is ignored.
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("192.0.2.7"), &forwarded), ip("192.0.2.7"));
    }

    #[test]
    fn a_client_cannot_prepend_its_own_address() {
        let proxies: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        // The client sent "1.2.3.4"; the proxy appended the real peer.
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9")]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &spoofed), ip("203.0.113.9"));
        // Two proxies: the inner one is skipped.
        let chained = headers(&[("x-forwarded-for", "203.0.113.9, 10.0.0.3")]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &chained), ip("203.0.113.9"));
        // Garbage stops trust at the last proxy.
        let garbage = headers(&[("x-forwarded-for", "203.0.113.9, nonsense")]);
        assert_eq!(proxies.client(ip("10.0.0.2"), &garbage), ip("10.0.0.2"));
    }

    #[test]
    fn the_forwarded_header_is_read_when_x_forwarded_for_is_absent() {
        let proxies: TrustedProxies = "10.0.0.0/8,::1".parse().unwrap();
        let forwarded = headers(&[(
            "forwarded",
            "for=198.51.100.1;proto=https, for=\"[2001:db8:cafe::17]:4711\"",
        )]);
        assert_eq!(
            proxies.client(ip("::1"), &forwarded),
            ip("2001:db8:cafe::17")
        );
        let v4_port = headers(&[("forwarded", "for=198.51.100.1:8080;by=10.0.0.1")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &v4_port), ip("198.51.100.1"));
        // A dual-stack listener's mapped address is the IPv4 proxy.
        let mapped = ip("::ffff:10.0.0.1");
        assert_eq!(proxies.client(mapped, &v4_port), ip("198.51.100.1"));
    }

    #[test]
    fn bad_lists_are_refused_with_a_reason() {
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        let error = "proxy.example".parse::<TrustedProxies>().unwrap_err();
        assert!(error.contains("proxy.example"), "{error}");
        assert_eq!(
            "".parse::<TrustedProxies>().unwrap(),
            TrustedProxies::default()
        );
    }
}
