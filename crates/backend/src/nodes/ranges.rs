//! The address ranges nodes may be added in: an administrator's setting (or the
//! `--node-address-ranges` flag, which then wins), checked when a node is probed, added
//! or edited. A host name is resolved and every address it has must be inside. No
//! ranges (the default) allows any address.

use std::time::Duration;

use model::node::NodeRangesView;

use crate::Backend;
use crate::accounts::User;
use crate::audit::{self, AuditAction, Entry, Target};
use crate::error::{ServiceError, ServiceResult};
use crate::net::AddressRanges;
use crate::store::StoreError;
use surrealdb::types::SurrealValue;

/// How long resolving a node's host name may take.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// The ranges in force: the flag's, else the stored setting.
pub async fn current(backend: &Backend) -> ServiceResult<AddressRanges> {
    if let Some(fixed) = &backend.node_ranges_flag {
        return Ok(fixed.clone());
    }
    let stored: Option<StoredRanges> = backend
        .store
        .db()
        .query("SELECT node_ranges FROM ONLY setting:this")
        .await?
        .check()?
        .take(0)?;
    let texts = stored.and_then(|s| s.node_ranges).unwrap_or_default();
    texts.join(",").parse().map_err(|reason: String| {
        StoreError::Corrupt(format!("stored node ranges: {reason}")).into()
    })
}

/// The setting as stored.
#[derive(Debug, SurrealValue)]
struct StoredRanges {
    node_ranges: Option<Vec<String>>,
}

/// The setting as the page shows it (administrators only).
pub async fn view(backend: &Backend, admin: &User) -> ServiceResult<NodeRangesView> {
    admin.require_admin()?;
    Ok(NodeRangesView {
        ranges: current(backend).await?.to_string(),
        fixed_by_flag: backend.node_ranges_flag.is_some(),
    })
}

/// Replaces the ranges with those in `text` (empty: anywhere); administrators only.
pub async fn set(backend: &Backend, admin: &User, text: &str) -> ServiceResult<NodeRangesView> {
    admin.require_admin()?;
    if backend.node_ranges_flag.is_some() {
        return Err(ServiceError::Conflict(
            "the ranges are set by --node-address-ranges; change the flag instead".into(),
        ));
    }
    if text.len() > 4096 {
        return Err(ServiceError::field("ranges", "at most 4,096 characters"));
    }
    let ranges: AddressRanges = text
        .parse()
        .map_err(|reason: String| ServiceError::field("ranges", reason))?;
    backend
        .store
        .db()
        .query("UPDATE setting:this SET node_ranges = $ranges")
        .bind(("ranges", ranges.texts()))
        .await?
        .check()?;
    let shown = if ranges.is_empty() {
        "anywhere".to_owned()
    } else {
        ranges.to_string()
    };
    audit::record(
        backend,
        Entry::ok(
            admin,
            AuditAction::SettingsNodeRanges,
            Target::setting("node address ranges"),
        )
        .detail(format!("nodes may be added in: {shown}")),
    )
    .await;
    view(backend, admin).await
}

/// Refuses `host` when an address it resolves to is outside the ranges in force.
pub async fn check(backend: &Backend, host: &str, port: u16) -> ServiceResult<()> {
    let ranges = current(backend).await?;
    if ranges.is_empty() {
        return Ok(());
    }
    let outside = |address: String| {
        ServiceError::field(
            "host",
            format!(
                "{host} ({address}) is outside the ranges nodes may be added in ({ranges}); an administrator sets them in Settings"
            ),
        )
    };
    let addresses: Vec<std::net::SocketAddr> =
        tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| ServiceError::field("host", format!("resolving {host} took too long")))?
            .map_err(|e| ServiceError::field("host", format!("cannot resolve {host}: {e}")))?
            .collect();
    if addresses.is_empty() {
        return Err(ServiceError::field(
            "host",
            format!("{host} has no address"),
        ));
    }
    match addresses.iter().find(|a| !ranges.contains(a.ip())) {
        Some(address) => Err(outside(address.ip().to_string())),
        None => Ok(()),
    }
}
