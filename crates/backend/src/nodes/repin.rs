//! Re-pinning after a certificate or host-key change: the user sees the pinned
//! fingerprints beside what the node presents now, confirms, and the new ones are pinned
//! only if the node still presents exactly those and passes every check with them.

use model::ids::NodeId;
use model::node::{NodeView, RepinView};
use model::validate;

use super::connect::{probe, verify};
use super::records::{load, port_of};
use super::{changed, get};
use crate::Backend;
use crate::accounts::User;
use crate::audit::AuditAction;
use crate::error::{ServiceError, ServiceResult};

/// First step: probe the node again so the user sees old and new.
pub async fn repin_check(backend: &Backend, owner: &User, id: &NodeId) -> ServiceResult<RepinView> {
    let stored = load(backend, owner, id).await?;
    let probe = probe(&stored.host, port_of(stored.port), port_of(stored.ssh_port)).await;
    Ok(RepinView {
        node: stored.view()?,
        probe,
    })
}

/// Second step: pins the fingerprints the user confirmed (`confirmed`: the box was
/// ticked).
pub async fn repin(
    backend: &Backend,
    owner: &User,
    id: &NodeId,
    tls_fingerprint: &str,
    ssh_host_key: &str,
    confirmed: bool,
) -> ServiceResult<NodeView> {
    let stored = load(backend, owner, id).await?;
    let tls_fingerprint = validate::fingerprint("tls_fingerprint", tls_fingerprint)?;
    let ssh_host_key = validate::fingerprint("ssh_host_key", ssh_host_key)?;
    if !confirmed {
        return Err(ServiceError::field(
            "confirm",
            "compare the new fingerprints with the node and tick the box to trust them",
        ));
    }
    let live = probe(&stored.host, port_of(stored.port), port_of(stored.ssh_port)).await;
    let presents = |seen: Option<&str>, confirmed: &str| {
        seen.is_some_and(|s| s.eq_ignore_ascii_case(confirmed))
    };
    if !presents(
        live.tls.as_ref().ok().map(|c| c.fingerprint.as_str()),
        &tls_fingerprint,
    ) || !presents(live.ssh_host_key.as_deref().ok(), &ssh_host_key)
    {
        return Err(ServiceError::Conflict(
            "the node now presents different fingerprints than the ones you confirmed; check again"
                .into(),
        ));
    }
    let mut access = super::secrets::access(backend, &stored)?;
    access.tls_fingerprint = tls_fingerprint.clone();
    access.ssh_host_key = ssh_host_key.clone();
    verify(&access, Some(&stored.pve_node)).await?;
    backend
        .store
        .db()
        .query(
            "UPDATE type::record('node', $id) MERGE {
                 tls_fingerprint: $tls, ssh_host_key: $ssh, updated_at: time::now()
             } WHERE owner = type::record('user', $owner)",
        )
        .bind(("id", id.to_string()))
        .bind(("owner", owner.id.to_string()))
        .bind(("tls", tls_fingerprint.clone()))
        .bind(("ssh", ssh_host_key.clone()))
        .await?
        .check()?;
    backend.node_lists.changed();
    let detail = format!(
        "TLS {} → {tls_fingerprint}; SSH {} → {ssh_host_key}",
        stored.tls_fingerprint, stored.ssh_host_key
    );
    changed(
        backend,
        owner,
        (id, &stored),
        &stored.name,
        AuditAction::NodeRepin,
        Some(detail),
    )
    .await;
    get(backend, owner, id).await
}
