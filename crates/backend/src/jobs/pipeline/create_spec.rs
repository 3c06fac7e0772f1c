//! The container specification as Proxmox's create call takes it: the network as
//! `net0` (IPv4 and IPv6, static or not), the root disk, features, keys and the generated
//! root password, and the node's resource pool when it has one. The container is created
//! stopped; the pipeline starts it.

use model::ids::JobId;
use model::provision::{ContainerSpec, Ipv4Config, Ipv6Config};
use pve::CreateSpec;

/// What to send for job `job_id`'s container, with its root `password`.
pub(super) fn create_spec(
    spec: &ContainerSpec,
    password: &str,
    job_id: &JobId,
    pool: Option<&str>,
) -> CreateSpec {
    let (ip, gw) = match spec.ipv4 {
        Ipv4Config::Dhcp => ("dhcp".to_owned(), None),
        Ipv4Config::Static {
            address,
            prefix,
            gateway,
        } => (
            format!("{address}/{prefix}"),
            gateway.map(|g| g.to_string()),
        ),
    };
    let (ip6, gw6) = match spec.ipv6 {
        Ipv6Config::None => (None, None),
        Ipv6Config::Auto => (Some("auto".to_owned()), None),
        Ipv6Config::Dhcp => (Some("dhcp".to_owned()), None),
        Ipv6Config::Static {
            address,
            prefix,
            gateway,
        } => (
            Some(format!("{address}/{prefix}")),
            gateway.map(|g| g.to_string()),
        ),
    };
    CreateSpec {
        vmid: spec.vmid.get(),
        ostemplate: spec.ostemplate.clone(),
        hostname: Some(spec.hostname.clone()),
        cores: Some(spec.cores),
        memory: Some(spec.memory_mib),
        swap: Some(spec.swap_mib),
        rootfs: Some(pve::RootfsSpec {
            storage: spec.rootfs_storage.clone(),
            size_gib: spec.rootfs_gib,
        }),
        net0: Some(pve::propstring::NetConfig {
            name: "eth0".into(),
            bridge: Some(spec.bridge.clone()),
            ip: Some(ip),
            gw,
            ip6,
            gw6,
            ..pve::propstring::NetConfig::default()
        }),
        nameserver: (!spec.nameservers.is_empty()).then(|| spec.nameservers.join(" ")),
        searchdomain: spec.searchdomain.clone(),
        password: Some(pve::Secret::new(password)),
        ssh_public_keys: (!spec.ssh_keys.is_empty()).then(|| spec.ssh_keys.join("\n")),
        unprivileged: spec.unprivileged,
        features: pve::propstring::Features {
            nesting: spec.nesting,
            keyctl: spec.keyctl,
            fuse: spec.fuse,
            ..pve::propstring::Features::default()
        },
        onboot: None,
        start: Some(false),
        tags: spec.tags.clone(),
        description: Some(super::ownership::description_of(job_id)),
        pool: pool.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ContainerSpec {
        let mut form = model::provision::ContainerForm::with_defaults();
        form.node_id = "n1".into();
        form.ostemplate = "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst".into();
        form.hostname = "web".into();
        form.vmid = "120".into();
        form.rootfs_storage = "local-lvm".into();
        form.ipv4_mode = "static".into();
        form.ipv4 = "192.0.2.10/24".into();
        form.gateway4 = "192.0.2.1".into();
        form.ipv6_mode = "auto".into();
        form.nameservers = "192.0.2.53 192.0.2.54".into();
        form.validate().unwrap()
    }

    #[test]
    fn the_network_and_disk_read_as_proxmox_expects() {
        let job = JobId::parse("job1").unwrap();
        let create = create_spec(&spec(), "pw", &job, Some("lab"));
        assert_eq!(create.vmid, 120);
        let net = create.net0.unwrap();
        assert_eq!(net.ip.as_deref(), Some("192.0.2.10/24"));
        assert_eq!(net.gw.as_deref(), Some("192.0.2.1"));
        assert_eq!(net.ip6.as_deref(), Some("auto"));
        assert_eq!(net.gw6, None);
        assert_eq!(net.bridge.as_deref(), Some("vmbr0"));
        assert_eq!(create.nameserver.as_deref(), Some("192.0.2.53 192.0.2.54"));
        assert_eq!(create.rootfs.unwrap().size_gib, 8);
        assert_eq!(create.start, Some(false), "the pipeline starts it");
        assert!(create.description.unwrap().contains("job1"));
        assert!(create.features.nesting && !create.features.keyctl);
        assert_eq!(create.pool.as_deref(), Some("lab"));
    }
}
