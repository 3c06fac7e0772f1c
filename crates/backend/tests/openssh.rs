//! The SSH client against a real OpenSSH server: Debian's `sshd`, started here on a
//! loopback port with a throwaway host key, a throwaway user key, and (when the tests run
//! as root, as in CI) a throwaway local account with a random password.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use backend::ssh::{SshAuth, SshError, SshSession, SshTarget, capture_host_key, command};
use zeroize::Zeroizing;

const SSHD: &str = "/usr/sbin/sshd";
const TEST_USER: &str = "corral-sshtest";
const MINUTE: Duration = Duration::from_secs(60);

struct OpenSsh {
    child: Child,
    _dir: tempfile::TempDir,
    port: u16,
    /// `SHA256:…` as `ssh-keygen -l` prints it (independent of our code).
    host_key: String,
    user: String,
    user_key: String,
    /// Set when the tests may create the throwaway account (root).
    password: Option<String>,
}

impl Drop for OpenSsh {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn keygen(path: &Path) {
    run(
        "ssh-keygen",
        &[
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-f",
            path.to_str().unwrap(),
        ],
    );
}

fn is_root() -> bool {
    run("id", &["-u"]).trim() == "0"
}

/// Creates (once) the unprivileged test account and gives it a fresh random password.
fn prepare_account() -> Option<String> {
    if !is_root() {
        eprintln!("not root: the password test uses the key only");
        return None;
    }
    let exists = Command::new("id")
        .arg(TEST_USER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success();
    if !exists {
        run(
            "useradd",
            &[
                "--no-create-home",
                "--home-dir",
                "/tmp",
                "--shell",
                "/bin/sh",
                TEST_USER,
            ],
        );
    }
    let password = backend::ids::random_token();
    let mut chpasswd = Command::new("chpasswd")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    chpasswd
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{TEST_USER}:{password}\n").as_bytes())
        .unwrap();
    assert!(chpasswd.wait().unwrap().success());
    Some(password)
}

/// Serialises sshd start-ups within this test binary so that one test's readiness probes
/// cannot take the port another test has just picked.
static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Starts sshd on a free loopback port and returns it once it answers with our host key.
/// A port can be taken between picking and binding (another process, or a probe's own
/// source port), so a start that dies or answers with another key is retried on a new port.
fn spawn_serving_sshd(dir: &Path, host_key_blob: &str) -> (Child, u16) {
    let _one_at_a_time = STARTING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    std::fs::create_dir_all("/run/sshd").ok();
    let mut failures = Vec::new();
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config_path = dir.join("sshd_config");
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nPidFile {pid}\n\
             AuthorizedKeysFile {keys}\nStrictModes no\nUsePAM no\nPasswordAuthentication yes\n\
             KbdInteractiveAuthentication no\nPermitRootLogin yes\nLogLevel ERROR\n",
            host = dir.join("host_key").display(),
            pid = dir.join("sshd.pid").display(),
            keys = dir.join("authorized_keys").display(),
        );
        std::fs::write(&config_path, config).unwrap();
        let mut child = Command::new(SSHD)
            .args(["-D", "-e", "-f", config_path.to_str().unwrap()])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        match wait_until_serving(&mut child, port, host_key_blob) {
            Ok(()) => return (child, port),
            Err(why) => {
                let _ = child.kill();
                let _ = child.wait();
                failures.push(format!("port {port}: {why}"));
            }
        }
    }
    panic!("sshd did not start: {failures:?}");
}

/// Waits until the child sshd accepts connections and presents `host_key_blob`.
fn wait_until_serving(child: &mut Child, port: u16, host_key_blob: &str) -> Result<(), String> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Err(format!("sshd exited ({status})"));
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        if started.elapsed() > Duration::from_secs(10) {
            return Err("not listening after 10 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let scanned = Command::new("ssh-keyscan")
        .args(["-p", &port.to_string(), "-t", "ed25519", "127.0.0.1"])
        .stderr(Stdio::null())
        .output()
        .unwrap();
    let scanned = String::from_utf8_lossy(&scanned.stdout);
    let presented = scanned
        .lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.split_whitespace().nth(2));
    match presented {
        Some(blob) if blob == host_key_blob => Ok(()),
        other => Err(format!("answered with host key {other:?}")),
    }
}

