//! The composition root: configuration, keys, database, sessions, router, and serving
//! until a signal. Also the maintenance commands (`corral rotate-key`).

pub mod api_status;
pub mod body_limit;
mod caller;
pub mod client_address;
pub mod config;
pub mod container_logs;
pub mod dashboard_events;
mod data_dir;
pub mod demo;
pub mod headers;
pub mod health;
pub mod job_events;
pub mod origin;
pub mod page_gate;
pub mod router;
pub mod sessions;
pub mod telemetry;
pub mod template_files;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use app::state::{AppState, SessionPolicy};
use backend::Backend;
use backend::login_limit::LoginLimits;
use backend::store::{Store, StoreError};
use backend::vault::{KeyRing, KeySource, VaultError, load_keys};
use leptos::config::get_configuration;
use tokio::net::TcpListener;

use crate::config::Config;

/// mimalloc instead of glibc's allocator: a page render allocates and frees many small
/// strings, and glibc spent a third of the dashboard's render time in malloc (measured in
/// docs/performance.md). Every binary linking this crate (the server, its tests and
/// benchmarks) uses it. Built without transparent huge pages (`no_thp`): on a host where
/// THP is `always`, each small touch of mimalloc's eagerly committed arenas became a 2 MiB
/// page and an idle server held 39 MiB of heap instead of 11 (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    #[error("master key: {0}")]
    Keys(#[from] VaultError),
    #[error("{0}")]
    Demo(String),
    #[error("first-run setup: {0}")]
    Setup(String),
    #[error("key rotation: {0}")]
    Rotation(String),
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
    #[error("import failed: {0}")]
    Import(String),
}

/// Runs the command line: serving, or a maintenance command.
pub async fn main(config: Config) -> Result<(), StartError> {
    match config.command {
        Some(config::Command::RotateKey) => rotate_key(&config).await,
        Some(config::Command::SetupCode) => data_dir::show_setup_code(&config),
        Some(config::Command::ImportTemplates { ref dir, ref user }) => {
            import_templates(&config, dir, user).await
        }
        None => run(config).await,
    }
}

/// Opens the store, builds the router and serves until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<(), StartError> {
    // The simulator must outlive the server: it is dropped at the end of this function.
    let demo = if config.demo {
        Some(demo::start().await.map_err(StartError::Demo)?)
    } else {
        None
    };
    let mut state = open_state(&config).await?;
    state.demo = demo.as_ref().map(|(_, cluster)| cluster.clone());
    data_dir::offer_setup_code(&config, &state.backend).await?;
    let store = state.backend.store.clone();
    let runner = backend::jobs::runner::Runner::start(state.backend.clone(), config.runner());
    let session_store = sessions::store(&store);
    let cleanup = sessions::spawn_cleanup(session_store.clone());
    let housekeeping = backend::housekeeping::spawn(state.backend.clone(), config.retention());
    let discovery = config
        .discovery_refresh()
        .map(|policy| backend::discovery::refresher::spawn(state.backend.clone(), policy));
    let bus = state.backend.job_bus.clone();
    let feed = bus.clone();
    let app = router::build(
        state,
        router::HttpSecurity {
            sessions: session_store,
            secure_cookies: config.serves_https(),
            public_origin: config.public_url.clone(),
            listen: Some(config.listen),
            trusted_proxies: config.trusted_proxies.clone(),
        },
    );
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
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Open progress pages would hold the server open: their streams end now.
        bus.shut_down();
    })
    .await
    .map_err(StartError::Serve)?;
    cleanup.abort();
    housekeeping.abort();
    if let Some(discovery) = discovery {
        discovery.abort();
    }
    // Running jobs stop at their next safe point and hand their leases back (the next
    // start resumes them at once); what is still running after the grace period keeps
    // its lease until it expires, then is taken over.
    let grace = std::time::Duration::from_secs(config.shutdown_grace_secs.into());
    runner.shut_down(grace).await;
    // The job change feed (ended with the streams) lets go of the database.
    feed.feed_stopped().await;
    drop(feed);
    drop(demo);
    // The router and its copies of the state are gone; let the database flush and close.
    if let Err(error) = store.close().await {
        tracing::warn!(%error, "the database did not close cleanly");
    }
    tracing::info!("Corral stopped");
    Ok(())
}

/// Loads the master keys as configured and says where they came from.
pub fn keys(config: &Config) -> Result<KeyRing, StartError> {
    if config.key_file.is_none() && config.master_key.is_none() {
        data_dir::ensure_data_dir(config)?;
    }
    let (ring, source) = load_keys(
        config.key_file.as_deref(),
        config.master_key.as_ref().map(config::Hidden::expose),
        &config.data_dir,
    )?;
    match source {
        KeySource::Generated(path) => tracing::warn!(
            %path,
            "generated a new master key (mode 0600): back it up, stored credentials cannot be read without it"
        ),
        KeySource::File(path) | KeySource::DataDir(path) => {
            data_dir::warn_if_shared(&path);
            tracing::info!(%path, "master keys loaded")
        }
        KeySource::Environment => tracing::info!("master keys loaded from CORRAL_MASTER_KEY"),
    }
    Ok(ring)
}

