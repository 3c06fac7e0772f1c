//! Service discovery (PRODUCT.md §7), agentless: one `pct exec <vmid> -- sh -c <probe>`
//! over the node's pooled SSH session reads the container's systemd units (or OpenRC
//! services), listening TCP sockets with their processes, Docker containers and the
//! credential files scripts left in `/etc/corral/credentials/<service>`
//! ([`parse`] turns that output into services with ports). The result is stored per
//! container with its time; credentials are sealed by the vault, bound to the container
//! and the service, and only ever opened one service at a time on request (audited).
//! A failed attempt keeps the previous services and records why and when. The ports
//! services listen on outside loopback are probed for web UIs ([`web`]).
//! [`refresher`] reads stale discoveries again in the background; [`rows`] is what the
//! dashboard shows of them.

mod parse;
pub mod refresher;
pub mod rows;
mod web;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use model::audit::AuditAction;
use model::ids::{NodeId, Vmid};
use model::service::{Discovery, Service, ServiceKind, ServiceStatus};
use surrealdb::types::SurrealValue;
use zeroize::Zeroizing;

use crate::Backend;
use crate::accounts::User;
use crate::audit::{self, Entry, Target};
use crate::error::{ServiceError, ServiceResult};
use crate::nodes;
use crate::ssh;
use crate::store::StoreError;
use crate::vault::Binding;

/// How long one discovery may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The record key of a container's discovery.
fn key(node_id: &NodeId, vmid: Vmid) -> String {
    format!("{node_id}_{vmid}")
}

fn binding<'a>(record: &'a str, field: &'a str) -> Binding<'a> {
    Binding {
        table: "discovery",
        record,
        field,
    }
}

/// A discovery as stored.
#[derive(Debug, SurrealValue)]
struct Stored {
    discovered_at: Option<String>,
    duration_ms: i64,
    services: String,
    address: Option<String>,
    notes: Vec<String>,
    credentials: String,
    last_error: Option<String>,
    failed_at: Option<String>,
}

impl Stored {
    fn view(&self) -> ServiceResult<Discovery> {
        let services: Vec<Service> = serde_json::from_str(&self.services)
            .map_err(|e| StoreError::Corrupt(format!("a discovery is unreadable: {e}")))?;
        Ok(Discovery {
            discovered_at: self.discovered_at.clone().unwrap_or_default(),
            duration_ms: u64::try_from(self.duration_ms).unwrap_or(0),
            services,
            address: self.address.clone(),
            notes: self.notes.clone(),
            last_error: self.last_error.clone(),
            failed_at: self.failed_at.clone(),
        })
    }

    fn sealed(&self) -> ServiceResult<BTreeMap<String, String>> {
        serde_json::from_str(&self.credentials)
            .map_err(|e| StoreError::Corrupt(format!("a discovery is unreadable: {e}")).into())
    }
}

const STORED: &str = "IF discovered_at { time::format(discovered_at, '%Y-%m-%dT%H:%M:%SZ') } \
     ELSE { NONE } AS discovered_at, duration_ms, services, address, notes, credentials, last_error, \
     IF failed_at { time::format(failed_at, '%Y-%m-%dT%H:%M:%SZ') } ELSE { NONE } AS failed_at";

async fn load(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
) -> ServiceResult<Option<Stored>> {
    let stored: Option<Stored> = backend
        .store
        .db()
        .query(format!(
            "SELECT {STORED} FROM ONLY type::record('discovery', $key)
              WHERE owner = type::record('user', $owner)"
        ))
        .bind(("key", key(node_id, vmid)))
        .bind(("owner", user.id.to_string()))
        .await?
        .check()?
        .take(0)?;
    Ok(stored)
}

/// The last discovery of the user's container, if there was one (no credentials in it).
pub async fn get(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
) -> ServiceResult<Option<Discovery>> {
    nodes::get(backend, user, node_id).await?;
    load(backend, user, node_id, vmid)
        .await?
        .map(|stored| stored.view())
        .transpose()
}

/// What one probe found: services and notes, the container's address, and each
/// service's credential pairs.
struct Found {
    services: Vec<Service>,
    address: Option<std::net::Ipv4Addr>,
    notes: Vec<String>,
    credentials: BTreeMap<String, Vec<(String, String)>>,
}

