//! Password hashing: Argon2id with parameters above the OWASP minimum, always run on the
//! blocking pool so a login never stalls the async executor, and never more at once than
//! memory allows (each hash takes the policy's memory, 64 MiB by default).

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use crate::error::{ServiceError, ServiceResult};

/// The hashing cost new hashes get: Argon2id, 64 MiB, 2 passes, 1 lane. OWASP's minimum
/// is 19 MiB × 2; this is about 3.4× that. Hashes made with other parameters are
/// replaced on the next successful login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashPolicy {
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
}

impl HashPolicy {
    /// The policy for stored passwords.
    pub const STANDARD: HashPolicy = HashPolicy {
        memory_kib: 64 * 1024,
        passes: 2,
        lanes: 1,
    };

    fn hasher(self) -> ServiceResult<Argon2<'static>> {
        let params = Params::new(self.memory_kib, self.passes, self.lanes, None)
            .map_err(|e| ServiceError::Internal(format!("argon2 parameters: {e}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Whether a stored PHC string was made with exactly these parameters.
    pub fn matches(self, stored: &str) -> bool {
        PasswordHash::new(stored)
            .ok()
            .and_then(|hash| Params::try_from(&hash).ok().map(|p| (hash.algorithm, p)))
            .is_some_and(|(algorithm, params)| {
                algorithm == argon2::ARGON2ID_IDENT
                    && params.m_cost() == self.memory_kib
                    && params.t_cost() == self.passes
                    && params.p_cost() == self.lanes
            })
    }
}

/// Hashes and verifies passwords with one policy, a bounded number at a time: a flood of
/// sign-ins waits for a permit instead of allocating 64 MiB per request.
#[derive(Clone)]
pub struct Hasher {
    pub policy: HashPolicy,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("policy", &self.policy)
            .field("permits", &self.permits.available_permits())
            .finish()
    }
}

/// At most a quarter of the machine's memory goes to hashing, and never more hashes at
/// once than twice the cores (they are CPU-bound); at least one.
pub fn permits_for(total_memory_kib: u64, policy: HashPolicy, cores: usize) -> usize {
    let each = u64::from(policy.memory_kib.max(1));
    let by_memory = usize::try_from(total_memory_kib / 4 / each).unwrap_or(usize::MAX);
    by_memory.min(cores.saturating_mul(2)).max(1)
}

/// `MemTotal` from /proc/meminfo (KiB); 1 GiB when it cannot be read.
fn total_memory_kib() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("MemTotal:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(1024 * 1024)
}

impl Hasher {
    /// A hasher sized to this machine's memory and cores.
    pub fn new(policy: HashPolicy) -> Hasher {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Hasher::with_permits(policy, permits_for(total_memory_kib(), policy, cores))
    }

    /// A hasher running at most `permits` hashes at once.
    pub fn with_permits(policy: HashPolicy, permits: usize) -> Hasher {
        Hasher {
            policy,
            permits: Arc::new(Semaphore::new(permits.max(1))),
        }
    }

    /// How many hashes may run at once.
    pub fn capacity(&self) -> usize {
        self.permits.available_permits()
    }

    /// Hashes `password` into a PHC string (salt and parameters included).
    pub async fn hash(&self, password: Zeroizing<String>) -> ServiceResult<String> {
        let policy = self.policy;
        self.bounded(move || {
            let hash = policy
                .hasher()?
                .hash_password(password.as_bytes())
                .map_err(|e| ServiceError::Internal(format!("hashing failed: {e}")))?;
            Ok(hash.to_string())
        })
        .await
    }

    /// Checks `password` against a stored PHC string; a malformed hash is a mismatch.
    pub async fn verify(&self, stored: String, password: Zeroizing<String>) -> ServiceResult<bool> {
        self.bounded(move || {
            let Ok(parsed) = PasswordHash::new(&stored) else {
                return Ok(false);
            };
            Ok(Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok())
        })
        .await
    }

    async fn bounded<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> ServiceResult<T> + Send + 'static,
    ) -> ServiceResult<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| ServiceError::Internal(format!("hashing permits: {e}")))?;
        blocking(work).await
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> ServiceResult<T> + Send + 'static,
) -> ServiceResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ServiceError::Internal(format!("hashing task: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: HashPolicy = HashPolicy {
        memory_kib: 8,
        passes: 1,
        lanes: 1,
    };

    fn secret(text: &str) -> Zeroizing<String> {
        Zeroizing::new(text.to_owned())
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_password_and_names_its_parameters() {
        let hasher = Hasher::new(CHEAP);
        let hash = |p| hasher.hash(p);
        let verify = |s, p| hasher.verify(s, p);
        let stored = hash(secret("correct horse battery")).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
        assert!(
            verify(stored.clone(), secret("correct horse battery"))
                .await
                .unwrap()
        );
        assert!(
            !verify(stored.clone(), secret("correct horse batterY"))
                .await
                .unwrap()
        );
        assert!(!verify("not a hash".into(), secret("x")).await.unwrap());
        assert!(CHEAP.matches(&stored));
        assert!(!HashPolicy::STANDARD.matches(&stored));
    }

    #[test]
    fn hashes_at_once_are_bounded_by_memory_and_cores() {
        let gib = 1024 * 1024;
        // 2 GiB: a quarter is 512 MiB, eight 64 MiB hashes; two cores allow four.
        assert_eq!(permits_for(2 * gib, HashPolicy::STANDARD, 2), 4);
        assert_eq!(permits_for(2 * gib, HashPolicy::STANDARD, 16), 8);
        // A tiny machine still signs people in, one at a time.
        assert_eq!(permits_for(100 * 1024, HashPolicy::STANDARD, 8), 1);
    }

    #[tokio::test]
    async fn hashes_wait_for_a_permit() {
        let hasher = Hasher::with_permits(CHEAP, 1);
        let held = hasher.permits.clone().acquire_owned().await.unwrap();
        let waiting = tokio::spawn({
            let hasher = hasher.clone();
            async move { hasher.hash(secret("long enough password")).await }
        });
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "no permit, no hashing");
        drop(held);
        assert!(waiting.await.unwrap().is_ok());
    }
}
