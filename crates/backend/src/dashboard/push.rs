//! Dashboard pushes: while a user has dashboards open (their SSE streams), one refresher
//! per user reads the dashboard every interval and tells every open tab when it changed.
//! Node answers come from the inventory's shared cache (single flight), so twenty open
//! tabs cost one Proxmox request per node per interval, not twenty; a tab hears of a
//! change within one interval and asks for the new rows once.
//!
//! Bounded: a user's refresher exists only while one of their streams is open (it goes
//! with the last), and the number of streams is limited by the caller (the job bus's
//! per-user stream permits).

use std::collections::HashMap;
use std::hash::Hasher;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use model::ids::UserId;
use model::inventory::BackupAge;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::Backend;
use crate::accounts::User;

/// How often a watched user's dashboard is read (Proxmox's own UI refreshes every 3 s).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(3);

/// Versions kept for a slow tab; one that lags just refreshes.
const CAPACITY: usize = 16;

/// The users whose dashboards are open; cheap to clone.
#[derive(Clone)]
pub struct DashboardPush {
    users: Arc<Mutex<HashMap<UserId, Watched>>>,
    interval: Duration,
}

impl Default for DashboardPush {
    fn default() -> Self {
        DashboardPush::new(DEFAULT_INTERVAL)
    }
}

/// One user's refresher and the channel to their tabs.
struct Watched {
    sender: broadcast::Sender<u64>,
    refresher: JoinHandle<()>,
}

/// One open dashboard: [`Changes::next`] answers when the user's dashboard changed.
pub struct Changes {
    receiver: broadcast::Receiver<u64>,
    push: DashboardPush,
    user: UserId,
}

impl Changes {
    /// The next change's version number; `None` once the refresher is gone.
    pub async fn next(&mut self) -> Option<u64> {
        loop {
            match self.receiver.recv().await {
                Ok(version) => return Some(version),
                // Several changes while this tab was slow: one refresh covers them.
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

impl Drop for Changes {
    fn drop(&mut self) {
        let mut users = self.push.users();
        let last = users
            .get(&self.user)
            .is_some_and(|watched| watched.sender.receiver_count() <= 1);
        if last && let Some(watched) = users.remove(&self.user) {
            watched.refresher.abort();
        }
    }
}

impl DashboardPush {
    /// Pushes that read dashboards every `interval`.
    pub fn new(interval: Duration) -> DashboardPush {
        DashboardPush {
            users: Arc::default(),
            interval,
        }
    }

    fn users(&self) -> MutexGuard<'_, HashMap<UserId, Watched>> {
        self.users.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Users with a refresher now, to prove they do not pile up.
    pub fn refreshers(&self) -> usize {
        self.users().len()
    }
}

/// Watches `user`'s dashboard: the first open tab starts their refresher.
pub fn watch(backend: &Backend, user: &User) -> Changes {
    let push = backend.dashboard_push.clone();
    let receiver = push
        .users()
        .entry(user.id.clone())
        .or_insert_with(|| {
            let sender = broadcast::channel(CAPACITY).0;
            let refresher = tokio::spawn(refresh(
                backend.clone(),
                user.clone(),
                sender.clone(),
                push.interval,
            ));
            Watched { sender, refresher }
        })
        .sender
        .subscribe();
    Changes {
        receiver,
        push,
        user: user.id.clone(),
    }
}

/// Reads the user's dashboard every `interval` and sends a new version when it changed.
async fn refresh(backend: Backend, user: User, sender: broadcast::Sender<u64>, interval: Duration) {
    let mut last = None;
    let mut version = 0_u64;
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // This interval's own answer: one reused from the last tick would hide a change.
        let print = match super::Fleet::read(&backend, &user, interval / 2).await {
            Ok(fleet) => fingerprint(fleet),
            Err(error) => {
                tracing::debug!(%error, user = %user.username, "dashboard push: cannot read");
                continue;
            }
        };
        if last.replace(print).is_some_and(|before| before != print) {
            version += 1;
            // Nobody listens between the last tab closing and this task's abort: fine.
            let _ = sender.send(version);
        }
    }
}

/// What the tabs show, on any page, without what changes by itself every second
/// (uptimes, the age of the data, backup ages finer than an hour). Streamed into the
/// hash one row at a time: no copy of a 5,000-row fleet.
fn fingerprint(mut fleet: super::Fleet) -> u64 {
    for node in &mut fleet.nodes {
        node.age_ms = 0;
    }
    let mut hashing = HashWriter(std::collections::hash_map::DefaultHasher::new());
    let mut written = hashing.feed(&(&fleet.nodes, &fleet.jobs));
    for joined in fleet.joined() {
        let mut row = joined.to_row();
        row.uptime = 0;
        if let BackupAge::Seconds(age) = row.backup_age {
            row.backup_age = BackupAge::Seconds(age / 3600);
        }
        written = written && hashing.feed(&row);
    }
    if !written {
        return 0;
    }
    hashing.0.finish()
}

/// Feeds what is written into a hasher.
struct HashWriter<H>(H);

impl<H: Hasher> HashWriter<H> {
    /// Hashes `value` as JSON; `false` if it cannot be written.
    fn feed(&mut self, value: &impl serde::Serialize) -> bool {
        serde_json::to_writer(&mut *self, value).is_ok()
    }
}

impl<H: Hasher> std::io::Write for HashWriter<H> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.write(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