/// A service name as credential files and the pages use it: 1–64 letters, digits, `.`,
/// `_` or `-`.
fn is_service_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn read(output: &str, known: &[String]) -> Found {
    let sections = parse::Sections::split(output);
    let mut notes = Vec::new();
    let mut services = parse::services(&sections, known, &mut notes);
    let address = match &sections.addresses {
        Some(lines) => parse::global_addresses(lines).into_iter().next(),
        None => {
            notes.push("no `ip` command: web UIs were not looked for".into());
            None
        }
    };
    let mut credentials = BTreeMap::new();
    for (service, lines) in &sections.credentials {
        if !is_service_name(service) {
            notes.push(format!(
                "credentials file {service:?}: not a service name, skipped"
            ));
            continue;
        }
        let (pairs, skipped) = parse::credentials(lines);
        if skipped > 0 {
            notes.push(format!(
                "credentials of {service}: {skipped} line(s) that are not KEY=VALUE text skipped"
            ));
        }
        if pairs.is_empty() {
            continue;
        }
        match services.iter_mut().find(|s| s.name == *service) {
            Some(found) => found.has_credentials = true,
            // A credential file with no running service: the service is stopped.
            None => services.push(Service {
                name: (*service).to_owned(),
                kind: ServiceKind::Process,
                status: ServiceStatus::Stopped,
                ports: Vec::new(),
                is_system: false,
                detail: "known from its credentials".into(),
                has_credentials: true,
                web: Vec::new(),
            }),
        }
        credentials.insert((*service).to_owned(), pairs);
    }
    Found {
        services,
        address,
        notes,
        credentials,
    }
}

/// Reads the user's container's services now and stores them. A container that cannot be
/// read (node down, container stopped, host key changed) keeps its last result, now with
/// the error and the time of this attempt; that is the answer then, not an error.
pub async fn refresh(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
) -> ServiceResult<Discovery> {
    let (view, access) = nodes::access(backend, user, node_id).await?;
    let started = Instant::now();
    let vmid_text = vmid.to_string();
    let line = ssh::command(&["pct", "exec", &vmid_text, "--", "sh", "-c", parse::PROBE])
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    // Boxed: an SSH exec is a large future, and callers (the job runner) are deep already.
    let attempt = Box::pin(async {
        let session = backend.ssh.session(&access.ssh_target()).await?;
        session.exec(&line, None, TIMEOUT, |_, _| {}).await
    })
    .await;
    let record = key(node_id, vmid);
    // Services seen before are still listed once they stop.
    let known: Vec<String> = match load(backend, user, node_id, vmid).await? {
        Some(stored) => stored
            .view()?
            .services
            .into_iter()
            .filter(|s| !s.is_system && s.kind != ServiceKind::Docker)
            .map(|s| s.name)
            .collect(),
        None => Vec::new(),
    };
    let outcome = match attempt {
        Ok(output) if output.success() => {
            let mut found = read(&output.stdout, &known);
            if let Some(address) = found.address {
                if web::may_probe(address, &access.host) {
                    web::probe_services(address, &mut found.services).await;
                } else {
                    found.notes.push(format!(
                        "{address} is an address of this machine's own: web UIs were not probed"
                    ));
                }
            }
            Ok(found)
        }
        Ok(output) => Err(format!(
            "pct exec failed: {}",
            output.stderr.lines().last().unwrap_or("no message").trim()
        )),
        Err(error) => Err(format!("{}: {error}", view.name)),
    };
    match outcome {
        Ok(found) => {
            let mut sealed = BTreeMap::new();
            for (service, pairs) in &found.credentials {
                let field = format!("credentials/{service}");
                let plain = Zeroizing::new(
                    serde_json::to_string(pairs)
                        .map_err(|e| ServiceError::Internal(e.to_string()))?,
                );
                sealed.insert(
                    service.clone(),
                    backend
                        .keys
                        .seal(&binding(&record, &field), plain.as_bytes())?,
                );
            }
            let services = serde_json::to_string(&found.services)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            let credentials = serde_json::to_string(&sealed)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            backend
                .store
                .db()
                .query(
                    "UPSERT type::record('discovery', $key) CONTENT {
                         owner: type::record('user', $owner), node: type::record('node', $node),
                         vmid: $vmid, discovered_at: time::now(), duration_ms: $ms,
                         services: $services, address: $address, notes: $notes,
                         credentials: $credentials,
                         last_error: NONE, failed_at: NONE
                     }",
                )
                .bind(("key", record.clone()))
                .bind(("owner", user.id.to_string()))
                .bind(("node", node_id.to_string()))
                .bind(("vmid", i64::from(vmid.get())))
                .bind((
                    "ms",
                    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
                ))
                .bind(("services", services))
                .bind(("address", found.address.map(|a| a.to_string())))
                .bind(("notes", found.notes))
                .bind(("credentials", credentials))
                .await?
                .check()?;
        }
        Err(message) => {
            tracing::info!(node = %node_id, %vmid, %message, "discovery failed; the last result stays");
            backend
                .store
                .db()
                .query(
                    "UPSERT type::record('discovery', $key) MERGE {
                         owner: type::record('user', $owner), node: type::record('node', $node),
                         vmid: $vmid, last_error: $message, failed_at: time::now()
                     }",
                )
                .bind(("key", record.clone()))
                .bind(("owner", user.id.to_string()))
                .bind(("node", node_id.to_string()))
                .bind(("vmid", i64::from(vmid.get())))
                .bind(("message", message))
                .await?
                .check()?;
        }
    }
    backend.row_services.changed();
    load(backend, user, node_id, vmid)
        .await?
        .ok_or_else(|| ServiceError::Internal("the discovery vanished".into()))?
        .view()
}

