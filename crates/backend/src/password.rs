//! Password hashing: Argon2id with parameters above the OWASP minimum, always run on the
//! blocking pool so a login never stalls the async executor.

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
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

/// Hashes `password` into a PHC string (salt and parameters included).
pub async fn hash(policy: HashPolicy, password: Zeroizing<String>) -> ServiceResult<String> {
    blocking(move || {
        let hash = policy
            .hasher()?
            .hash_password(password.as_bytes())
            .map_err(|e| ServiceError::Internal(format!("hashing failed: {e}")))?;
        Ok(hash.to_string())
    })
    .await
}

/// Checks `password` against a stored PHC string; a malformed hash is a mismatch.
pub async fn verify(stored: String, password: Zeroizing<String>) -> ServiceResult<bool> {
    blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return Ok(false);
        };
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
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
        let stored = hash(CHEAP, secret("correct horse battery")).await.unwrap();
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
}
