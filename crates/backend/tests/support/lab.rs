//! A simulated node with Corral in front of it, for the job tests: runners, forms,
//! waiting for a job's end, reading its whole log.

use std::time::{Duration, Instant};

use backend::Backend;
use backend::accounts::User;
use backend::jobs::{self, runner::Runner, runner::RunnerConfig};
use model::ids::{JobId, NodeId};
use model::job::JobView;
use model::provision::{ContainerForm, ScriptForm};
use pve_sim::{Simulator, Speed};

use super::one_node;

pub struct Lab {
    pub sim: Simulator,
    pub backend: Backend,
    pub admin: User,
    pub node_id: NodeId,
}

pub async fn lab(speed: Speed) -> Lab {
    let (sim, backend, admin, node_id) = one_node(speed).await;
    Lab {
        sim,
        backend,
        admin,
        node_id,
    }
}

pub fn fast_runner(id: &str, lease: Duration) -> RunnerConfig {
    RunnerConfig {
        id: id.to_owned(),
        lease,
        poll: Duration::from_millis(50),
        per_node: 2,
        network_wait: Duration::from_secs(5),
        command_timeout: Duration::from_secs(30),
        task_poll: Duration::from_millis(20),
        ..RunnerConfig::default()
    }
}

impl Lab {
    /// Runs `command` on the lab's node over SSH (it must succeed); its standard output.
    pub async fn on_node(&self, command: &str) -> String {
        let (_, access) = backend::nodes::access(&self.backend, &self.admin, &self.node_id)
            .await
            .unwrap();
        let session = self
            .backend
            .ssh
            .session(&access.ssh_target())
            .await
            .unwrap();
        let output = session
            .exec(command, None, Duration::from_secs(30), |_, _| {})
            .await
            .unwrap();
        assert!(output.success(), "{command}: {}", output.stderr);
        output.stdout
    }

    /// A running Debian container of the seeded ones.
    pub fn running_debian(&self) -> u32 {
        (100..106)
            .find(|vmid| {
                self.sim
                    .container_state(*vmid)
                    .is_some_and(|(_, running)| running)
                    && String::from_utf8(
                        self.sim
                            .guest_file(*vmid, "/etc/os-release")
                            .unwrap_or_default(),
                    )
                    .unwrap()
                    .contains("ID=debian")
            })
            .expect("a running Debian container")
    }

    pub fn form(&self, vmid: u32) -> ContainerForm {
        ContainerForm {
            node_id: self.node_id.to_string(),
            ostemplate: "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst".into(),
            hostname: format!("web-{vmid}"),
            vmid: vmid.to_string(),
            rootfs_storage: "local-lvm".into(),
            ..ContainerForm::with_defaults()
        }
    }

    pub fn runner(&self, id: &str) -> Runner {
        Runner::start(
            self.backend.clone(),
            fast_runner(id, Duration::from_secs(3)),
        )
    }

    pub async fn finished(&self, job_id: &JobId) -> JobView {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let view = jobs::get(&self.backend, &self.admin, job_id).await.unwrap();
            if view.state.finished() {
                return view;
            }
            assert!(Instant::now() < deadline, "job never finished: {view:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Queues `form` and waits for the job to end: `(job id, final view)`.
    pub async fn run(&self, form: &ContainerForm) -> (JobId, JobView) {
        let job_id = jobs::submit(&self.backend, &self.admin, form)
            .await
            .unwrap();
        let view = self.finished(&job_id).await;
        (job_id, view)
    }

    /// The job's whole log, read a page at a time.
    pub async fn log(&self, job_id: &JobId) -> Vec<model::job::JobEvent> {
        let mut log: Vec<model::job::JobEvent> = Vec::new();
        loop {
            let after = log.last().map_or(0, |e| e.seq);
            let page = jobs::events_after(&self.backend, &self.admin, job_id, after)
                .await
                .unwrap();
            assert!(page.len() <= jobs::events::EVENTS_PER_READ);
            if page.is_empty() {
                return log;
            }
            log.extend(page);
        }
    }
}

pub fn script(name: &str, content: &str) -> ScriptForm {
    ScriptForm {
        name: name.into(),
        content: content.into(),
    }
}

/// Resident memory of this process, in KiB (Linux).
pub fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4
}
