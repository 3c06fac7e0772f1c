//! The simulated node's shell is real bash and each container a real, sandboxed file
//! system: driven here with the real OpenSSH client, as an operator (or Corral) would.

use std::time::Duration;

use pve::PowerAction;
use pve_sim::SimConfig;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::openssh::OpenSsh;
use crate::support::{client, simulator, wait};

/// Containers 100–105 on `pve`: 100 (web) runs nginx, 102 and 105 are Alpine, 103 is
/// stopped.
pub(crate) async fn node() -> (pve_sim::Simulator, OpenSsh) {
    let sim = simulator(SimConfig::default()).await;
    assert_eq!(sim.commands_refused(), None, "bubblewrap must work here");
    let ssh = OpenSsh::new(&sim, "pve").await;
    (sim, ssh)
}

#[tokio::test]
async fn node_commands_are_bash_with_pipes_and_exit_statuses() {
    let (_sim, ssh) = node().await;
    let piped = ssh
        .run("pct exec 100 -- cat /etc/os-release | head -3", "")
        .await;
    assert_eq!(
        (piped.stdout.lines().count(), piped.status),
        (3, Some(0)),
        "{piped:?}"
    );
    let compound = ssh.run("pct exec 100 -- sh -c 'echo hi; exit 7'", "").await;
    assert_eq!(
        (compound.stdout.as_str(), compound.status),
        ("hi\n", Some(7))
    );
    let statuses = ssh
        .run(
            "false && echo no; echo \"$?\"; pct exec 100 -- false || echo failed",
            "",
        )
        .await;
    assert_eq!(statuses.stdout, "1\nfailed\n");
    let unknown = ssh.run("frobnicate --now", "").await;
    // bash says `bash: frobnicate: …` or `bash: line 1: frobnicate: …` depending on how
    // it was started; both are bash's own words.
    assert_eq!(unknown.status, Some(127));
    assert!(
        unknown.stderr.ends_with("frobnicate: command not found\n"),
        "{unknown:?}"
    );
    let missing = ssh.run("pct exec 100 -- frobnicate", "").await;
    assert_eq!(missing.status, Some(255));
    assert!(
        missing.stderr.contains("Failed to exec \"frobnicate\""),
        "{missing:?}"
    );
    let stopped = ssh.run("pct exec 103 -- true", "").await;
    assert_eq!(
        (stopped.stderr.as_str(), stopped.status),
        ("container '103' not running!\n", Some(255))
    );
    let enter = ssh.run("pct enter 100", "").await;
    assert_eq!(enter.status, Some(255));
    assert!(enter.stderr.contains("not a TTY"), "{enter:?}");
    assert_eq!(ssh.ok("pct status 103").await, "status: stopped\n");
}

#[tokio::test]
async fn scripts_run_with_heredocs_functions_set_e_and_substitutions() {
    let (sim, ssh) = node().await;
    let script = r#"set -e
greet() { echo "hello $1"; }
greet "$(hostname)"
mkdir -p /etc/app
cat > /etc/app/app.env <<'EOF'
NAME=$not_expanded
EOF
echo "lines=$(wc -l < /etc/app/app.env)"
false
echo never
"#;
    let ran = ssh.run("pct exec 100 -- bash -s", script).await;
    assert_eq!(
        (ran.stdout.as_str(), ran.status),
        ("hello web-01\nlines=1\n", Some(1)),
        "{ran:?}"
    );
    assert_eq!(
        sim.guest_file(100, "/etc/app/app.env").as_deref(),
        Some(&b"NAME=$not_expanded\n"[..])
    );
    let quoted = ssh
        .run("pct exec 100 -- echo 'a; rm -rf /' '$(reboot)' '`id`'", "")
        .await;
    assert_eq!(quoted.stdout, "a; rm -rf / $(reboot) `id`\n");
}