/// Starts sshd; `with_account` also prepares the password account (root only).
fn start(with_account: bool) -> OpenSsh {
    assert!(
        Path::new(SSHD).exists(),
        "{SSHD} is missing: install Debian's openssh-server (scripts/tools.sh does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| -> PathBuf { dir.path().join(name) };
    keygen(&path("host_key"));
    keygen(&path("user_key"));
    std::fs::copy(path("user_key.pub"), path("authorized_keys")).unwrap();
    let password = if with_account {
        prepare_account()
    } else {
        None
    };
    let user = if password.is_some() {
        TEST_USER.to_owned()
    } else {
        run("id", &["-un"]).trim().to_owned()
    };
    let host_key_line = std::fs::read_to_string(path("host_key.pub")).unwrap();
    let host_key_blob = host_key_line.split_whitespace().nth(1).unwrap().to_owned();
    let (child, port) = spawn_serving_sshd(dir.path(), &host_key_blob);
    let printed = run(
        "ssh-keygen",
        &[
            "-l",
            "-E",
            "sha256",
            "-f",
            path("host_key.pub").to_str().unwrap(),
        ],
    );
    let host_key = printed.split_whitespace().nth(1).unwrap().to_owned();
    let user_key = std::fs::read_to_string(path("user_key")).unwrap();
    OpenSsh {
        child,
        _dir: dir,
        port,
        host_key,
        user,
        user_key,
        password,
    }
}

impl OpenSsh {
    fn target(&self, auth: SshAuth) -> SshTarget {
        SshTarget {
            host: "127.0.0.1".into(),
            port: self.port,
            user: self.user.clone(),
            auth,
            host_key: self.host_key.clone(),
            connect_timeout: Duration::from_secs(5),
        }
    }

    fn key_auth(&self) -> SshAuth {
        SshAuth::PrivateKey {
            pem: Zeroizing::new(self.user_key.clone()),
            passphrase: None,
        }
    }
}

#[tokio::test]
async fn key_auth_exec_with_stdin_exit_codes_and_quoting() {
    let sshd = start(false);
    assert_eq!(
        capture_host_key("127.0.0.1", sshd.port, Duration::from_secs(5))
            .await
            .unwrap(),
        sshd.host_key
    );
    let session = SshSession::connect(&sshd.target(sshd.key_auth()))
        .await
        .unwrap();

    let echoed = session
        .exec("cat", Some(b"line one\nline two\n"), MINUTE, |_, _| {})
        .await
        .unwrap();
    assert_eq!(
        (echoed.status, echoed.stdout.as_str()),
        (Some(0), "line one\nline two\n")
    );

    let failed = session
        .exec("sh -c 'echo oops >&2; exit 3'", None, MINUTE, |_, _| {})
        .await
        .unwrap();
    assert_eq!((failed.status, failed.stderr.trim()), (Some(3), "oops"));

    let hostile = "it's $(touch /tmp/pwned) `id` \"quoted\" ; rm -rf / \n new line";
    let line = command(&["printf", "%s", hostile]).unwrap();
    let printed = session.exec(&line, None, MINUTE, |_, _| {}).await.unwrap();
    assert_eq!(
        printed.stdout, hostile,
        "a real shell received the argument unchanged"
    );
}

#[tokio::test]
async fn password_auth_and_a_wrong_password() {
    let sshd = start(true);
    let Some(password) = sshd.password.clone() else {
        return;
    };
    let session = SshSession::connect(&sshd.target(SshAuth::Password(Zeroizing::new(password))))
        .await
        .unwrap();
    let whoami = session
        .exec("id -un", None, MINUTE, |_, _| {})
        .await
        .unwrap();
    assert_eq!(whoami.stdout.trim(), TEST_USER);
    let wrong =
        SshSession::connect(&sshd.target(SshAuth::Password(Zeroizing::new("wrong".into()))))
            .await
            .err()
            .unwrap();
    assert!(
        matches!(wrong, SshError::AuthenticationFailed { .. }),
        "{wrong}"
    );
}

#[tokio::test]
async fn a_different_host_key_is_refused_naming_both_fingerprints() {
    let sshd = start(false);
    let mut target = sshd.target(sshd.key_auth());
    target.host_key = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU".into();
    let error = SshSession::connect(&target).await.err().unwrap();
    let SshError::HostKeyMismatch { expected, seen, .. } = &error else {
        panic!("expected a host-key mismatch, got {error}");
    };
    assert_eq!(
        (expected.as_str(), seen.as_str()),
        (target.host_key.as_str(), sshd.host_key.as_str())
    );
    assert!(error.to_string().contains(&sshd.host_key));
}
