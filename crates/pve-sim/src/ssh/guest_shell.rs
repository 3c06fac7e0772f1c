//! The shell inside a container, for `pct exec`: scripts run line by line against the
//! guest model (files, packages, services, journal), with `set -e`, `exit`, redirections
//! and here-documents.

use super::lex::{APPEND, HEREDOC, WRITE, lex};
use super::output::{Event, Output};
use crate::guest::{Guest, PackageManager};

/// Runs `argv` inside the container, as `lxc-attach` would exec it.
pub(super) fn guest_exec(guest: &mut Guest, vmid: &str, argv: &[String], stdin: &[u8]) -> Output {
    let words: Vec<&str> = argv.iter().map(String::as_str).collect();
    match words.as_slice() {
        // `env NAME=value … command`: the variables change nothing in the model.
        ["env", rest @ ..] => {
            let command: Vec<String> = rest
                .iter()
                .skip_while(|w| w.contains('='))
                .map(|w| (*w).to_owned())
                .collect();
            if command.is_empty() {
                Output::default()
            } else {
                guest_exec(guest, vmid, &command, stdin)
            }
        }
        ["bash" | "sh", "-c", script, ..] => run_script(guest, script),
        ["bash" | "sh"] | ["bash" | "sh", "-s"] => run_script(guest, &String::from_utf8_lossy(stdin)),
        _ => match builtin(guest, &words) {
            Some(output) => output,
            None => Output::default().fail(
                255,
                format!("lxc-attach: {vmid}: ../src/lxc/attach.c: lxc_attach_run_command: 1841 No such file or directory - Failed to exec \"{}\"", words[0]),
            ),
        },
    }
}

/// Runs a shell script line by line; `set -e` stops at the first failure, `exit n` ends it.
fn run_script(guest: &mut Guest, script: &str) -> Output {
    let mut output = Output::default();
    let mut errexit = false;
    let mut lines = script.lines().enumerate();
    while let Some((index, raw)) = lines.next() {
        let line = raw.trim();
        let number = index + 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Ok(mut words) = lex(line) else {
            return output.fail(
                2,
                format!("bash: line {number}: unexpected EOF while looking for matching quote"),
            );
        };
        // Here-documents: `cat > file <<'EOF'` … `EOF`.
        let mut heredoc = None;
        if let Some(at) = words.iter().position(|w| w == HEREDOC) {
            let marker = words
                .get(at + 1)
                .map(|m| m.trim_start_matches('-').to_owned())
                .unwrap_or_default();
            words.truncate(at);
            let mut body = String::new();
            for (_, body_line) in lines.by_ref() {
                if body_line.trim() == marker {
                    break;
                }
                body.push_str(body_line);
                body.push('\n');
            }
            heredoc = Some(body);
        }
        match words
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["set", "-e"] | ["set", "-eu"] | ["set", "-euo", "pipefail"] | ["set", "-e", "-u"] => {
                errexit = true;
                continue;
            }
            ["exit"] => return output,
            ["exit", code] => {
                output.status = code.parse().unwrap_or(2);
                return output;
            }
            _ => {}
        }
        let step = run_line(guest, &words, heredoc.as_deref());
        output.events.extend(step.events);
        output.status = step.status;
        if errexit && output.status != 0 {
            return output;
        }
    }
    output
}

/// One script line, with `>`/`>>` redirection of its standard output.
fn run_line(guest: &mut Guest, words: &[String], heredoc: Option<&str>) -> Output {
    let redirect = words.iter().position(|w| w == WRITE || w == APPEND);
    let (command, target) = match redirect {
        Some(at) => (
            &words[..at],
            words.get(at + 1).map(|t| (t.clone(), words[at] == APPEND)),
        ),
        None => (words, None),
    };
    let command: Vec<&str> = command.iter().map(String::as_str).collect();
    let mut output = match (command.as_slice(), heredoc) {
        (["cat"], Some(body)) => {
            let mut output = Output::default();
            for line in body.lines() {
                output.out(line);
            }
            output
        }
        _ => match builtin(guest, &command) {
            Some(output) => output,
            // Commands the model does not know (curl, sed, useradd, …) are echoed and
            // succeed, so real-world provisioning scripts run in the demo.
            None => {
                let mut output = Output::default();
                output.out(command.join(" "));
                output
            }
        },
    };
    if let Some((path, append)) = target {
        let text = output.stdout();
        output.events.retain(|e| !matches!(e, Event::Stdout(_)));
        let file = guest.files.entry(path).or_default();
        if !append {
            file.clear();
        }
        file.extend_from_slice(text.as_bytes());
    }
    output
}

