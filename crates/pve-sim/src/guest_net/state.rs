//! What listens in a container, read from the modelled tools' state files (the same ones
//! its `ss` reads): running services with their ports and running Docker containers with
//! their published ports. Loopback-only listeners (`127.0.0.1:5432`) are not reachable
//! from outside and are left out.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use super::answer::Answer;

/// The ports reachable on the container's address and how each answers.
pub(super) fn listening(root: &Path) -> HashMap<u16, Answer> {
    let state = root.join("var/lib/pve-sim");
    let mut ports = HashMap::new();
    for (name, values) in files(&state.join("services")) {
        if values.get("ACTIVE").map(String::as_str) != Some("active") {
            continue;
        }
        let listens = values.get("PORTS").map(String::as_str).unwrap_or_default();
        for spec in listens.split_whitespace() {
            let (address, port) = match spec.rsplit_once(':') {
                Some((address, port)) => (Some(address), port),
                None => (None, spec),
            };
            if matches!(address, Some(a) if a != "0.0.0.0" && a != "*") {
                continue;
            }
            if let Ok(port) = port.parse() {
                ports.insert(port, Answer::of_service(&name));
            }
        }
    }
    for (_, values) in files(&state.join("docker")) {
        if values.get("DSTATUS").map(String::as_str) != Some("running") {
            continue;
        }
        let image = values.get("DIMAGE").cloned().unwrap_or_default();
        for published in values
            .get("DPORTS")
            .map(String::as_str)
            .unwrap_or_default()
            .split_whitespace()
        {
            // `HOST:CONTAINER` (the simulated `docker run -p` form).
            if let Some(Ok(port)) = published.split(':').next().map(str::parse) {
                ports.insert(port, Answer::of_image(&image));
            }
        }
    }
    ports
}

/// Every `KEY=value` file in `dir`, by file name.
fn files(dir: &Path) -> Vec<(String, HashMap<String, String>)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let text = fs::read_to_string(entry.path()).ok()?;
            let values = text
                .lines()
                .filter_map(|line| line.split_once('='))
                .map(|(key, value)| (key.to_owned(), unquote(value)))
                .collect();
            Some((entry.file_name().to_string_lossy().into_owned(), values))
        })
        .collect()
}

/// A value as bash wrote it: `'single quoted'` (with `'\''`) or `printf %q`'s backslashes.
fn unquote(value: &str) -> String {
    if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        return inner.replace("'\\''", "'");
    }
    let mut plain = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            plain.extend(chars.next());
        } else {
            plain.push(c);
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_as_bash_wrote_them() {
        assert_eq!(
            unquote("'A high performance web server'"),
            "A high performance web server"
        );
        assert_eq!(unquote("'it'\\''s'"), "it's");
        assert_eq!(unquote("8080:80\\ 9443:9443"), "8080:80 9443:9443");
        assert_eq!(unquote("''"), "");
    }

    #[test]
    fn only_running_services_on_every_address_listen_outside() {
        let root = std::env::temp_dir().join(format!("pve-sim-state-{}", rand::random::<u64>()));
        let services = root.join("var/lib/pve-sim/services");
        let docker = root.join("var/lib/pve-sim/docker");
        fs::create_dir_all(&services).unwrap();
        fs::create_dir_all(&docker).unwrap();
        fs::write(services.join("nginx"), "PORTS='80'\nACTIVE=active\n").unwrap();
        fs::write(
            services.join("postgresql"),
            "PORTS='127.0.0.1:5432'\nACTIVE=active\n",
        )
        .unwrap();
        fs::write(services.join("apache2"), "PORTS='8081'\nACTIVE=inactive\n").unwrap();
        fs::write(
            docker.join("abc"),
            "DNAME=portainer\nDIMAGE=portainer/portainer-ce:latest\nDPORTS=9443:9443\\ 8000:8000\nDSTATUS=running\n",
        )
        .unwrap();
        let ports = listening(&root);
        let mut found: Vec<u16> = ports.keys().copied().collect();
        found.sort_unstable();
        assert_eq!(found, vec![80, 8000, 9443]);
        assert_eq!(ports[&80], Answer::of_service("nginx"));
        assert_eq!(
            ports[&9443],
            Answer::of_image("portainer/portainer-ce:latest")
        );
        fs::remove_dir_all(root).unwrap();
    }
}
