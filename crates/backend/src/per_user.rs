//! A value read for each user and kept a few seconds: dropped at once when this process
//! changes what it was read from ([`PerUser::changed`]), and after its freshness in any
//! case, so a change made through another process shows that much later. Only users
//! seen within the freshness hold memory.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use model::ids::UserId;

use crate::error::ServiceResult;

/// Each user's last read; cheap to clone.
pub struct PerUser<T> {
    kept: Arc<Mutex<HashMap<UserId, Kept<T>>>>,
    /// Counts changes in this process: a read from before one is read again.
    writes: Arc<AtomicU64>,
    freshness: Duration,
}

impl<T> Clone for PerUser<T> {
    fn clone(&self) -> Self {
        PerUser {
            kept: self.kept.clone(),
            writes: self.writes.clone(),
            freshness: self.freshness,
        }
    }
}

struct Kept<T> {
    at: Instant,
    writes: u64,
    value: Arc<T>,
}

impl<T> PerUser<T> {
    /// Values reused for `freshness`.
    pub fn new(freshness: Duration) -> PerUser<T> {
        PerUser {
            kept: Arc::default(),
            writes: Arc::default(),
            freshness,
        }
    }

    /// Called after every change to what the values are read from.
    pub fn changed(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Kept<T>>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The user's kept value, or `read`'s (then kept).
    pub async fn get<F, Fut>(&self, user: &UserId, read: F) -> ServiceResult<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ServiceResult<T>>,
    {
        let writes = self.writes.load(Ordering::SeqCst);
        if let Some(kept) = self.kept().get(user)
            && kept.writes == writes
            && kept.at.elapsed() < self.freshness
        {
            return Ok(kept.value.clone());
        }
        let value = Arc::new(read().await?);
        let mut kept = self.kept();
        kept.retain(|_, kept| kept.at.elapsed() < self.freshness);
        kept.insert(
            user.clone(),
            Kept {
                at: Instant::now(),
                writes,
                value: value.clone(),
            },
        );
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> UserId {
        id.parse().unwrap_or_else(|_| panic!("{id}"))
    }

    #[tokio::test]
    async fn kept_until_a_change_or_its_freshness() {
        let cache = PerUser::<u32>::new(Duration::from_secs(60));
        let reads = AtomicU64::new(0);
        let read = || async {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok(7)
        };
        let alice = user("alice1");
        assert_eq!(*cache.get(&alice, read).await.unwrap(), 7);
        assert_eq!(*cache.get(&alice, read).await.unwrap(), 7);
        assert_eq!(reads.load(Ordering::SeqCst), 1, "kept");
        cache.get(&user("bob1"), read).await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 2, "per user");
        cache.changed();
        cache.get(&alice, read).await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 3, "read again after a change");

        let expired = PerUser::<u32>::new(Duration::ZERO);
        expired.get(&alice, read).await.unwrap();
        expired.get(&alice, read).await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 5, "read again once stale");
    }
}