#[tokio::test]
async fn installed_packages_show_up_in_systemctl_ss_and_dpkg() {
    let (sim, ssh) = node().await;
    let install = ssh
        .ok("pct exec 101 -- bash -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx'")
        .await;
    assert!(install.contains("Setting up nginx ("), "{install}");
    assert!(sim.guest_packages(101).contains(&"nginx".to_owned()));
    let units = ssh
        .ok("pct exec 101 -- systemctl list-units --type=service --state=running --no-legend --plain")
        .await;
    assert!(
        units
            .lines()
            .any(|l| l.starts_with("nginx.service ") && l.contains(" loaded active running ")),
        "{units}"
    );
    let sockets = ssh.ok("pct exec 101 -- ss -ltnpH").await;
    assert!(
        sockets
            .lines()
            .any(|l| l.contains("0.0.0.0:80 ") && l.contains("((\"nginx\",pid=")),
        "{sockets}"
    );
    assert_eq!(
        ssh.ok("pct exec 101 -- systemctl is-active nginx").await,
        "active\n"
    );
    assert!(
        ssh.ok("pct exec 101 -- dpkg -s nginx")
            .await
            .contains("Status: install ok installed")
    );
    let stop = ssh
        .run(
            "pct exec 101 -- sh -c 'systemctl stop nginx; systemctl is-active nginx'",
            "",
        )
        .await;
    assert_eq!((stop.stdout.as_str(), stop.status), ("inactive\n", Some(3)));

    let unknown = ssh
        .run("pct exec 101 -- apt-get install -y nonexistent-pkg", "")
        .await;
    assert_eq!(unknown.status, Some(100));
    assert!(
        unknown
            .stderr
            .contains("E: Unable to locate package nonexistent-pkg"),
        "{unknown:?}"
    );
    let wrong_manager = ssh.run("pct exec 102 -- apt-get install -y curl", "").await;
    assert_eq!(
        wrong_manager.status,
        Some(127),
        "Alpine has no apt: {wrong_manager:?}"
    );
    let no_systemd = ssh.run("pct exec 102 -- systemctl list-units", "").await;
    assert_eq!(no_systemd.status, Some(127));

    // Alpine: installed but not started until the administrator says so (OpenRC).
    ssh.ok("pct exec 102 -- apk add nginx").await;
    let before = ssh.run("pct exec 102 -- rc-service nginx status", "").await;
    assert_eq!(before.status, Some(3));
    ssh.ok("pct exec 102 -- sh -c 'rc-update add nginx default && rc-service nginx start'")
        .await;
    assert!(
        ssh.ok("pct exec 102 -- ss -ltnH")
            .await
            .contains("0.0.0.0:80 ")
    );
    assert!(
        ssh.ok("pct exec 102 -- ip -j addr")
            .await
            .contains("\"ifname\":\"eth0\"")
    );
}

#[tokio::test]
async fn journalctl_follow_streams_until_the_client_goes() {
    let (sim, ssh) = node().await;
    let mut follower = ssh
        .command("pct exec 100 -- journalctl -u nginx -f -o cat")
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(follower.stdout.take().unwrap()).lines();
    let first = next_line(&mut lines).await;
    assert!(first.starts_with("Starting nginx.service"), "{first}");
    assert!(
        next_line(&mut lines)
            .await
            .starts_with("Started nginx.service")
    );
    ssh.ok("pct exec 100 -- systemctl restart nginx").await;
    assert!(
        next_line(&mut lines)
            .await
            .starts_with("Stopping nginx.service")
    );
    follower.kill().await.unwrap();
    // The sandboxed processes end with the connection.
    let root = sim.guest_root(100).unwrap();
    let files = root
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_owned();
    let mut remaining = usize::MAX;
    for _ in 0..200 {
        remaining = processes_mentioning(&files.to_string_lossy());
        if remaining == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        remaining, 0,
        "processes of the simulator outlived their connection"
    );
}

async fn next_line(lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) -> String {
    tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("a journal line in time")
        .unwrap()
        .expect("the stream goes on")
}

/// Processes whose command line contains `needle` (the simulator's folder).
fn processes_mentioning(needle: &str) -> usize {
    command_lines(|cmdline| cmdline.contains(needle))
}

/// Processes whose argv (NUL-separated) starts with `argv`.
fn processes_started_as(argv: &str) -> usize {
    command_lines(|cmdline| cmdline.starts_with(argv))
}

fn command_lines(wanted: impl Fn(&str) -> bool) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|entry| std::fs::read(entry.path().join("cmdline")).ok())
        .filter(|cmdline| wanted(&String::from_utf8_lossy(cmdline)))
        .count()
}

