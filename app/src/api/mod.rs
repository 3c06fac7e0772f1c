//! The server functions: the authenticated action layer.
//!
//! Each is declared with `#[action]` (see [`crate::action`]): its first parameter names
//! who may call it, and its stable endpoint under `/api/` is listed in docs/api.md. A
//! server function is its signature, the caller, one backend service call and the
//! mapping of the answer.

pub mod audit;
pub mod auth;
pub mod backups;
pub mod containers;
pub mod history;
pub mod inventory;
pub mod jobs;
pub mod nodes;
pub mod services;
pub mod settings;
pub mod snapshots;
pub mod templates;
pub mod users;
pub mod wizard;
