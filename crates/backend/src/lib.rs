//! Corral's domain layer.
//!
//! It knows nothing of Leptos or axum. The `server` binary builds one [`Backend`] and the
//! `app` crate's server functions call the services with it, always naming the user they
//! act for: `nodes::list(&backend, &user)`. Ids and states are `model` types; the store is
//! the one place that talks to SurrealDB and reads its errors.

pub mod accounts;
pub mod audit;
pub mod backup_ages;
pub mod backups;
pub mod container_config;
pub mod container_logs;
pub mod containers;
pub mod dashboard;
pub mod discovery;
pub mod drafts;
pub mod error;
pub mod history;
pub mod housekeeping;
pub mod ids;
pub mod installation;
pub mod inventory;
pub mod jobs;
pub mod lifecycle;
pub mod login_limit;
pub mod net;
pub mod nodes;
pub mod offerings;
pub mod password;
pub mod per_user;
pub mod setup_code;
pub mod snapshots;
pub mod ssh;
pub mod store;
pub mod templates;
pub mod vault;

use std::sync::Arc;

use tokio::sync::OnceCell;
use zeroize::Zeroizing;

pub use error::{ServiceError, ServiceResult};

use login_limit::{LoginLimiter, LoginLimits};
use password::HashPolicy;
use ssh::SshPool;
use store::Store;
use vault::KeyRing;

/// Everything the services need, shared by all requests. Cheap to clone.
#[derive(Clone)]
pub struct Backend {
    pub store: Store,
    /// The master keys for secrets at rest.
    pub keys: Arc<KeyRing>,
    /// SSH sessions to nodes, reused across commands.
    pub ssh: SshPool,
    pub login_limiter: Arc<LoginLimiter>,
    /// Per-node answers shared by all requests (short cache, single flight).
    pub inventory: inventory::Inventory,
    /// Containers with a lifecycle action in progress.
    pub locks: lifecycle::Locks,
    /// Each node's newest backup per container (a minute's cache, for the dashboard).
    pub backup_ages: backup_ages::BackupAges,
    /// Each user's discovered services as the dashboard shows them (a short cache).
    pub row_services: discovery::rows::RowServicesCache,
    /// Each user's nodes with their opened credentials, for the dashboard (a short cache).
    pub node_lists: nodes::NodeListCache,
    /// Live subscribers to job events.
    pub job_bus: jobs::JobBus,
    /// Open dashboards told when their user's dashboard changed.
    pub dashboard_push: dashboard::push::DashboardPush,
    /// Wakes the job runner when a job is queued.
    pub job_wakeup: Arc<tokio::sync::Notify>,
    /// The address ranges nodes may be added in, when `--node-address-ranges` fixes them
    /// (otherwise an administrator's setting, see [`nodes::ranges`]).
    pub node_ranges_flag: Option<net::AddressRanges>,
    /// The one-time code first-run setup asks for.
    pub setup_code: setup_code::SetupCode,
    /// Password hashing, a bounded number at a time.
    pub passwords: password::Hasher,
    /// A hash of a random password with the current policy: sign-ins for unknown
    /// usernames verify against it, so they take as long as real ones.
    dummy_hash: Arc<OnceCell<String>>,
}

impl Backend {
    /// A backend over `store` with these keys and sign-in limits.
    pub fn new(store: Store, keys: KeyRing, limits: LoginLimits) -> Backend {
        Backend {
            store,
            keys: Arc::new(keys),
            ssh: SshPool::default(),
            login_limiter: Arc::new(LoginLimiter::new(limits)),
            inventory: inventory::Inventory::default(),
            locks: lifecycle::Locks::default(),
            backup_ages: backup_ages::BackupAges::default(),
            row_services: discovery::rows::RowServicesCache::new(discovery::rows::FRESHNESS),
            node_lists: nodes::NodeListCache::new(nodes::LIST_FRESHNESS),
            job_bus: jobs::JobBus::default(),
            dashboard_push: dashboard::push::DashboardPush::default(),
            job_wakeup: Arc::default(),
            node_ranges_flag: None,
            setup_code: setup_code::SetupCode::default(),
            passwords: password::Hasher::new(HashPolicy::STANDARD),
            dummy_hash: Arc::new(OnceCell::new()),
        }
    }

    /// Uses another hashing cost (tests use a cheap one to stay fast).
    pub fn with_password_policy(mut self, policy: HashPolicy) -> Backend {
        self.passwords = password::Hasher::new(policy);
        self
    }

    /// Fixes the address ranges nodes may be added in (`--node-address-ranges`).
    pub fn with_node_ranges(mut self, ranges: Option<net::AddressRanges>) -> Backend {
        self.node_ranges_flag = ranges;
        self
    }

    /// Uses other inventory caches (tests and benchmarks choose the freshness).
    pub fn with_inventory(mut self, inventory: inventory::Inventory) -> Backend {
        self.inventory = inventory;
        self
    }

    async fn dummy_hash(&self) -> ServiceResult<String> {
        self.dummy_hash
            .get_or_try_init(|| self.passwords.hash(Zeroizing::new(ids::random_token())))
            .await
            .cloned()
    }
}
