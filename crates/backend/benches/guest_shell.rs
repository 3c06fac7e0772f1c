//! What a command costs on the simulated node now that it runs for real (bash in a
//! bubblewrap sandbox, containers in their own): Corral's SSH client against the
//! simulator, side by side — a node command (`true`), one `pct exec` round trip into a
//! container, and a 1,000-line provisioning script through `pct exec … bash -c`.
//!
//! `cargo bench -p backend --bench guest_shell`

#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench fails loudly

use std::fmt::Write as _;
use std::time::Duration;

use backend::ssh::{SshAuth, SshSession, SshTarget, command};
use criterion::{Criterion, criterion_group, criterion_main};
use pve_sim::{SimConfig, Simulator};
use zeroize::Zeroizing;

const MINUTE: Duration = Duration::from_secs(60);

/// 1,000 lines of what provisioning scripts do: variables, arithmetic, tests, writes.
fn long_script() -> String {
    let mut script = String::from("set -e\ncount=0\n");
    for line in 0..998 {
        let _ = match line % 4 {
            0 => writeln!(script, "count=$((count + 1))"),
            1 => writeln!(script, "echo \"step {line}: $count\" >> /tmp/provision.log"),
            2 => writeln!(script, "[ -d /etc ] && name=web-{line}"),
            _ => writeln!(script, "echo \"$name done\""),
        };
    }
    script
}

fn guest_shell(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_sim, session) = runtime.block_on(async {
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let address = sim.ssh_address("pve").unwrap();
        let target = SshTarget {
            host: address.ip().to_string(),
            port: address.port(),
            user: "root".into(),
            auth: SshAuth::Password(Zeroizing::new(sim.ssh_password())),
            host_key: sim.ssh_host_key("pve").unwrap(),
            connect_timeout: Duration::from_secs(5),
        };
        let session = SshSession::connect(&target).await.unwrap();
        (sim, session)
    });
    let script = long_script();
    assert_eq!(script.lines().count(), 1_000);
    let run_script = command(&["pct", "exec", "100", "--", "bash", "-c", &script]).unwrap();
    let run = |line: &str| {
        let output = runtime
            .block_on(session.exec(line, None, MINUTE, |_, _| {}))
            .unwrap();
        assert!(output.success(), "{output:?}");
    };
    let mut group = c.benchmark_group("guest shell");
    group.sample_size(30);
    group.bench_function("node: true", |b| b.iter(|| run("true")));
    group.bench_function("pct exec 100 -- true", |b| {
        b.iter(|| run("pct exec 100 -- true"))
    });
    group.bench_function("pct exec 100 -- bash -c <1,000-line script>", |b| {
        b.iter(|| run(&run_script))
    });
    group.finish();
}

criterion_group!(benches, guest_shell);
criterion_main!(benches);
