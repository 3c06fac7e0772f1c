//! The composition root: configuration, database, router, and serving until a signal.

pub mod config;
pub mod health;
pub mod router;
pub mod telemetry;

use std::time::Instant;

use app::state::AppState;
use backend::store::{DatabaseCredentials, Store, StoreError};
use leptos::config::get_configuration;
use tokio::net::TcpListener;

use crate::config::Config;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("invalid Leptos configuration: {0}")]
    Leptos(String),
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the server stopped: {0}")]
    Serve(#[source] std::io::Error),
}

/// Opens the store, builds the router and serves until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<(), StartError> {
    let state = open_state(&config).await?;
    let store = state.store.clone();
    let app = router::build(state);
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen {
            address: config.listen,
            source,
        })?;
    tracing::info!(
        listen = %config.listen,
        public_url = %config.effective_public_url(),
        "Corral is listening"
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(StartError::Serve)?;
    // The router and its copies of the state are gone; let the database flush and close.
    if let Err(error) = store.close().await {
        tracing::warn!(%error, "the database did not close cleanly");
    }
    tracing::info!("Corral stopped");
    Ok(())
}

/// Opens the database (applying migrations) and assembles the shared state.
pub async fn open_state(config: &Config) -> Result<AppState, StartError> {
    let url = config.effective_database_url();
    if url.starts_with("surrealkv://") {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
    }
    let credentials = match (&config.database_user, &config.database_password) {
        (Some(username), Some(password)) => Some(DatabaseCredentials {
            username: username.clone(),
            password: password.clone(),
        }),
        _ => None,
    };
    let (store, report) = Store::open(&url, credentials.as_ref()).await?;
    tracing::info!(
        engine = store.engine(),
        schema_version = report.current_version,
        applied = ?report.applied,
        "database ready"
    );
    let mut leptos_options = get_configuration(None)
        .map_err(|error| StartError::Leptos(error.to_string()))?
        .leptos_options;
    leptos_options.site_addr = config.listen;
    Ok(AppState {
        leptos_options,
        store,
        started_at: Instant::now(),
    })
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM, starting a graceful shutdown.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