#[tokio::test]
async fn pushed_files_survive_a_restart_and_a_rollback_restores_them() {
    let (sim, ssh) = node().await;
    let api = client(&sim);
    let upload = ssh.run("cat > /tmp/corral-upload", "version=1\n").await;
    assert_eq!(upload.status, Some(0));
    ssh.ok(
        "pct push 100 /tmp/corral-upload /root/app.conf --perms 0600 && rm -f /tmp/corral-upload",
    )
    .await;
    assert_eq!(
        ssh.ok("pct exec 100 -- cat /root/app.conf").await,
        "version=1\n"
    );
    assert_eq!(
        ssh.ok("pct exec 100 -- stat -c %a /root/app.conf").await,
        "600\n"
    );
    let no_folder = ssh
        .run("cat > /tmp/x && pct push 100 /tmp/x /no/such/dir/file", "x")
        .await;
    assert_eq!(
        no_folder.status,
        Some(255),
        "pct push makes no folders: {no_folder:?}"
    );

    for action in [PowerAction::Stop, PowerAction::Start] {
        let upid = api.lxc_power("pve", 100, &action).await.unwrap();
        wait(&api, &upid).await.unwrap();
    }
    assert_eq!(
        ssh.ok("pct exec 100 -- cat /root/app.conf").await,
        "version=1\n"
    );

    let upid = api
        .lxc_snapshot_create("pve", 100, "before", None)
        .await
        .unwrap();
    wait(&api, &upid).await.unwrap();
    ssh.ok("pct exec 100 -- sh -c 'echo version=2 > /root/app.conf; touch /root/later'")
        .await;
    let upid = api
        .lxc_snapshot_rollback("pve", 100, "before", true)
        .await
        .unwrap();
    wait(&api, &upid).await.unwrap();
    assert_eq!(
        ssh.ok("pct exec 100 -- cat /root/app.conf").await,
        "version=1\n"
    );
    let later = ssh.run("pct exec 100 -- test -e /root/later", "").await;
    assert_eq!(
        later.status,
        Some(1),
        "made after the snapshot, gone after the rollback"
    );
    ssh.ok("pct pull 100 /root/app.conf /root/pulled && grep -q version=1 /root/pulled")
        .await;
}

#[tokio::test]
async fn rm_rf_slash_in_a_guest_harms_nothing_outside_it() {
    let (sim, ssh) = node().await;
    let canary = std::env::temp_dir().join(format!("pve-sim-canary-{}", std::process::id()));
    std::fs::write(&canary, "still here").unwrap();
    ssh.ok("echo node-file > /root/keep").await;
    let wipe = ssh
        .run("pct exec 100 -- rm -rf --no-preserve-root /", "")
        .await;
    assert_ne!(
        wipe.status,
        Some(0),
        "the host's /usr is read-only in there: {wipe:?}"
    );
    assert_eq!(
        sim.guest_file(100, "/etc/os-release"),
        None,
        "its own files are gone"
    );
    assert!(
        ssh.ok("pct exec 101 -- cat /etc/os-release")
            .await
            .contains("ID=debian"),
        "another guest"
    );
    assert_eq!(ssh.ok("cat /root/keep").await, "node-file\n", "the node");
    assert_eq!(
        std::fs::read_to_string(&canary).unwrap(),
        "still here",
        "the host"
    );
    assert!(std::path::Path::new("/usr/bin/bash").exists());
    let _ = std::fs::remove_file(&canary);
}

#[tokio::test]
async fn users_made_by_a_script_own_their_files_as_in_an_unprivileged_container() {
    let (sim, ssh) = node().await;
    let script = "useradd -m app && mkdir -p /opt/app && chown -R app:app /opt/app";
    let made = ssh
        .run(&format!("pct exec 100 -- sh -c '{script}'"), "")
        .await;
    if !sim.guest_ids_shifted() {
        // Not root: only root exists inside, as documented.
        assert!(made.stderr.contains("Invalid argument"), "{made:?}");
        return;
    }
    assert_eq!(made.status, Some(0), "{made:?}");
    let runs_as_app = ssh
        .ok("pct exec 100 -- su -s /bin/sh app -c 'id -un; touch /opt/app/by-app'")
        .await;
    assert_eq!(runs_as_app, "app\n");
    let outside = std::fs::metadata(sim.guest_root(100).unwrap().join("opt/app/by-app")).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        (outside.uid(), outside.gid()),
        (101_000, 101_000),
        "uid 1000 inside is 101000 on the node"
    );
    let mount = ssh
        .run("pct exec 100 -- mount -t tmpfs none /mnt", "")
        .await;
    assert_ne!(mount.status, Some(0), "no mounting inside: {mount:?}");
}

#[tokio::test]
async fn stopping_a_container_ends_the_commands_running_in_it() {
    let (sim, ssh) = node().await;
    let api = client(&sim);
    // A duration no other test process uses, to find this very `sleep`.
    let duration = format!("600.{}", std::process::id());
    let mut long = ssh
        .command(&format!("pct exec 101 -- sleep {duration}"))
        .spawn()
        .unwrap();
    // Wait until `sleep` itself runs (each SSH command has a process namespace of its
    // own, so look from the host).
    let mut seen = false;
    for _ in 0..200 {
        if processes_started_as(&format!("sleep\u{0}{duration}\u{0}")) > 0 {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(seen, "the long command started");
    let upid = api.lxc_power("pve", 101, &PowerAction::Stop).await.unwrap();
    wait(&api, &upid).await.unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(10), long.wait())
        .await
        .expect("the command ends with its container")
        .unwrap();
    assert!(!ended.success(), "{ended:?}");
}
