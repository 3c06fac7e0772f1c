//! What a node's shell does with the commands Corral sends over SSH: `pct list`,
//! `pct exec`, `pct push`, writing temporary files from stdin, and, inside containers,
//! a small shell that runs scripts line by line against the guest model.

use std::time::Duration;

use crate::guest::{Guest, PackageManager};
use crate::model::Cluster;

/// One piece of a command's output, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Stdout(String),
    Stderr(String),
    /// Realistic time passing (scaled by the simulator's speed).
    Pause(Duration),
}

/// Everything a command printed, and its exit status.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Output {
    pub events: Vec<Event>,
    pub status: u32,
}

impl Output {
    fn out(&mut self, line: impl Into<String>) {
        self.events.push(Event::Stdout(line.into()));
    }
    fn err(&mut self, line: impl Into<String>) {
        self.events.push(Event::Stderr(line.into()));
    }
    fn pause(&mut self, ms: u64) {
        self.events.push(Event::Pause(Duration::from_millis(ms)));
    }
    fn fail(mut self, status: u32, line: impl Into<String>) -> Output {
        self.err(line);
        self.status = status;
        self
    }
    /// The stdout text, lines joined with newlines (for tests).
    pub fn stdout(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Stdout(line) => Some(format!("{line}\n")),
                _ => None,
            })
            .collect()
    }
    /// The stderr text (for tests).
    pub fn stderr(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Stderr(line) => Some(format!("{line}\n")),
                _ => None,
            })
            .collect()
    }
}

/// Unquoted operators, as the lexer reports them. They start with a NUL byte, which no
/// quoted word can contain, so `'&&'` stays a word and `&&` is an operator, as in bash.
const AND: &str = "\0&&";
const SEMICOLON: &str = "\0;";
const WRITE: &str = "\0>";
const APPEND: &str = "\0>>";
const HEREDOC: &str = "\0<<";

