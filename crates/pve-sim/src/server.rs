//! One HTTPS listener per node: TLS with the node's current certificate, HTTP/1.1 (so
//! custom reason phrases go on the wire, as PVE's do), every request to the API layer.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::{Sim, SimError};

/// A node's listener; dropping it closes the port and every open connection.
pub(crate) struct NodeServer {
    node: String,
    address: SocketAddr,
    stop: watch::Sender<bool>,
    accept_loop: JoinHandle<()>,
}

impl NodeServer {
    /// Binds `address` (port 0 picks one) and serves until dropped.
    pub async fn start(
        sim: Arc<Sim>,
        node: String,
        address: SocketAddr,
    ) -> Result<NodeServer, SimError> {
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| SimError::Listen {
                address: address.to_string(),
                source,
            })?;
        let address = listener.local_addr().map_err(|source| SimError::Listen {
            address: address.to_string(),
            source,
        })?;
        let (stop, stopped) = watch::channel(false);
        let accept_loop = tokio::spawn(accept_loop(sim, node.clone(), listener, stopped));
        Ok(NodeServer {
            node,
            address,
            stop,
            accept_loop,
        })
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.accept_loop.abort();
    }
}

async fn accept_loop(
    sim: Arc<Sim>,
    node: String,
    listener: TcpListener,
    stopped: watch::Receiver<bool>,
) {
    loop {
        let Ok((tcp, _peer)) = listener.accept().await else {
            continue;
        };
        let Some(certificate) = sim.certificate(&node) else {
            continue;
        };
        let sim = sim.clone();
        let node = node.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let acceptor = tokio_rustls::TlsAcceptor::from(certificate.server_config);
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let sim = sim.clone();
                let node = node.clone();
                async move { Ok::<_, Infallible>(crate::api::handle(sim, node, request).await) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(tls), service);
            tokio::select! {
                _ = connection => {}
                _ = stopped.wait_for(|stop| *stop) => {}
            }
        });
    }
}
