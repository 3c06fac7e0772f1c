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
    /// A job runner no longer holds the job it was working on: another runner took it
    /// over after the lease expired. The runner stops; nothing is written in its name.
    #[error("the job is held by another runner")]
    LeaseLost,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// Anything else (a failed hashing task, a value that cannot be encoded); details
    /// are in the server log.
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

    /// Whether this is a database write conflict (worth running the transaction again).
    pub fn is_write_conflict(&self) -> bool {
        matches!(self, ServiceError::Store(store) if store.is_write_conflict())
    }
}

/// Shorthand for service results.
pub type ServiceResult<T> = Result<T, ServiceError>;
