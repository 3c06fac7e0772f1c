//! The one error type of the backend's services (accounts, nodes, audit, …).

use std::time::Duration;

use model::FieldError;

use crate::store::StoreError;
use crate::vault::VaultError;

/// What a service call can answer instead of a result. Messages never hold a secret.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Wrong username or password (deliberately says nothing more).
    #[error("wrong username or password")]
    BadCredentials,
    /// Too many attempts; try again later.
    #[error("too many sign-in attempts; try again in {} s", retry_after.as_secs().max(1))]
    RateLimited { retry_after: Duration },
    /// Signed in, but not allowed (e.g. not an admin).
    #[error("{0}")]
    Forbidden(String),
    /// Nothing of that name is visible to the caller.
    #[error("not found")]
    NotFound,
    /// A form field is wrong.
    #[error("{0}")]
    Validation(FieldError),
    /// The request clashes with the current state (duplicate name, setup already done).
    #[error("{0}")]
    Conflict(String),
    /// A Proxmox node or its SSH server failed; the message names the node.
    #[error("{node}: {message}")]
    Upstream { node: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// Anything else; details are in the server log.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<surrealdb::Error> for ServiceError {
    fn from(error: surrealdb::Error) -> Self {
        ServiceError::Store(StoreError::from(error))
    }
}

impl From<FieldError> for ServiceError {
    fn from(error: FieldError) -> Self {
        ServiceError::Validation(error)
    }
}

impl ServiceError {
    /// A validation error for `field`.
    pub fn field(field: &str, message: impl Into<String>) -> ServiceError {
        ServiceError::Validation(FieldError::new(field, message))
    }
}

/// Shorthand for service results.
pub type ServiceResult<T> = Result<T, ServiceError>;

/// All statement errors of a multi-statement query, joined; `None` when every statement
/// succeeded. (A failed transaction reports its cause and a generic "aborted" error, in
/// no particular order, so callers match on the joined text.)
pub(crate) fn statement_errors(response: &mut surrealdb::IndexedResults) -> Option<String> {
    let errors = response.take_errors();
    if errors.is_empty() {
        return None;
    }
    let mut texts: Vec<(usize, String)> = errors
        .into_iter()
        .map(|(i, e)| (i, e.to_string()))
        .collect();
    texts.sort();
    Some(
        texts
            .into_iter()
            .map(|(_, text)| text)
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// The value of the last statement that produced one (`LET`, `IF` without a value,
/// `BEGIN` and `COMMIT` produce none), for transactions whose answer is one statement
/// among several.
pub(crate) fn last_value<T>(response: &mut surrealdb::IndexedResults) -> Option<T>
where
    T: surrealdb::types::SurrealValue,
{
    (0..response.num_statements())
        .rev()
        .find_map(|index| response.take::<Option<T>>(index).ok().flatten())
}

/// Whether a failed statement is SurrealDB's optimistic-concurrency conflict (two
/// transactions wrote the same record): running the transaction again is the fix.
pub(crate) fn is_write_conflict(text: &str) -> bool {
    text.contains("Transaction conflict") || text.contains("can be retried")
}

/// How often a transaction that lost a write conflict is run again.
const CONFLICT_RETRIES: u32 = 8;

/// Runs `attempt` again, after a short and growing pause, while it fails with an error
/// that `conflict` says is a write conflict (at most [`CONFLICT_RETRIES`] times).
pub(crate) async fn retry_conflicts<T, E, Fut>(
    mut attempt: impl FnMut() -> Fut,
    conflict: impl Fn(&E) -> bool,
) -> Result<T, E>
where
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(error) if conflict(&error) && tries < CONFLICT_RETRIES => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(2 << tries)).await;
            }
            other => return other,
        }
    }
}

impl ServiceError {
    /// Whether this is a database write conflict (worth running the transaction again).
    pub(crate) fn is_write_conflict(&self) -> bool {
        matches!(self, ServiceError::Store(_) | ServiceError::Internal(_))
            && is_write_conflict(&self.to_string())
    }
}
