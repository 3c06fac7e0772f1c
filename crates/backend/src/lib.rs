//! Corral's domain layer.
//!
//! It knows nothing of Leptos or axum: the `server` binary opens the [`store::Store`] and
//! hands it to the `app` crate's server functions. Later modules (vault, accounts, nodes,
//! inventory, jobs) live beside `store` and take the owning user as their first argument.

pub mod instance;
pub mod ssh;
pub mod store;
pub mod vault;
