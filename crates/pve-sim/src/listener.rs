//! A TCP listener that hands each connection to a handler until it is dropped; dropping it
//! closes the port (connection refused) and every connection it accepted.

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::SimError;

/// One node's port (API or SSH).
pub(crate) struct Listener {
    node: String,
    address: SocketAddr,
    stop: watch::Sender<bool>,
    accept_loop: JoinHandle<()>,
}

impl Listener {
    /// Binds `address` (port 0 picks one) and runs `serve` for every connection; a
    /// connection's future is dropped when the listener is.
    pub async fn start<F, Fut>(
        node: String,
        address: SocketAddr,
        serve: F,
    ) -> Result<Listener, SimError>
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listen_error = |source| SimError::Listen {
            address: address.to_string(),
            source,
        };
        let listener = TcpListener::bind(address).await.map_err(listen_error)?;
        let address = listener.local_addr().map_err(listen_error)?;
        let (stop, stopped) = watch::channel(false);
        let accept_loop = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                // Small answers go out at once (no Nagle delay), as servers do.
                let _ = tcp.set_nodelay(true);
                let connection = serve(tcp);
                let mut stopped = stopped.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        () = connection => {}
                        _ = stopped.wait_for(|stop| *stop) => {}
                    }
                });
            }
        });
        Ok(Listener {
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

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.accept_loop.abort();
    }
}