/// Splits a command line into words and operators with POSIX quoting rules: single
/// quotes are literal, double quotes honour `\"`, `\\`, `\$` and `` \` ``, a backslash
/// outside quotes escapes the next character. `Err` for an unterminated quote.
fn lex(line: &str) -> Result<Vec<String>, ()> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let finish = |tokens: &mut Vec<String>, word: &mut String, in_word: &mut bool| {
        if *in_word {
            tokens.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(other) => word.push(other),
                        None => return Err(()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(escaped @ ('"' | '\\' | '$' | '`')) => word.push(escaped),
                            Some('\n') => {}
                            Some(other) => {
                                word.push('\\');
                                word.push(other);
                            }
                            None => return Err(()),
                        },
                        Some(other) => word.push(other),
                        None => return Err(()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(other) => {
                    in_word = true;
                    word.push(other);
                }
                None => return Err(()),
            },
            c if c.is_whitespace() => finish(&mut tokens, &mut word, &mut in_word),
            '&' if chars.peek() == Some(&'&') => {
                chars.next();
                finish(&mut tokens, &mut word, &mut in_word);
                tokens.push(AND.to_owned());
            }
            ';' => {
                finish(&mut tokens, &mut word, &mut in_word);
                tokens.push(SEMICOLON.to_owned());
            }
            '>' => {
                finish(&mut tokens, &mut word, &mut in_word);
                if chars.peek() == Some(&'>') {
                    chars.next();
                    tokens.push(APPEND.to_owned());
                } else {
                    tokens.push(WRITE.to_owned());
                }
            }
            '<' if chars.peek() == Some(&'<') => {
                chars.next();
                finish(&mut tokens, &mut word, &mut in_word);
                tokens.push(HEREDOC.to_owned());
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    finish(&mut tokens, &mut word, &mut in_word);
    Ok(tokens)
}

/// Whether `command` reads its standard input (so it runs once the client sends EOF).
pub fn reads_stdin(command: &str) -> bool {
    let Ok(words) = lex(command) else {
        return false;
    };
    words.split(|w| w == AND || w == SEMICOLON).any(|part| match part {
        [cat, redirect, _] if cat == "cat" && redirect == WRITE => true,
        [pct, exec, ..] if pct == "pct" && exec == "exec" => {
            let inner = part.iter().skip_while(|w| *w != "--").skip(1).collect::<Vec<_>>();
            matches!(inner.as_slice(), [shell] | [shell, _] if *shell == "bash" || *shell == "sh")
                && !inner.iter().any(|w| *w == "-c")
        }
        _ => false,
    })
}

/// Runs a command line as `node`'s root shell would.
pub fn run_on_node(cluster: &mut Cluster, node: &str, command: &str, stdin: &[u8]) -> Output {
    let words = match lex(command) {
        Ok(words) => words,
        Err(_) => {
            return Output::default().fail(
                2,
                "bash: -c: line 1: unexpected EOF while looking for matching quote",
            );
        }
    };
    let mut output = Output::default();
    for part in words.split(|w| w == AND) {
        let step = node_command(cluster, node, part, stdin);
        output.events.extend(step.events);
        output.status = step.status;
        if output.status != 0 {
            break;
        }
    }
    output
}

fn node_command(cluster: &mut Cluster, node: &str, words: &[String], stdin: &[u8]) -> Output {
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["true"] => Output::default(),
        ["cat", WRITE, path] => {
            cluster
                .node_files
                .entry(node.to_owned())
                .or_default()
                .insert((*path).to_owned(), stdin.to_vec());
            Output::default()
        }
        ["rm", "-f", paths @ ..] => {
            if let Some(files) = cluster.node_files.get_mut(node) {
                for path in paths {
                    files.remove(*path);
                }
            }
            Output::default()
        }
        ["mktemp", ..] => {
            let name = format!("/tmp/tmp.{:010}", cluster.next_pid());
            cluster
                .node_files
                .entry(node.to_owned())
                .or_default()
                .insert(name.clone(), Vec::new());
            let mut output = Output::default();
            output.out(name);
            output
        }
        ["pct", "list"] => pct_list(cluster, node),
        ["pct", "exec", vmid, rest @ ..] => pct_exec(cluster, node, vmid, rest, stdin),
        ["pct", "push", vmid, source, target, options @ ..] => {
            pct_push(cluster, node, vmid, source, target, options)
        }
        ["pct", ..] => Output::default().fail(
            255,
            "ERROR: unknown or incomplete pct command\nUSAGE: pct <COMMAND> [ARGS] [OPTIONS]",
        ),
        [program, ..] => Output::default().fail(127, format!("bash: {program}: command not found")),
    }
}

fn pct_list(cluster: &Cluster, node: &str) -> Output {
    let mut output = Output::default();
    output.out(format!(
        "{:<10} {:<10} {:<12} {}",
        "VMID", "Status", "Lock", "Name"
    ));
    for ct in cluster.containers.values().filter(|ct| ct.node == node) {
        let status = if ct.running { "running" } else { "stopped" };
        output.out(
            format!(
                "{:<10} {:<10} {:<12} {}",
                ct.vmid,
                status,
                ct.lock().unwrap_or(""),
                ct.name()
            )
            .trim_end()
            .to_owned(),
        );
    }
    output
}

/// The running container `vmid` on `node`, or pct's error.
fn running_guest<'a>(
    cluster: &'a mut Cluster,
    node: &str,
    vmid: &str,
) -> Result<&'a mut Guest, Output> {
    let Some(id) = vmid.parse::<u32>().ok() else {
        return Err(Output::default().fail(255, format!("400 Parameter verification failed.\nvmid: type check ('integer') failed - got '{vmid}'")));
    };
    match cluster.containers.get_mut(&id) {
        Some(ct) if ct.node == node && ct.running => Ok(&mut ct.guest),
        Some(ct) if ct.node == node => {
            Err(Output::default().fail(255, format!("container '{id}' not running!")))
        }
        _ => Err(Output::default().fail(
            255,
            format!("Configuration file 'nodes/{node}/lxc/{id}.conf' does not exist"),
        )),
    }
}

fn pct_exec(cluster: &mut Cluster, node: &str, vmid: &str, rest: &[&str], stdin: &[u8]) -> Output {
    let mut rest = rest;
    // `--keep-env 0|1` changes nothing in the model.
    while let ["--keep-env", _, tail @ ..] = rest {
        rest = tail;
    }
    let argv: Vec<String> = match rest {
        ["--", argv @ ..] if !argv.is_empty() => argv.iter().map(|s| (*s).to_owned()).collect(),
        _ => {
            return Output::default().fail(
                255,
                "400 too few arguments\npct exec <vmid> [<extra-args>] [OPTIONS]",
            );
        }
    };
    let guest = match running_guest(cluster, node, vmid) {
        Ok(guest) => guest,
        Err(output) => return output,
    };
    guest_exec(guest, vmid, &argv, stdin)
}

