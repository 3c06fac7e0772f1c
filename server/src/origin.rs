//! The same-origin guard: no cross-site request may change anything, and, when the
//! public URL is configured, no request for another host is answered (DNS rebinding: a
//! hostile name pointed at Corral's address must not get Corral's pages and cookies).
//!
//! Every request other than GET, HEAD and OPTIONS must come from our own pages:
//! `Sec-Fetch-Site` must be `same-origin` (or `none`: typed by the user), and without
//! that header the `Origin` must be ours. Requests with neither header are not from a
//! browser (scripts with an API session) and pass; browsers always send one on a POST.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// What counts as our origin.
#[derive(Debug, Clone)]
pub struct OriginPolicy {
    /// `https://corral.example.net` when configured; otherwise the request's `Host` is
    /// compared with the `Origin`'s host and port.
    pub public_origin: Option<String>,
    /// The listen address (`127.0.0.1:3000`): with a public origin, requests naming it
    /// as their host are answered too (no hostile name can be that literal address).
    pub listen: Option<std::net::SocketAddr>,
}

/// The `Host` a request is for (HTTP/1 header, or the HTTP/2 authority).
fn requested_host<'a>(uri: &'a axum::http::Uri, headers: &'a HeaderMap) -> Option<&'a str> {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
}

/// With a public origin, refuses requests for any other host (`/healthz` answers every
/// host, for load balancers probing by address).
pub fn check_host(
    policy: &OriginPolicy,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
) -> Result<(), String> {
    let Some(public) = &policy.public_origin else {
        return Ok(());
    };
    if uri.path() == "/healthz" {
        return Ok(());
    }
    let (scheme, authority) = public.split_once("://").unwrap_or(("https", public));
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let Some(host) = requested_host(uri, headers) else {
        return Err("the request names no host".into());
    };
    let host = host.strip_suffix(default_port).unwrap_or(host);
    let listen = policy.listen.map(|address| address.to_string());
    if host.eq_ignore_ascii_case(authority) || listen.as_deref() == Some(host) {
        Ok(())
    } else {
        Err(format!("Host {host:?} is not {authority}"))
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Decides one request; `Err` carries the reason for the log.
pub fn check(policy: &OriginPolicy, method: &Method, headers: &HeaderMap) -> Result<(), String> {
    if is_safe(method) {
        return Ok(());
    }
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return match site {
            "same-origin" | "none" => Ok(()),
            other => Err(format!("Sec-Fetch-Site is {other}")),
        };
    }
    let Some(origin) = text(header::ORIGIN.as_str()) else {
        return Ok(());
    };
    let ours = match &policy.public_origin {
        Some(public) => origin.eq_ignore_ascii_case(public),
        None => {
            let host = text(header::HOST.as_str()).unwrap_or_default();
            let origin_host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            !host.is_empty() && origin_host.is_some_and(|h| h.eq_ignore_ascii_case(host))
        }
    };
    if ours {
        Ok(())
    } else {
        Err(format!("Origin {origin} is not ours"))
    }
}

/// The axum middleware around [`check_host`] and [`check`]: 421 for another host, 403
/// for cross-site writes.
pub async fn guard(
    State(policy): State<OriginPolicy>,
    request: Request<Body>,
    next: Next,
) -> Response {
    if let Err(reason) = check_host(&policy, request.uri(), request.headers()) {
        tracing::warn!(path = %request.uri().path(), %reason, "request for another host refused");
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "this server answers only for its public URL",
        )
            .into_response();
    }
    match check(&policy, request.method(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(reason) => {
            tracing::warn!(method = %request.method(), path = %request.uri().path(), %reason, "cross-site request refused");
            (StatusCode::FORBIDDEN, "cross-site requests are not allowed").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        map
    }

    #[test]
    fn writes_need_our_origin_and_reads_pass() {
        let local = OriginPolicy {
            public_origin: None,
            listen: None,
        };
        let public = OriginPolicy {
            public_origin: Some("https://corral.example.net".into()),
            listen: None,
        };
        let post = Method::POST;
        let host = ("host", "127.0.0.1:3000");
        assert!(
            check(
                &local,
                &Method::GET,
                &headers(&[("sec-fetch-site", "cross-site")])
            )
            .is_ok()
        );
        assert!(
            check(
                &local,
                &post,
                &headers(&[("sec-fetch-site", "same-origin")])
            )
            .is_ok()
        );
        assert!(check(&local, &post, &headers(&[("sec-fetch-site", "cross-site")])).is_err());
        assert!(check(&local, &post, &headers(&[("sec-fetch-site", "same-site")])).is_err());
        assert!(
            check(
                &local,
                &post,
                &headers(&[host, ("origin", "http://127.0.0.1:3000")])
            )
            .is_ok()
        );
        assert!(
            check(
                &local,
                &post,
                &headers(&[host, ("origin", "http://evil.example")])
            )
            .is_err()
        );
        assert!(check(&local, &post, &headers(&[host, ("origin", "null")])).is_err());
        assert!(
            check(&local, &post, &headers(&[host])).is_ok(),
            "not a browser"
        );
        assert!(
            check(
                &public,
                &post,
                &headers(&[("origin", "https://corral.example.net")])
            )
            .is_ok()
        );
        assert!(
            check(
                &public,
                &post,
                &headers(&[host, ("origin", "http://127.0.0.1:3000")])
            )
            .is_err()
        );
        assert!(
            check(
                &local,
                &Method::DELETE,
                &headers(&[("sec-fetch-site", "cross-site")])
            )
            .is_err()
        );
    }

    #[test]
    fn with_a_public_url_only_its_host_is_answered() {
        let public = OriginPolicy {
            public_origin: Some("https://corral.example.net".into()),
            listen: Some("127.0.0.1:3000".parse().unwrap()),
        };
        let uri = |text: &str| text.parse::<axum::http::Uri>().unwrap();
        let host = |value: &str| headers(&[("host", value)]);
        for ours in [
            "corral.example.net",
            "CORRAL.example.net",
            "corral.example.net:443",
            "127.0.0.1:3000",
        ] {
            assert!(
                check_host(&public, &uri("/"), &host(ours)).is_ok(),
                "{ours}"
            );
        }
        for rebinding in [
            "evil.example",
            "corral.example.net.evil.example",
            "corral.example.net:8443",
            "127.0.0.1",
        ] {
            assert!(
                check_host(&public, &uri("/"), &host(rebinding)).is_err(),
                "{rebinding}"
            );
        }
        assert!(check_host(&public, &uri("/"), &HeaderMap::new()).is_err());
        assert!(check_host(&public, &uri("/healthz"), &host("10.0.0.5:3000")).is_ok());
        let local = OriginPolicy {
            public_origin: None,
            listen: None,
        };
        assert!(check_host(&local, &uri("/"), &host("anything.example")).is_ok());
    }
}
