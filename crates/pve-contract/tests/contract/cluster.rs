//! The cluster-wide reads: version, nodes, status, resources, the next free VMID, storages, templates and bridges.

use pve::{PveError, ResourceKind};
use pve_sim::SimConfig;

use super::support::*;

#[tokio::test]
async fn reads_version_nodes_status_and_resources() {
    let sim = simulator(SimConfig {
        nodes: 2,
        containers: 5,
        ..SimConfig::default()
    })
    .await;
    let client = client(&sim);
    assert_eq!(client.version().await.unwrap().release, "9.1");
    let nodes = client.nodes().await.unwrap();
    assert_eq!(
        nodes.iter().map(|n| n.node.as_str()).collect::<Vec<_>>(),
        ["pve", "pve2"]
    );
    assert_eq!(nodes[1].ssl_fingerprint, sim.tls_fingerprint("pve2"));
    let status = client.node_status("pve").await.unwrap();
    assert_eq!(status.loadavg.len(), 3);
    assert!(
        status.cpuinfo.mhz.is_some_and(|mhz| mhz > 1000.0),
        "mhz arrives as a string"
    );
    let all = client.cluster_resources(None).await.unwrap();
    assert!(all.iter().any(|r| r.kind == "node") && all.iter().any(|r| r.kind == "storage"));
    let guests = client
        .cluster_resources(Some(ResourceKind::Vm))
        .await
        .unwrap();
    assert_eq!(guests.len(), 5);
    assert!(
        guests
            .iter()
            .all(|g| g.kind == "lxc" && g.vmid.is_some() && g.status.is_some())
    );
    assert!(guests.iter().any(|g| !g.tags.is_empty()));
}

#[tokio::test]
async fn next_id_is_read_from_a_string_and_taken_ids_are_parameter_errors() {
    let sim = simulator(SimConfig::default()).await;
    let client = client(&sim);
    assert_eq!(client.next_id(None).await.unwrap(), 106);
    assert_eq!(client.next_id(Some(4242)).await.unwrap(), 4242);
    let Err(PveError::Parameters { errors, .. }) = client.next_id(Some(100)).await else {
        panic!("a taken vmid must be a parameter error");
    };
    assert_eq!(errors["vmid"], "VM 100 already exists");
    let Err(PveError::Parameters { errors, .. }) = client.next_id(Some(99)).await else {
        panic!("99 is not a vmid");
    };
    assert!(errors["vmid"].contains("does not look like a valid VM ID"));
}

#[tokio::test]
async fn storages_templates_appliances_and_bridges() {
    let sim = simulator(SimConfig::default()).await;
    let client = client(&sim);
    let template_stores = client.storages("pve", Some("vztmpl")).await.unwrap();
    assert_eq!(
        template_stores
            .iter()
            .map(|s| s.storage.as_str())
            .collect::<Vec<_>>(),
        ["local"]
    );
    let rootdir = client.storages("pve", Some("rootdir")).await.unwrap();
    assert!(rootdir.iter().all(|s| s.holds("rootdir")));
    let templates = client
        .storage_content("pve", "local", Some("vztmpl"))
        .await
        .unwrap();
    assert_eq!(templates.len(), 2);
    assert!(templates.iter().any(|t| t.format == "tzst"));
    let disks = client
        .storage_content("pve", "local-lvm", None)
        .await
        .unwrap();
    assert!(
        disks.iter().all(|d| d.ctime.is_some()),
        "LVM ctime arrives as a string"
    );
    let appliances = client.appliances("pve").await.unwrap();
    let ubuntu = appliances.iter().find(|a| a.os == "ubuntu-24.04").unwrap();
    let upid = client
        .appliance_download("pve", "local", &ubuntu.template)
        .await
        .unwrap();
    assert_eq!(upid.worker_type, "download");
    wait(&client, &upid).await.unwrap();
    assert_eq!(
        client
            .storage_content("pve", "local", Some("vztmpl"))
            .await
            .unwrap()
            .len(),
        3
    );
    let bridges = client.bridges("pve").await.unwrap();
    assert_eq!(
        bridges.iter().map(|b| b.iface.as_str()).collect::<Vec<_>>(),
        ["vmbr0", "vmbr1"]
    );
    assert!(bridges.iter().all(|b| b.active));
}
