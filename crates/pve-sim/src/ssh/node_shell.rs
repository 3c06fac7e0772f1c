//! A node's root shell as Corral uses it over SSH: `pct list`, `pct exec`, `pct push`,
//! and writing temporary files from standard input (`mktemp`, `cat > file`, `rm -f`).

use super::guest_shell::guest_exec;
use super::lex::{AND, WRITE, lex};
use super::output::Output;
use crate::guest::Guest;
use crate::model::Cluster;

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

#[cfg(test)]
mod tests {
    use super::super::lex::reads_stdin;
    use super::*;
    use crate::config::SimConfig;

    fn cluster() -> Cluster {
        // Containers 100–105 on `pve`; 103 is stopped, 102 and 105 are Alpine.
        Cluster::new(&SimConfig::default())
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
}
