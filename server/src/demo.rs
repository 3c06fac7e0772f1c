//! `corral --demo`: a simulated Proxmox VE node from `pve-sim`, in this process, at
//! realistic speed. Only started with `--demo`.

use backend::nodes::DemoCluster;
use model::node::DemoView;
use pve_sim::{SimConfig, Simulator, Speed};

/// Starts the simulator on free loopback ports and describes it for "Add the demo node".
pub async fn start() -> Result<(Simulator, DemoCluster), String> {
    let simulator = Simulator::start(SimConfig {
        speed: Speed::Realistic,
        journal_activity: Some(std::time::Duration::from_secs(30)),
        ..SimConfig::default()
    })
    .await
    .map_err(|e| format!("cannot start the demo cluster: {e}"))?;
    let node = simulator
        .node_names()
        .into_iter()
        .next()
        .ok_or("the demo cluster has no node")?;
    let api_url = simulator
        .node_api_url(&node)
        .ok_or("the demo node has no API")?;
    let port = api_url
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .ok_or("the demo API URL has no port")?;
    let ssh = simulator
        .ssh_address(&node)
        .ok_or("the demo node has no SSH")?;
    let (token_id, token_secret) = simulator.token();
    let cluster = DemoCluster {
        details: DemoView {
            host: ssh.ip().to_string(),
            port,
            ssh_port: ssh.port(),
            pve_node: node.clone(),
            token_id,
            token_secret,
            ssh_password: simulator.ssh_password(),
        },
        tls_fingerprint: simulator
            .tls_fingerprint(&node)
            .ok_or("no demo certificate")?,
        ssh_host_key: simulator.ssh_host_key(&node).ok_or("no demo host key")?,
    };
    tracing::info!(api = %api_url, ssh = %ssh, "demo cluster started (simulated Proxmox VE)");
    Ok((simulator, cluster))
}