fn pct_push(
    cluster: &mut Cluster,
    node: &str,
    vmid: &str,
    source: &str,
    target: &str,
    options: &[&str],
) -> Output {
    let valid_options = options
        .chunks(2)
        .all(|pair| matches!(pair, [flag, _] if ["--perms", "--user", "--group"].contains(flag)));
    if !valid_options {
        return Output::default().fail(255, "400 unable to parse option");
    }
    let content = cluster
        .node_files
        .get(node)
        .and_then(|files| files.get(source))
        .cloned();
    let guest = match running_guest(cluster, node, vmid) {
        Ok(guest) => guest,
        Err(output) if output.stderr().contains("not running") => {
            return Output::default().fail(255, "can only push files to a running CT");
        }
        Err(output) => return output,
    };
    let Some(content) = content else {
        return Output::default().fail(
            255,
            format!("unable to open file '{source}' - No such file or directory"),
        );
    };
    if !target.starts_with('/') {
        return Output::default()
            .fail(255, format!("destination path '{target}' must be absolute"));
    }
    guest.files.insert(target.to_owned(), content);
    Output::default()
}

/// Runs `argv` inside the container, as `lxc-attach` would exec it.
fn guest_exec(guest: &mut Guest, vmid: &str, argv: &[String], stdin: &[u8]) -> Output {
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
    use super::*;
    use crate::config::SimConfig;

    fn cluster() -> Cluster {
        // Containers 100–105 on `pve`; 103 is stopped, 102 and 105 are Alpine.
        Cluster::new(&SimConfig::default())
    }

    #[test]
    fn quoted_operators_are_words_and_bare_ones_are_operators() {
        assert_eq!(
            lex("echo '&&' && echo \"a;b\" ; x>y").unwrap(),
            ["echo", "&&", AND, "echo", "a;b", SEMICOLON, "x", WRITE, "y"]
        );
        assert_eq!(
            lex(r#"echo "it's \"q\" \$HOME" it\'s"#).unwrap(),
            ["echo", "it's \"q\" $HOME", "it's"]
        );
        assert_eq!(lex("cat <<'EOF'").unwrap(), ["cat", HEREDOC, "EOF"]);
        assert_eq!(lex("''").unwrap(), [""]);
        assert!(lex("echo 'open").is_err());
        assert!(lex("echo \"open").is_err());
    }

    #[test]
    fn pct_list_shows_the_nodes_containers() {
        let mut cluster = cluster();
        let output = run_on_node(&mut cluster, "pve", "pct list", b"");
        let stdout = output.stdout();
        assert_eq!(output.status, 0);
        assert!(
            stdout.starts_with("VMID       Status     Lock         Name"),
            "{stdout}"
        );
        assert!(stdout.contains("103        stopped"), "{stdout}");
        assert_eq!(stdout.lines().count(), 7);
    }

    #[test]
    fn exec_needs_a_running_container_on_this_node() {
        let mut cluster = cluster();
        let stopped = run_on_node(&mut cluster, "pve", "pct exec 103 -- true", b"");
        assert_eq!(
            (stopped.status, stopped.stderr().as_str()),
            (255, "container '103' not running!\n")
        );
        let missing = run_on_node(&mut cluster, "pve", "pct exec 999 -- true", b"");
        assert!(
            missing
                .stderr()
                .contains("nodes/pve/lxc/999.conf' does not exist")
        );
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
    fn files_are_uploaded_then_pushed_into_the_container() {
        let mut cluster = cluster();
        assert!(reads_stdin("cat > /tmp/corral-upload"));
        let upload = run_on_node(
            &mut cluster,
            "pve",
            "cat > /tmp/corral-upload",
            b"server { listen 8080; }\n",
        );
        assert_eq!(upload.status, 0);
        let push = run_on_node(
            &mut cluster,
            "pve",
            "pct push 100 /tmp/corral-upload /etc/nginx/conf.d/app.conf --perms 0644 && rm -f /tmp/corral-upload",
            b"",
        );
        assert_eq!(push.status, 0, "{}", push.stderr());
        let read = run_on_node(
            &mut cluster,
            "pve",
            "pct exec 100 -- cat /etc/nginx/conf.d/app.conf",
            b"",
        );
        assert_eq!(read.stdout(), "server { listen 8080; }\n");
        let gone = run_on_node(
            &mut cluster,
            "pve",
            "pct push 100 /tmp/corral-upload /etc/x",
            b"",
        );
        assert!(gone.stderr().contains("No such file or directory"));
        let stopped = run_on_node(
            &mut cluster,
            "pve",
            "pct push 103 /etc/hostname /etc/x",
            b"",
        );
        assert_eq!(stopped.stderr(), "can only push files to a running CT\n");
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
