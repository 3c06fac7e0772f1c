//! Proxmox VE API client.
//!
//! Speaks HTTPS to a Proxmox VE node or cluster entry point: API-token or ticket
//! authentication, TLS pinned by certificate fingerprint (or a custom CA; never "accept
//! anything"), retries for idempotent reads, typed endpoints with lenient decoding of
//! PVE's loose JSON, UPIDs and task waiting. It knows nothing of users or databases and
//! never depends on `pve-sim`: the two meet only on the wire.

pub mod api;
mod client;
mod error;
pub mod lenient;
mod params;
pub mod propstring;
mod task;
pub mod tls;
mod upid;

pub use api::backups::{BackupItem, BackupMode};
pub use api::cluster::{
    ClusterResource, CpuInfo, NodeEntry, NodeStatus, ResourceKind, Usage, Version,
};
pub use api::lxc::{
    CreateSpec, DeleteOptions, Interface, IpAddress, LxcEntry, PowerAction, RootfsSpec, TermProxy,
};
pub use api::lxc_config::{LxcConfig, PendingEntry};
pub use api::network::HostInterface;
pub use api::rrd::{Consolidation, NodeRrdSample, RrdSample, Timeframe};
pub use api::snapshots::Snapshot;
pub use api::storage::{Appliance, Storage, StorageItem};
pub use api::tasks::{LogLine, LogPage, TaskEntry, TaskFilter, TaskStatus};
pub use client::{Auth, Client, ClientConfig, Secret};
pub use error::PveError;
pub use params::Params;
pub use task::{TaskOutcome, WaitOptions};
pub use tls::{CertificateInfo, Fingerprint, Trust, connect_reading_certificate, probe};
pub use tokio_util::sync::CancellationToken;
pub use upid::{Upid, UpidError};