/// The commands the guest knows; `None` for anything else.
fn builtin(guest: &mut Guest, words: &[&str]) -> Option<Output> {
    let mut output = Output::default();
    match words {
        ["true"]
        | ["mkdir", ..]
        | ["chmod", ..]
        | ["chown", ..]
        | ["sleep", _]
        | [
            "systemctl",
            "enable" | "restart" | "start" | "daemon-reload",
            ..,
        ] => {}
        ["false"] => output.status = 1,
        ["echo", rest @ ..] => output.out(rest.join(" ")),
        ["yes"] => output.events.push(Event::Endless("y".into())),
        ["yes", rest @ ..] => output.events.push(Event::Endless(rest.join(" "))),
        ["printf", format, ..] => output.out(format.replace("\\n", "")),
        ["cat", paths @ ..] if !paths.is_empty() => {
            for path in paths {
                match guest.files.get(*path) {
                    Some(content) => {
                        for line in String::from_utf8_lossy(content).lines() {
                            output.out(line);
                        }
                    }
                    None => {
                        return Some(
                            output.fail(1, format!("cat: {path}: No such file or directory")),
                        );
                    }
                }
            }
        }
        ["ls", dir] | ["ls", "-1", dir] => {
            let prefix = format!("{}/", dir.trim_end_matches('/'));
            let names: Vec<String> = guest
                .files
                .keys()
                .filter_map(|path| path.strip_prefix(&prefix))
                .filter(|rest| !rest.contains('/'))
                .map(str::to_owned)
                .collect();
            if names.is_empty() {
                return Some(output.fail(
                    2,
                    format!("ls: cannot access '{dir}': No such file or directory"),
                ));
            }
            names.into_iter().for_each(|name| output.out(name));
        }
        ["test", "-f", path] | ["[", "-f", path, "]"] => {
            output.status = u32::from(!guest.files.contains_key(*path))
        }
        ["hostname"] => {
            let name = guest
                .files
                .get("/etc/hostname")
                .map(|h| String::from_utf8_lossy(h).trim().to_owned());
            output.out(name.unwrap_or_default());
        }
        ["systemctl", "list-units", ..] => {
            for service in &guest.services {
                output.out(format!(
                    "{} loaded active running {}",
                    service.unit, service.description
                ));
            }
        }
        ["ss", flags @ ..] if flags.iter().any(|f| f.contains('l') && f.contains('t')) => {
            if !flags.iter().any(|f| f.contains('H')) {
                output.out("State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess");
            }
            for service in &guest.services {
                for port in &service.ports {
                    output.out(format!(
                        "LISTEN 0      4096         0.0.0.0:{port}      0.0.0.0:*    users:((\"{}\",pid={},fd=3))",
                        service.process, service.pid
                    ));
                }
            }
        }
        ["journalctl", args @ ..] => return Some(journal(guest, args)),
        [manager, rest @ ..] if matches!(*manager, "apt-get" | "apt" | "apk" | "dnf" | "yum") => {
            return Some(package_command(guest, manager, rest));
        }
        ["pip" | "pip3", "install", packages @ ..] => {
            for package in packages.iter().filter(|p| !p.starts_with('-')) {
                output.out(format!("Collecting {package}"));
                output.pause(400);
            }
            output.out(format!(
                "Successfully installed {}",
                packages
                    .iter()
                    .filter(|p| !p.starts_with('-'))
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
        ["npm", "install", packages @ ..] => {
            output.pause(800);
            output.out(format!("added {} packages in 2s", packages.len() * 7));
        }
        _ => return None,
    }
    Some(output)
}

fn journal(guest: &Guest, args: &[&str]) -> Output {
    let mut unit = None;
    let mut count = 10_usize;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match *arg {
            "-u" | "--unit" => unit = args.next().copied(),
            "-n" | "--lines" => count = args.next().and_then(|n| n.parse().ok()).unwrap_or(10),
            _ => {}
        }
    }
    let mut output = Output::default();
    let Some(unit) = unit else {
        return output.fail(1, "journalctl: this simulator needs -u <unit>");
    };
    let unit = if unit.contains('.') {
        unit.to_owned()
    } else {
        format!("{unit}.service")
    };
    match guest.journal.get(&unit) {
        Some(lines) => {
            for line in lines.iter().rev().take(count).rev() {
                output.out(format!("Nov 26 09:20:00 container systemd[1]: {line}"));
            }
        }
        None => output.out("-- No entries --"),
    }
    output
}

/// A package name as the managers accept them.
fn valid_package(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-._:=".contains(&b))
        && !name.starts_with('-')
}

fn package_command(guest: &mut Guest, manager: &str, args: &[&str]) -> Output {
    let expected = match manager {
        "apt-get" | "apt" => PackageManager::Apt,
        "apk" => PackageManager::Apk,
        _ => PackageManager::Dnf,
    };
    if guest.package_manager() != Some(expected) {
        return Output::default().fail(127, format!("bash: {manager}: command not found"));
    }
    let mut output = Output::default();
    let (verb, rest) = match args.split_first() {
        Some((verb, rest)) => (*verb, rest),
        None => return output.fail(1, format!("{manager}: no command given")),
    };
    let packages: Vec<&str> = rest
        .iter()
        .copied()
        .filter(|a| !a.starts_with('-'))
        .collect();
    match (expected, verb) {
        (PackageManager::Apt, "update")
        | (PackageManager::Apk, "update")
        | (PackageManager::Dnf, "makecache") => {
            output.out("Hit:1 http://deb.debian.org/debian bookworm InRelease");
            output.pause(1_500);
            output.out("Reading package lists...");
        }
        (PackageManager::Apt, "install")
        | (PackageManager::Apk, "add")
        | (PackageManager::Dnf, "install") => {
            if let Some(missing) = packages
                .iter()
                .find(|p| !valid_package(p) || p.contains("nonexistent"))
            {
                return match expected {
                    PackageManager::Apt => {
                        output.fail(100, format!("E: Unable to locate package {missing}"))
                    }
                    PackageManager::Apk => output.fail(
                        1,
                        format!(
                            "ERROR: unable to select packages:\n  {missing} (no such package):"
                        ),
                    ),
                    PackageManager::Dnf => {
                        output.fail(1, format!("Error: Unable to find a match: {missing}"))
                    }
                };
            }
            output.out("Reading package lists...");
            output.out("Building dependency tree...");
            output.out(format!(
                "The following NEW packages will be installed:\n  {}",
                packages.join(" ")
            ));
            for (index, package) in packages.iter().enumerate() {
                output.pause(700);
                output.out(format!("Get:{} http://deb.debian.org/debian bookworm/main amd64 {package} amd64 [312 kB]", index + 1));
            }
            for package in &packages {
                output.pause(500);
                output.out(format!("Setting up {package} ..."));
                guest.install(package);
            }
        }
        _ => return output.fail(100, format!("E: Invalid operation {verb}")),
    }
    output
}

#[cfg(test)]
mod tests {
    use super::super::lex::reads_stdin;
    use super::super::node_shell::run_on_node;
    use super::*;
    use crate::config::SimConfig;
    use crate::model::Cluster;

    fn cluster() -> Cluster {
        // Containers 100–105 on `pve`; 103 is stopped, 102 and 105 are Alpine.
        Cluster::new(&SimConfig::default())
    }

    #[test]
    fn os_release_identifies_the_package_manager() {
        let mut cluster = cluster();
        let debian = run_on_node(
            &mut cluster,
            "pve",
            "pct exec 100 -- cat /etc/os-release",
            b"",
        );
        assert!(debian.stdout().contains("ID=debian"));
        let alpine = run_on_node(
            &mut cluster,
            "pve",
            "pct exec 102 -- cat /etc/os-release",
            b"",
        );
        assert!(alpine.stdout().contains("ID=alpine"));
        let wrong = run_on_node(
            &mut cluster,
            "pve",
            "pct exec 102 -- apt-get install -y curl",
            b"",
        );
        assert_eq!(wrong.status, 127);
    }

    #[test]
    fn packages_install_with_output_and_start_their_services() {
        let mut cluster = cluster();
        let output = run_on_node(
            &mut cluster,
            "pve",
            "pct exec 101 -- env DEBIAN_FRONTEND=noninteractive apt-get install -y nginx curl",
            b"",
        );
        assert_eq!(output.status, 0, "{}", output.stderr());
        assert!(output.stdout().contains("Setting up nginx ..."));
        assert!(
            output.events.iter().any(|e| matches!(e, Event::Pause(_))),
            "installs take time"
        );
        let units = run_on_node(
            &mut cluster,
            "pve",
            "pct exec 101 -- systemctl list-units --type=service --state=running --no-legend --plain",
            b"",
        );
        assert!(
            units
                .stdout()
                .contains("nginx.service loaded active running")
        );
        let ports = run_on_node(&mut cluster, "pve", "pct exec 101 -- ss -tlnpH", b"");
        assert!(
            ports.stdout().contains(":80 ") && ports.stdout().contains("\"nginx\""),
            "{}",
            ports.stdout()
        );
        let missing = run_on_node(
            &mut cluster,
            "pve",
            "pct exec 101 -- apt-get install -y nonexistent-pkg",
            b"",
        );
        assert_eq!(
            (missing.status, missing.stderr().as_str()),
            (100, "E: Unable to locate package nonexistent-pkg\n")
        );
    }

    #[test]
    fn scripts_echo_write_files_and_stop_at_exit_or_errors() {
        let mut cluster = cluster();
        let script = "set -e\necho starting\ncat > /etc/corral/credentials/app <<'EOF'\nUSER=admin\nPASSWORD=s3cret\nEOF\necho done > /tmp/marker\nexit 3\necho never";
        let command = format!(
            "pct exec 100 -- bash -c '{}'",
            script.replace('\'', "'\\''")
        );
        let output = run_on_node(&mut cluster, "pve", &command, b"");
        assert_eq!(output.status, 3);
        assert_eq!(output.stdout(), "starting\n");
        let credentials = run_on_node(
            &mut cluster,
            "pve",
            "pct exec 100 -- cat /etc/corral/credentials/app",
            b"",
        );
        assert_eq!(credentials.stdout(), "USER=admin\nPASSWORD=s3cret\n");
        let failing = run_on_node(
            &mut cluster,
            "pve",
            "pct exec 100 -- bash -c 'set -e\ncurl -fsSL https://example.invalid/x\ncat /missing\necho unreachable'",
            b"",
        );
        assert_eq!(
            (failing.status, failing.stderr().as_str()),
            (1, "cat: /missing: No such file or directory\n")
        );
        assert_eq!(
            failing.stdout(),
            "curl -fsSL https://example.invalid/x\n",
            "unknown commands echo and succeed"
        );
        let unterminated = run_on_node(
            &mut cluster,
            "pve",
            "pct exec 100 -- bash -c 'echo \"oops'",
            b"",
        );
        assert_eq!(unterminated.status, 2);
    }

    #[test]
    fn a_script_on_stdin_runs_too() {
        let mut cluster = cluster();
        assert!(reads_stdin("pct exec 100 -- bash"));
        assert!(!reads_stdin("pct exec 100 -- bash -c 'echo hi'"));
        let output = run_on_node(
            &mut cluster,
            "pve",
            "pct exec 100 -- bash",
            b"echo from stdin\nexit 0\n",
        );
        assert_eq!(output.stdout(), "from stdin\n");
    }

    #[test]
    fn journal_lines_are_bounded_and_unknown_commands_fail_like_bash() {
        let mut cluster = cluster();
        let journal = run_on_node(
            &mut cluster,
            "pve",
            "pct exec 100 -- journalctl -u ssh -n 1 --no-pager",
            b"",
        );
        assert_eq!(journal.stdout().lines().count(), 1);
        let unknown = run_on_node(&mut cluster, "pve", "frobnicate --now", b"");
        assert_eq!(
            (unknown.status, unknown.stderr().as_str()),
            (127, "bash: frobnicate: command not found\n")
        );
        let quoted = run_on_node(
            &mut cluster,
            "pve",
            "pct exec 100 -- echo 'a; rm -rf /' \"$(reboot)\"",
            b"",
        );
        assert_eq!(
            quoted.stdout(),
            "a; rm -rf / $(reboot)\n",
            "quoted arguments stay literal"
        );
    }
}