/// The credentials discovery found for `service` in the user's container: opened here,
/// audited, never stored in plain text.
pub async fn reveal_credentials(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
    service: &str,
) -> ServiceResult<Vec<(String, String)>> {
    if !is_service_name(service) {
        return Err(ServiceError::field("service", "not a service name"));
    }
    let view = nodes::get(backend, user, node_id).await?;
    let stored = load(backend, user, node_id, vmid)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let sealed = stored.sealed()?;
    let envelope = sealed.get(service).ok_or(ServiceError::NotFound)?;
    let record = key(node_id, vmid);
    let field = format!("credentials/{service}");
    let plain = backend.keys.open(&binding(&record, &field), envelope)?;
    let pairs: Vec<(String, String)> = serde_json::from_slice(&plain)
        .map_err(|e| StoreError::Corrupt(format!("credentials are unreadable: {e}")))?;
    audit::record(
        backend,
        Entry::ok(
            user,
            AuditAction::ServiceCredentials,
            Target::service(node_id, &view.name, vmid, service),
        ),
    )
    .await;
    Ok(pairs)
}

/// Re-encrypts every stored credential under the current key (`corral rotate-key`, like
/// `nodes::reseal_all`); returns how many.
pub async fn reseal_all(backend: &Backend) -> ServiceResult<usize> {
    #[derive(SurrealValue)]
    struct Row {
        id: String,
        credentials: String,
    }
    let rows: Vec<Row> = backend
        .store
        .db()
        .query("SELECT record::id(id) AS id, credentials FROM discovery WHERE credentials != '{}'")
        .await?
        .check()?
        .take(0)?;
    let mut count = 0;
    for row in rows {
        let mut sealed: BTreeMap<String, String> = serde_json::from_str(&row.credentials)
            .map_err(|e| StoreError::Corrupt(format!("a discovery is unreadable: {e}")))?;
        let mut changed = false;
        for (service, envelope) in sealed.iter_mut() {
            if backend.keys.is_stale(envelope)? {
                let field = format!("credentials/{service}");
                *envelope = backend.keys.reseal(&binding(&row.id, &field), envelope)?;
                changed = true;
                count += 1;
            }
        }
        if changed {
            let credentials = serde_json::to_string(&sealed)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            backend
                .store
                .db()
                .query("UPDATE type::record('discovery', $id) SET credentials = $credentials")
                .bind(("id", row.id))
                .bind(("credentials", credentials))
                .await?
                .check()?;
        }
    }
    Ok(count)
}
