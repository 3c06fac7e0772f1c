//! The built-in simulated cluster of `corral --demo`, added in one click.

use model::node::{DemoView, NodeForm, NodeView};

use crate::Backend;
use crate::accounts::User;
use crate::error::ServiceResult;

/// The simulated cluster: where it listens and how to log in (the part shown to users),
/// and its fingerprints.
#[derive(Debug, Clone)]
pub struct DemoCluster {
    pub details: DemoView,
    pub tls_fingerprint: String,
    pub ssh_host_key: String,
}

impl DemoCluster {
    /// The add form as a user would fill it in, the fingerprints confirmed (they come
    /// from the simulator itself).
    fn form(&self) -> NodeForm {
        let demo = &self.details;
        NodeForm {
            name: format!("{} (demo)", demo.pve_node),
            pve_node: demo.pve_node.clone(),
            host: demo.host.clone(),
            port: demo.port.to_string(),
            token_id: demo.token_id.clone(),
            token_secret: demo.token_secret.clone(),
            ssh_port: demo.ssh_port.to_string(),
            ssh_password: demo.ssh_password.clone(),
            tls_fingerprint: self.tls_fingerprint.clone(),
            ssh_host_key: self.ssh_host_key.clone(),
            confirm: Some("on".into()),
            ..NodeForm::default()
        }
    }
}

/// Adds the demo cluster's node, labelled as a demo, after the same checks as any node.
pub async fn add_demo(
    backend: &Backend,
    owner: &User,
    cluster: &DemoCluster,
) -> ServiceResult<NodeView> {
    super::add(backend, owner, &cluster.form(), true).await
}
