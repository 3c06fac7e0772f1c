//! The real OpenSSH client (`ssh`) against a simulated node: a fresh key authorized on
//! the simulator and its host key pinned in a `known_hosts` file, as an operator would.

use std::path::PathBuf;
use std::process::Stdio;

use pve_sim::Simulator;
use tokio::io::AsyncWriteExt;

/// A key pair and `known_hosts` for one node, in a folder removed on drop.
pub struct OpenSsh {
    dir: PathBuf,
    port: u16,
}

/// What a command printed and how it ended.
#[derive(Debug)]
pub struct Ran {
    pub stdout: String,
    pub stderr: String,
    pub status: Option<i32>,
}

impl OpenSsh {
    pub async fn new(sim: &Simulator, node: &str) -> OpenSsh {
        let dir = std::env::temp_dir().join(format!("openssh-{:016x}", rand_u64()));
        std::fs::create_dir(&dir).unwrap();
        let made = tokio::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(dir.join("key"))
            .status()
            .await
            .unwrap();
        assert!(made.success());
        let public = std::fs::read_to_string(dir.join("key.pub")).unwrap();
        sim.authorize_key(public.trim()).unwrap();
        let address = sim.ssh_address(node).unwrap();
        std::fs::write(
            dir.join("known_hosts"),
            format!(
                "[{}]:{} {}\n",
                address.ip(),
                address.port(),
                sim.ssh_host_public_key(node).unwrap()
            ),
        )
        .unwrap();
        OpenSsh {
            dir,
            port: address.port(),
        }
    }

    /// `ssh root@node COMMAND`, strict about the host key, never prompting.
    pub fn command(&self, command: &str) -> tokio::process::Command {
        let mut ssh = tokio::process::Command::new("ssh");
        ssh.args(["-F", "/dev/null", "-i"])
            .arg(self.dir.join("key"))
            .args(["-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"])
            .args(["-o", "StrictHostKeyChecking=yes", "-o", "LogLevel=ERROR"])
            .arg("-o")
            .arg(format!(
                "UserKnownHostsFile={}",
                self.dir.join("known_hosts").display()
            ))
            .args(["-p", &self.port.to_string(), "root@127.0.0.1", command])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        ssh
    }

    /// Runs `command` with `stdin` and waits for it.
    pub async fn run(&self, command: &str, stdin: &str) -> Ran {
        let mut child = self.command(command).spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).await.unwrap();
        drop(input);
        let output = child.wait_with_output().await.unwrap();
        Ran {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            status: output.status.code(),
        }
    }

    /// Runs `command` and expects exit status 0; returns its standard output.
    pub async fn ok(&self, command: &str) -> String {
        let ran = self.run(command, "").await;
        assert_eq!(ran.status, Some(0), "{command}: {ran:?}");
        ran.stdout
    }
}

impl Drop for OpenSsh {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}