async fn open_store(config: &Config) -> Result<Store, StartError> {
    let url = config.effective_database_url();
    if url.starts_with("surrealkv://") {
        data_dir::ensure_data_dir(config)?;
    }
    let (store, report) = Store::open(&config.database()).await?;
    tracing::info!(
        engine = store.engine(),
        schema_version = report.current_version,
        applied = ?report.applied,
        "database ready"
    );
    Ok(store)
}

/// Opens the database (applying migrations), loads the keys and assembles the state.
pub async fn open_state(config: &Config) -> Result<AppState, StartError> {
    let keys = keys(config)?;
    let store = open_store(config).await?;
    let mut leptos_options = get_configuration(None)
        .map_err(|error| StartError::Leptos(error.to_string()))?
        .leptos_options;
    leptos_options.site_addr = config.listen;
    warn_if_not_split(&leptos_options);
    Ok(AppState {
        clock: app::state::Clock::default(),
        leptos_options,
        backend: Backend::new(
            store,
            keys,
            LoginLimits {
                per_username_burst: config.login_attempts_per_user,
                per_address_burst: config.login_attempts_per_address,
                ..LoginLimits::default()
            },
        )
        .with_node_ranges(config.node_address_ranges.clone()),
        sessions: SessionPolicy {
            inactivity_secs: i64::from(config.session_idle_hours) * 3600,
            absolute_limit_secs: i64::from(config.session_max_days) * 86_400,
        },
        demo: None,
        started_at: Instant::now(),
    })
}

/// Most pages are in a lazily loaded module (app/src/later.rs): a site built without
/// `cargo leptos build --split` has a WebAssembly file that cannot load it, so the page
/// would not hydrate. Says so at start instead of leaving it to the browser console.
fn warn_if_not_split(options: &leptos::config::LeptosOptions) {
    let pkg = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let built = pkg.join(format!("{}.wasm", options.output_name)).exists();
    if built && !pkg.join("__wasm_split_manifest.json").exists() {
        tracing::warn!(
            site = %pkg.display(),
            "the site was built without --split: pages will not hydrate (rebuild with `cargo leptos build --split`)"
        );
    }
}

/// `corral import-templates DIR --user NAME`: imports template folders for an account
/// and prints the report.
pub async fn import_templates(
    config: &Config,
    dir: &std::path::Path,
    username: &str,
) -> Result<(), StartError> {
    let failed = |message: String| StartError::Import(message);
    let store = open_store(config).await?;
    let backend = Backend::new(store.clone(), keys(config)?, LoginLimits::default());
    let user = backend::accounts::find_by_username(&backend, username)
        .await
        .map_err(|e| failed(e.to_string()))?
        .ok_or_else(|| failed(format!("no account named {username}")))?;
    let report = backend::templates::import::import_dir(&backend, &user, dir)
        .await
        .map_err(|e| failed(e.to_string()))?;
    drop(backend);
    store.close().await?;
    println!("{}.", report.describe());
    for template in &report.templates {
        let how = if template.updated { "updated" } else { "new" };
        println!("  template {} ({how})", template.name);
    }
    for bucket in &report.buckets {
        let how = if bucket.created { "new" } else { "extended" };
        println!(
            "  bucket {} ({how}, {} packages added)",
            bucket.name, bucket.added
        );
    }
    for skipped in &report.skipped {
        println!("  skipped {}: {}", skipped.what, skipped.why);
    }
    Ok(())
}

/// `corral rotate-key`: adds a new key to the key file, reseals every secret with it,
/// then removes the old keys. The old key stays in the file until every secret is
/// resealed, so an interruption loses nothing: run the command again.
pub async fn rotate_key(config: &Config) -> Result<(), StartError> {
    if config.master_key.is_some() && config.key_file.is_none() {
        return Err(StartError::Rotation(
            "the keys come from CORRAL_MASTER_KEY; rotate with a key file (--key-file) so the new key can be written".into(),
        ));
    }
    let path: PathBuf = config
        .key_file
        .clone()
        .unwrap_or_else(|| config.data_dir.join("master.key"));
    let mut ring = KeyRing::load(&path)?;
    let new_id = ring.add_key();
    ring.save(&path)?;
    let store = open_store(config).await?;
    let backend = Backend::new(store.clone(), ring.clone(), LoginLimits::default());
    let resealed = backend::nodes::reseal_all(&backend)
        .await
        .map_err(|e| StartError::Rotation(e.to_string()))?
        + backend::jobs::reseal_all(&backend)
            .await
            .map_err(|e| StartError::Rotation(e.to_string()))?
        + backend::discovery::reseal_all(&backend)
            .await
            .map_err(|e| StartError::Rotation(e.to_string()))?;
    drop(backend);
    store.close().await?;
    ring.drop_old_keys();
    ring.save(&path)?;
    tracing::info!(key_id = new_id, resealed, path = %path.display(), "master key rotated; old keys removed");
    println!(
        "Rotated to key {new_id}: {resealed} secrets re-encrypted; old keys removed from {}.",
        path.display()
    );
    Ok(())
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
