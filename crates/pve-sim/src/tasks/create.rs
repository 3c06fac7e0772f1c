//! `vzcreate` (a container from an OS template, with vzcreate's log lines) and `download`
//! (an appliance template into `local`).

use std::collections::BTreeMap;

use rand::Rng;

use super::{Outcome, Runner};

impl Runner {
    pub(super) async fn create(
        &self,
        vmid: u32,
        ostemplate: &str,
        config: BTreeMap<String, String>,
        injected: Option<String>,
    ) -> Result<(), String> {
        let fail = |reason: &str| format!("unable to create CT {vmid} - {reason}");
        self.pause(1_000).await.map_err(|e| fail(&e))?;
        self.log(format!("  Logical volume \"vm-{vmid}-disk-0\" created."));
        if let Some(message) = injected {
            return Err(fail(&message));
        }
        let file = ostemplate.strip_prefix("local:vztmpl/").unwrap_or_default();
        let present = self
            .sim
            .cluster()
            .templates
            .get(&self.node)
            .is_some_and(|files| files.contains(file));
        if !present {
            return Err(fail(&format!("volume '{ostemplate}' does not exist")));
        }
        self.log("Creating filesystem with 2097152 4k blocks and 524288 inodes");
        self.log("Allocating group tables: done                            ");
        self.log("Writing superblocks and filesystem accounting information: done");
        self.pause(1_500).await.map_err(|e| fail(&e))?;
        self.log(format!(
            "extracting archive '/var/lib/vz/template/cache/{file}'"
        ));
        self.pause(8_000).await.map_err(|e| fail(&e))?;
        self.log("Total bytes read: 521216000 (498MiB, 41MiB/s)");
        self.log("Detected container architecture: amd64");
        let hostname = config
            .get("hostname")
            .cloned()
            .unwrap_or_else(|| format!("CT{vmid}"));
        for key in ["rsa", "ecdsa", "ed25519"] {
            self.log(format!(
                "Creating SSH host key 'ssh_host_{key}_key' - this may take some time ..."
            ));
            self.pause(500).await.map_err(|e| fail(&e))?;
            let fingerprint: String = {
                let mut cluster = self.sim.cluster();
                (0..43)
                    .map(|_| {
                        let chars =
                            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                        chars[cluster.rng.random_range(0..chars.len())] as char
                    })
                    .collect()
            };
            self.log(format!("done: SHA256:{fingerprint} root@{hostname}"));
        }
        let mut cluster = self.sim.cluster();
        let state = &mut *cluster;
        let ct = state
            .containers
            .get_mut(&vmid)
            .ok_or_else(|| fail("container vanished"))?;
        let ostype = config.get("ostype").cloned().unwrap_or_default();
        ct.config = config;
        state
            .disk
            .plan(
                vmid,
                crate::disk::Plan {
                    ostype,
                    hostname,
                    ..Default::default()
                },
            )
            .map_err(|e| fail(&format!("extracting the template failed: {e}")))
    }

    pub(super) async fn download(
        &self,
        template: &str,
        size: u64,
        injected: Option<String>,
    ) -> Outcome {
        let url = format!("http://download.proxmox.com/images/system/{template}");
        let target = format!("/var/lib/vz/template/cache/{template}");
        self.log(format!("downloading {url} to {target}"));
        let present = self
            .sim
            .cluster()
            .templates
            .get(&self.node)
            .is_some_and(|t| t.contains(template));
        if present {
            self.log("calculating checksum of existing file...OK, got correct file already, no need to download");
            return Ok(0);
        }
        // About 40 MiB/s.
        self.pause(size / 42_000 + 500).await?;
        if let Some(message) = injected {
            return Err(format!("download failed: {message}"));
        }
        self.log(format!("{} saved", size));
        self.log("calculating checksum...OK, checksum verified");
        self.log(format!("download of '{url}' to '{target}' finished"));
        self.sim
            .cluster()
            .templates
            .entry(self.node.clone())
            .or_default()
            .insert(template.to_owned());
        Ok(0)
    }
}
