//! One container's page: live status, parsed configuration, addresses, recent events.

use std::time::Duration;

use model::container::{ContainerDetail, LxcStatus, NetView};
use model::ids::{NodeId, Vmid};
use pve::PveError;

use crate::Backend;
use crate::accounts::User;
use crate::audit;
use crate::error::{ServiceError, ServiceResult};
use crate::nodes;

/// How many audit entries the Events list shows.
const EVENTS: u32 = 50;

/// Everything about container `vmid` on the user's node `node_id`.
pub async fn detail(
    backend: &Backend,
    user: &User,
    node_id: &NodeId,
    vmid: Vmid,
) -> ServiceResult<ContainerDetail> {
    let (view, access) = nodes::access(backend, user, node_id).await?;
    let client = access.client(Duration::from_secs(10))?;
    let not_found_or = |e: PveError| match e {
        PveError::NotFound { .. } => ServiceError::NotFound,
        other => access.upstream(&other),
    };
    let (status, config, pending) = tokio::try_join!(
        async {
            client
                .lxc_status(&view.pve_node, vmid.get())
                .await
                .map_err(not_found_or)
        },
        async {
            client
                .lxc_config(&view.pve_node, vmid.get())
                .await
                .map_err(not_found_or)
        },
        async {
            client
                .lxc_pending(&view.pve_node, vmid.get())
                .await
                .map_err(not_found_or)
        },
    )?;
    let pending = pending
        .into_iter()
        .filter(pve::PendingEntry::is_pending)
        .map(|entry| model::resources::PendingChange {
            key: entry.key,
            now: entry.value,
            then: entry.pending,
        })
        .collect();
    let status_word = LxcStatus::parse(&status.status);
    let addresses = if status_word.is_running() {
        // DHCP addresses are only known to the running container; an error here is not
        // worth failing the page for.
        match client.lxc_interfaces(&view.pve_node, vmid.get()).await {
            Ok(interfaces) => interfaces
                .unwrap_or_default()
                .into_iter()
                .filter(|i| i.name != "lo")
                .flat_map(|i| {
                    let listed: Vec<String> = i
                        .ip_addresses
                        .iter()
                        .filter(|a| !a.address.starts_with("fe80"))
                        .map(|a| format!("{}/{} ({})", a.address, a.prefix, i.name))
                        .collect();
                    if listed.is_empty() {
                        i.inet
                            .map(|a| format!("{a} ({})", i.name))
                            .into_iter()
                            .collect()
                    } else {
                        listed
                    }
                })
                .collect(),
            Err(error) => {
                tracing::debug!(%error, %vmid, "interfaces unavailable");
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let mut features = Vec::new();
    for (on, name) in [
        (config.features.nesting, "nesting"),
        (config.features.keyctl, "keyctl"),
        (config.features.fuse, "fuse"),
        (config.features.mknod, "mknod"),
    ] {
        if on {
            features.push(name.to_owned());
        }
    }
    if !config.features.mount.is_empty() {
        features.push(format!("mount={}", config.features.mount.join(";")));
    }
    let events = audit::for_container(backend, user, node_id, vmid, EVENTS).await?;
    let created_by = crate::jobs::creator_of(backend, user, node_id, vmid).await?;
    Ok(ContainerDetail {
        node_id: view.id.clone(),
        node_name: view.name.clone(),
        pve_node: view.pve_node.clone(),
        vmid,
        status: status_word,
        lock: status.lock.or(config.lock.clone()),
        uptime: status.uptime,
        cpu: status.cpu,
        mem: status.mem,
        maxmem: status.maxmem,
        disk: status.disk,
        maxdisk: status.maxdisk,
        hostname: config.hostname.clone(),
        ostype: config.ostype.clone(),
        arch: config.arch.clone(),
        cores: config.cores,
        memory_mib: config.memory,
        swap_mib: config.swap,
        rootfs: config.rootfs.as_ref().map(|v| v.volume.clone()),
        rootfs_size: config.rootfs.as_ref().and_then(|v| v.size.clone()),
        networks: config
            .networks
            .iter()
            .map(|(index, net)| NetView {
                key: format!("net{index}"),
                name: net.name.clone(),
                bridge: net.bridge.clone(),
                ip: net.ip.clone(),
                gw: net.gw.clone(),
                ip6: net.ip6.clone(),
                gw6: net.gw6.clone(),
                hwaddr: net.hwaddr.clone(),
                firewall: net.firewall.unwrap_or(false),
                vlan: net.tag,
            })
            .collect(),
        features,
        unprivileged: config.unprivileged,
        onboot: config.onboot,
        tags: config.tags.clone(),
        description: config.description.clone(),
        cpulimit: config.cpulimit,
        startup_order: config.startup.as_deref().and_then(startup_order),
        digest: config.digest.clone(),
        pending,
        created_by,
        addresses,
        events,
    })
}

/// The `order` of a `startup` property (`order=2,up=30` or a bare `2`).
fn startup_order(startup: &str) -> Option<u32> {
    startup
        .split(',')
        .find_map(|part| match part.split_once('=') {
            Some(("order", value)) => value.parse().ok(),
            None => part.parse().ok(),
            _ => None,
        })
}
