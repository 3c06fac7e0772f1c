//! Types shared by the server and the browser (this crate also builds for wasm).
//!
//! Identifiers and states are their own types ([`ids`], [`container::LxcStatus`],
//! [`job::JobState`], [`audit::AuditAction`]): a value was checked when it was made.
//! Nothing here holds a secret: views of nodes say whether a secret is stored, never what
//! it is. Validation lives here so the browser and the server run the same code.

pub mod account;
pub mod audit;
pub mod backup;
pub mod container;
pub mod history;
pub mod ids;
pub mod inventory;
pub mod job;
pub mod logs;
pub mod node;
pub mod provision;
pub mod resources;
pub mod service;
pub mod snapshot;
pub mod system;
pub mod template;
pub mod time;
pub mod validate;

pub use ids::{DraftId, JobId, NodeId, UserId, Vmid};
pub use validate::FieldError;
