//! A node's HTTPS API port: TLS with the node's current certificate, HTTP/1.1 (so custom
//! reason phrases go on the wire, as PVE's do), every request to the API layer.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

use crate::listener::Listener;
use crate::{Sim, SimError};

/// Starts serving the API of `node` on `address`.
pub(crate) async fn start(
    sim: Arc<Sim>,
    node: String,
    address: SocketAddr,
) -> Result<Listener, SimError> {
    Listener::start(node.clone(), address, move |tcp| {
        let sim = sim.clone();
        let node = node.clone();
        async move {
            let mut reset = false;
            sim.update_faults(&node, |f| {
                reset = f.reset_connections > 0;
                f.reset_connections = f.reset_connections.saturating_sub(1);
            });
            if reset {
                drop(tcp);
                return;
            }
            let Some(certificate) = sim.certificate(&node) else {
                return;
            };
            let acceptor = tokio_rustls::TlsAcceptor::from(certificate.server_config);
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let sim = sim.clone();
                let node = node.clone();
                async move { Ok::<_, Infallible>(crate::api::handle(sim, node, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(tls), service)
                .await;
        }
    })
    .await
}
