//! The one error type of every server function, shared with the browser. Its HTTP
//! status is set in one place, by the action client ([`crate::action`]), for every error
//! a server function answers.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What a server function answers instead of a result. Each variant maps to an HTTP
/// status for API clients; plain form posts are redirected back with the error instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No valid session (401).
    #[error("please sign in")]
    Unauthenticated,
    /// Signed in, but not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// Nothing of that name is visible to you (404).
    #[error("not found")]
    NotFound,
    /// A field is wrong (422); `field` is the form input's name.
    #[error("{message}")]
    Validation { field: String, message: String },
    /// Clashes with the current state (409).
    #[error("{0}")]
    Conflict(String),
    /// Wrong username or password (401), deliberately vague.
    #[error("wrong username or password")]
    BadCredentials,
    /// Too many attempts (429).
    #[error("too many sign-in attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// A Proxmox node or its SSH server failed (502); the message names the node.
    #[error("{node}: {message}")]
    Upstream { node: String, message: String },
    /// Anything else (500); the reference finds the details in the server log.
    #[error("internal error (reference {reference})")]
    Internal { reference: String },
    /// The request did not reach the function or its answer could not be read.
    #[error("{0}")]
    Request(String),
}

impl From<model::FieldError> for AppError {
    fn from(error: model::FieldError) -> Self {
        AppError::Validation {
            field: error.field,
            message: error.message,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        AppError::Request(error.to_string())
    }
}

impl AppError {
    /// The form field this error points at, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Validation { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The HTTP status an API client sees.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::Validation { .. } => 422,
            AppError::RateLimited { .. } => 429,
            AppError::Upstream { .. } => 502,
            AppError::Internal { .. } => 500,
            AppError::Request(_) => 400,
        }
    }
}

#[cfg(feature = "ssr")]
mod server {
    use backend::ServiceError;

    use super::AppError;

    impl AppError {
        /// An internal error: the details go to the server log under a short reference,
        /// the caller sees only the reference.
        pub fn internal(error: impl std::fmt::Display) -> AppError {
            let reference = backend::ids::error_reference();
            tracing::error!(%reference, %error, "internal error");
            AppError::Internal { reference }
        }
    }

    impl From<ServiceError> for AppError {
        fn from(error: ServiceError) -> Self {
            match error {
                ServiceError::BadCredentials => AppError::BadCredentials,
                ServiceError::RateLimited { retry_after } => AppError::RateLimited {
                    retry_after_secs: retry_after.as_secs().max(1),
                },
                ServiceError::Forbidden(message) => AppError::Forbidden(message),
                ServiceError::NotFound => AppError::NotFound,
                ServiceError::Validation(e) => AppError::Validation {
                    field: e.field,
                    message: e.message,
                },
                ServiceError::Conflict(message) => AppError::Conflict(message),
                ServiceError::Upstream { node, message } => AppError::Upstream { node, message },
                other @ (ServiceError::LeaseLost
                | ServiceError::Store(_)
                | ServiceError::Vault(_)
                | ServiceError::Internal(_)) => AppError::internal(other),
            }
        }
    }
}
