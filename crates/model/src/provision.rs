//! What a new container is made of: the wizard's form as typed (kept in the draft, so a
//! reload shows exactly what was entered), and the checked specification a job runs.
//! The same checks run in the browser for instant feedback and on the server before
//! anything is stored or sent to Proxmox.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::validate::{FieldError, optional};

/// Bounds from PRODUCT.md §5.
pub const VMIDS: std::ops::RangeInclusive<u32> = 100..=999_999_999;
pub const CORES: std::ops::RangeInclusive<u32> = 1..=128;
pub const MEMORY_MIB: std::ops::RangeInclusive<u32> = 16..=262_144;
pub const SWAP_MIB: std::ops::RangeInclusive<u32> = 0..=262_144;
pub const DISK_GIB: std::ops::RangeInclusive<u32> = 1..=10_240;
/// At most this many extra packages, scripts and SSH keys.
pub const MAX_PACKAGES: usize = 200;
pub const MAX_SCRIPTS: usize = 20;
pub const MAX_SSH_KEYS: usize = 20;
/// A script's content, in bytes.
pub const MAX_SCRIPT_BYTES: usize = 64 * 1024;

/// The wizard's fields exactly as typed; every field is text so that a plain form post
/// and a half-finished draft can both hold it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerForm {
    /// Corral's node record id.
    pub node_id: String,
    /// `local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst`.
    pub ostemplate: String,
    pub hostname: String,
    pub vmid: String,
    pub cores: String,
    /// MiB.
    pub memory: String,
    /// MiB.
    pub swap: String,
    pub rootfs_storage: String,
    /// GiB.
    pub rootfs_size: String,
    pub bridge: String,
    /// `dhcp` or `static`.
    pub ipv4_mode: String,
    /// `192.0.2.10/24` when static.
    pub ipv4: String,
    pub gateway4: String,
    /// `none`, `auto` (SLAAC), `dhcp` or `static`.
    pub ipv6_mode: String,
    pub ipv6: String,
    pub gateway6: String,
    /// DNS servers, separated by spaces or commas; blank uses the node's.
    pub nameservers: String,
    pub searchdomain: String,
    /// Checkboxes: `on` when ticked, blank otherwise.
    pub unprivileged: String,
    pub nesting: String,
    pub keyctl: String,
    pub fuse: String,
    /// Separated by spaces, commas or semicolons.
    pub tags: String,
    /// OpenSSH public keys for root, one per line.
    pub ssh_keys: String,
    /// Extra packages, one per line.
    pub packages: String,
    pub scripts: Vec<ScriptForm>,
    /// Keep a half-made container when the job fails (for debugging).
    pub keep_on_failure: String,
}

/// One inline script as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScriptForm {
    pub name: String,
    pub content: String,
}

impl ContainerForm {
    /// A new form with the wizard's defaults.
    pub fn with_defaults() -> ContainerForm {
        ContainerForm {
            cores: "1".into(),
            memory: "512".into(),
            swap: "512".into(),
            rootfs_size: "8".into(),
            bridge: "vmbr0".into(),
            ipv4_mode: "dhcp".into(),
            ipv6_mode: "none".into(),
            unprivileged: "on".into(),
            nesting: "on".into(),
            ..ContainerForm::default()
        }
    }
}

/// What a node offers a new container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeChoices {
    /// OS template volumes, `local:vztmpl/…`.
    pub templates: Vec<String>,
    /// Storages that can hold a root disk.
    pub storages: Vec<String>,
    /// Bridges such as `vmbr0`.
    pub bridges: Vec<String>,
}

/// How the first interface gets its IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ipv4Config {
    Dhcp,
    Static {
        address: Ipv4Addr,
        prefix: u8,
        gateway: Option<Ipv4Addr>,
    },
}

/// How the first interface gets its IPv6 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ipv6Config {
    None,
    Auto,
    Dhcp,
    Static {
        address: Ipv6Addr,
        prefix: u8,
        gateway: Option<Ipv6Addr>,
    },
}

/// One script to run inside the new container, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    pub name: String,
    pub content: String,
}

/// A checked container: every value within its bounds, every name safe to pass on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerSpec {
    pub node_id: String,
    pub ostemplate: String,
    pub hostname: String,
    pub vmid: u32,
    pub cores: u32,
    pub memory_mib: u32,
    pub swap_mib: u32,
    pub rootfs_storage: String,
    pub rootfs_gib: u32,
    pub bridge: String,
    pub ipv4: Ipv4Config,
    pub ipv6: Ipv6Config,
    pub nameservers: Vec<String>,
    pub searchdomain: Option<String>,
    pub unprivileged: bool,
    pub nesting: bool,
    pub keyctl: bool,
    pub fuse: bool,
    pub tags: Vec<String>,
    pub ssh_keys: Vec<String>,
    pub packages: Vec<String>,
    pub scripts: Vec<Script>,
    pub keep_on_failure: bool,
}

fn ticked(value: &str) -> bool {
    matches!(value.trim(), "on" | "true" | "1" | "yes")
}

/// A whole number within `range`.
pub fn number(
    field: &str,
    value: &str,
    range: std::ops::RangeInclusive<u32>,
    unit: &str,
) -> Result<u32, FieldError> {
    let message = || {
        FieldError::new(
            field,
            format!(
                "a whole number from {} to {}{unit}",
                range.start(),
                range.end()
            ),
        )
    };
    let parsed: u32 = value.trim().parse().map_err(|_| message())?;
    if range.contains(&parsed) {
        Ok(parsed)
    } else {
        Err(message())
    }
}

/// A host name for the container: one RFC 1123 label, 1–63 letters, digits and hyphens,
/// not starting or ending with a hyphen.
pub fn hostname(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let valid = (1..=63).contains(&value.len())
        && !value.starts_with('-')
        && !value.ends_with('-')
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if valid {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(FieldError::new(
            field,
            "1–63 letters, digits or hyphens, not starting or ending with a hyphen",
        ))
    }
}

/// A VMID: 100 to 999999999.
pub fn vmid(field: &str, value: &str) -> Result<u32, FieldError> {
    number(field, value, VMIDS, "")
}

/// A Proxmox storage or bridge name: a letter, then letters, digits, `-`, `_` or `.`.
pub fn pve_name(field: &str, value: &str, what: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let valid = (1..=64).contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_alphabetic())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(field, format!("choose a {what}")))
    }
}

/// An OS template volume: `storage:vztmpl/name.tar.(gz|xz|zst)`.
pub fn ostemplate(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let valid = value.split_once(":vztmpl/").is_some_and(|(storage, file)| {
        pve_name(field, storage, "").is_ok()
            && !file.is_empty()
            && file.len() <= 255
            && !file.contains('/')
            && !file.starts_with('.')
            && file
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
            && [".tar.gz", ".tar.xz", ".tar.zst", ".tgz"]
                .iter()
                .any(|ext| file.ends_with(ext))
    });
    if valid {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(field, "choose an OS template"))
    }
}

fn prefixed<A: std::str::FromStr>(value: &str, max_prefix: u8) -> Option<(A, u8)> {
    let (address, prefix) = value.trim().split_once('/')?;
    let prefix: u8 = prefix.parse().ok()?;
    (prefix <= max_prefix).then_some(())?;
    Some((address.parse().ok()?, prefix))
}

/// What differs between IPv4 and IPv6 when a static address is checked.
trait Family: Copy + PartialEq + std::fmt::Display + std::str::FromStr {
    /// Address length in bits.
    const BITS: u8;
    /// `4` or `6`: the form's fields are `ipv4`/`gateway4`, `ipv6`/`gateway6`.
    const DIGIT: char;
    /// Examples for the messages: an address with prefix, and a gateway.
    const EXAMPLES: (&'static str, &'static str);
    fn bits(self) -> u128;
}

impl Family for Ipv4Addr {
    const BITS: u8 = 32;
    const DIGIT: char = '4';
    const EXAMPLES: (&'static str, &'static str) = ("192.0.2.10/24", "192.0.2.1");
    fn bits(self) -> u128 {
        u128::from(u32::from(self))
    }
}

impl Family for Ipv6Addr {
    const BITS: u8 = 128;
    const DIGIT: char = '6';
    const EXAMPLES: (&'static str, &'static str) = ("2001:db8::10/64", "2001:db8::1");
    fn bits(self) -> u128 {
        u128::from(self)
    }
}

/// Whether `a` and `b` share the first `prefix` bits (1 ≤ prefix ≤ the family's length).
fn same_subnet<A: Family>(a: A, b: A, prefix: u8) -> bool {
    let mask = u128::MAX << u32::from(A::BITS - prefix.clamp(1, A::BITS));
    a.bits() & mask == b.bits() & mask
}

/// A static `address/prefix` and an optional gateway, which must be another address in
/// the same subnet.
fn static_address<A: Family>(
    address: &str,
    gateway: &str,
) -> Result<(A, u8, Option<A>), FieldError> {
    let (address_field, gateway_field) =
        (format!("ipv{}", A::DIGIT), format!("gateway{}", A::DIGIT));
    let (address_example, gateway_example) = A::EXAMPLES;
    let (address, prefix) = prefixed::<A>(address, A::BITS)
        .filter(|(_, prefix)| *prefix >= 1)
        .ok_or_else(|| {
            FieldError::new(
                &address_field,
                format!("an address with its prefix, e.g. {address_example}"),
            )
        })?;
    if gateway.trim().is_empty() {
        return Ok((address, prefix, None));
    }
    let gateway: A = gateway.trim().parse().map_err(|_| {
        FieldError::new(
            &gateway_field,
            format!("an IPv{} address, e.g. {gateway_example}", A::DIGIT),
        )
    })?;
    if !same_subnet(address, gateway, prefix) || gateway == address {
        return Err(FieldError::new(
            &gateway_field,
            format!("the gateway must be another address in {address}/{prefix}"),
        ));
    }
    Ok((address, prefix, Some(gateway)))
}

/// IPv4: `dhcp`, or a static `address/prefix` with an optional gateway in the same subnet.
pub fn ipv4(mode: &str, address: &str, gateway: &str) -> Result<Ipv4Config, FieldError> {
    match mode.trim() {
        "" | "dhcp" => Ok(Ipv4Config::Dhcp),
        "static" => {
            let (address, prefix, gateway) = static_address(address, gateway)?;
            Ok(Ipv4Config::Static {
                address,
                prefix,
                gateway,
            })
        }
        _ => Err(FieldError::new("ipv4_mode", "DHCP or static")),
    }
}

/// IPv6: none, SLAAC, DHCPv6, or a static `address/prefix` with an optional gateway in
/// the same subnet.
pub fn ipv6(mode: &str, address: &str, gateway: &str) -> Result<Ipv6Config, FieldError> {
    match mode.trim() {
        "" | "none" => Ok(Ipv6Config::None),
        "auto" => Ok(Ipv6Config::Auto),
        "dhcp" => Ok(Ipv6Config::Dhcp),
        "static" => {
            let (address, prefix, gateway) = static_address(address, gateway)?;
            Ok(Ipv6Config::Static {
                address,
                prefix,
                gateway,
            })
        }
        _ => Err(FieldError::new(
            "ipv6_mode",
            "none, SLAAC, DHCPv6 or static",
        )),
    }
}

fn words(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|w| !w.is_empty())
}

/// DNS servers: IPv4 or IPv6 addresses, at most three.
pub fn nameservers(field: &str, value: &str) -> Result<Vec<String>, FieldError> {
    let servers: Vec<String> = words(value).map(str::to_owned).collect();
    if servers.len() > 3 {
        return Err(FieldError::new(field, "at most three DNS servers"));
    }
    for server in &servers {
        if server.parse::<std::net::IpAddr>().is_err() {
            return Err(FieldError::new(
                field,
                format!("{server} is not an IP address"),
            ));
        }
    }
    Ok(servers)
}

/// A DNS search domain (dot-separated labels).
pub fn searchdomain(field: &str, value: &str) -> Result<Option<String>, FieldError> {
    let Some(value) = optional(field, value, 253)? else {
        return Ok(None);
    };
    if value.split('.').all(|label| hostname(field, label).is_ok()) {
        Ok(Some(value.to_ascii_lowercase()))
    } else {
        Err(FieldError::new(
            field,
            "a domain such as lan or example.org",
        ))
    }
}

/// Proxmox tags: letters, digits, `-`, `_`, `+` and `.`, starting with a letter, digit or
/// `_`; lowercased and deduplicated.
pub fn tags(field: &str, value: &str) -> Result<Vec<String>, FieldError> {
    let mut tags: Vec<String> = Vec::new();
    for tag in words(value) {
        let valid = tag.len() <= 64
            && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '.'));
        if !valid {
            return Err(FieldError::new(
                field,
                format!("{tag}: tags use letters, digits, -, _, + and ."),
            ));
        }
        let tag = tag.to_ascii_lowercase();
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

/// Standard base64 (with padding) decoded, or `None`.
fn base64(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if text.is_empty() || !text.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let bytes = text.as_bytes();
    let padding = bytes.iter().rev().take_while(|b| **b == b'=').count();
    if padding > 2 {
        return None;
    }
    let mut buffer = 0u32;
    let mut bits = 0;
    for (index, byte) in bytes.iter().enumerate() {
        if *byte == b'=' {
            if index < bytes.len() - padding {
                return None;
            }
            continue;
        }
        let value = ALPHABET.iter().position(|a| a == byte)? as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// Key types OpenSSH accepts in `authorized_keys`.
const SSH_KEY_TYPES: [&str; 8] = [
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-dss",
];

/// OpenSSH public keys, one per line: a known type, its base64 blob (which names the same
/// type inside) and an optional comment. Options before the type are not accepted.
pub fn ssh_keys(field: &str, value: &str) -> Result<Vec<String>, FieldError> {
    let mut keys = Vec::new();
    for (index, line) in value.lines().map(str::trim).enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || {
            FieldError::new(
                field,
                format!(
                    "line {}: not an OpenSSH public key (ssh-ed25519 AAAA… comment)",
                    index + 1
                ),
            )
        };
        let mut parts = line.split_whitespace();
        let kind = parts.next().ok_or_else(bad)?;
        let blob = parts.next().ok_or_else(bad)?;
        let comment: Vec<&str> = parts.collect();
        if !SSH_KEY_TYPES.contains(&kind) {
            return Err(bad());
        }
        let decoded = base64(blob).ok_or_else(bad)?;
        let inner_len = decoded
            .get(..4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(bad)?;
        if decoded.get(4..4 + inner_len) != Some(kind.as_bytes())
            || decoded.len() < 4 + inner_len + 16
        {
            return Err(bad());
        }
        if comment.iter().any(|w| w.chars().any(char::is_control)) {
            return Err(bad());
        }
        keys.push(if comment.is_empty() {
            format!("{kind} {blob}")
        } else {
            format!("{kind} {blob} {}", comment.join(" "))
        });
        if keys.len() > MAX_SSH_KEYS {
            return Err(FieldError::new(
                field,
                format!("at most {MAX_SSH_KEYS} keys"),
            ));
        }
    }
    Ok(keys)
}

/// Package names, one per line: what apt, apk and dnf accept (letters, digits, `+`, `-`,
/// `.`, `_`, an optional `=version` or `:arch`), never an option or a shell word.
pub fn packages(field: &str, value: &str) -> Result<Vec<String>, FieldError> {
    let mut packages: Vec<String> = Vec::new();
    for (index, line) in value.lines().map(str::trim).enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let valid = line.len() <= 128
            && line.starts_with(|c: char| c.is_ascii_alphanumeric())
            && line.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '_' | '=' | ':' | '~')
            });
        if !valid {
            return Err(FieldError::new(
                field,
                format!("line {}: {line:?} is not a package name", index + 1),
            ));
        }
        if !packages.iter().any(|p| p == line) {
            packages.push(line.to_owned());
        }
    }
    if packages.len() > MAX_PACKAGES {
        return Err(FieldError::new(
            field,
            format!("at most {MAX_PACKAGES} packages"),
        ));
    }
    Ok(packages)
}

/// A script's name: 1–64 letters, digits, spaces, `.`, `_` or `-`.
pub fn script_name(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let valid = (1..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-'));
    if valid {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "1–64 letters, digits, spaces, dots, underscores or hyphens",
        ))
    }
}

/// The scripts in order; blank entries (no name, no content) are dropped.
pub fn scripts(list: &[ScriptForm]) -> Result<Vec<Script>, FieldError> {
    let mut scripts: Vec<Script> = Vec::new();
    for (index, script) in list.iter().enumerate() {
        if script.name.trim().is_empty() && script.content.trim().is_empty() {
            continue;
        }
        let name = script_name(&format!("scripts[{index}][name]"), &script.name)?;
        let content_field = format!("scripts[{index}][content]");
        if script.content.trim().is_empty() {
            return Err(FieldError::new(&content_field, "the script is empty"));
        }
        if script.content.len() > MAX_SCRIPT_BYTES {
            return Err(FieldError::new(&content_field, "at most 64 KiB"));
        }
        if script.content.contains('\0') {
            return Err(FieldError::new(
                &content_field,
                "must not contain NUL bytes",
            ));
        }
        if scripts.iter().any(|s| s.name == name) {
            return Err(FieldError::new(
                &format!("scripts[{index}][name]"),
                "another script has this name",
            ));
        }
        scripts.push(Script {
            name,
            content: script.content.replace("\r\n", "\n"),
        });
    }
    if scripts.len() > MAX_SCRIPTS {
        return Err(FieldError::new(
            "scripts",
            format!("at most {MAX_SCRIPTS} scripts"),
        ));
    }
    Ok(scripts)
}

/// The wizard steps whose fields are checked one step at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    Template,
    Configure,
    Packages,
    Scripts,
    Review,
}

impl Step {
    /// Every step in order, with its URL word and title.
    pub const ALL: [(Step, &'static str, &'static str); 5] = [
        (Step::Template, "template", "Template"),
        (Step::Configure, "configure", "Configure"),
        (Step::Packages, "packages", "Packages"),
        (Step::Scripts, "scripts", "Scripts"),
        (Step::Review, "review", "Review"),
    ];

    /// The step named `word` in a URL.
    pub fn parse(word: &str) -> Option<Step> {
        Step::ALL
            .iter()
            .find(|(_, w, _)| *w == word)
            .map(|(s, ..)| *s)
    }

    /// The URL word.
    pub fn word(self) -> &'static str {
        Step::ALL
            .iter()
            .find(|(s, ..)| *s == self)
            .map_or("template", |(_, w, _)| w)
    }

    /// The step after this one.
    pub fn next(self) -> Option<Step> {
        let at = Step::ALL.iter().position(|(s, ..)| *s == self)?;
        Step::ALL.get(at + 1).map(|(s, ..)| *s)
    }

    /// The step before this one.
    pub fn previous(self) -> Option<Step> {
        let at = Step::ALL.iter().position(|(s, ..)| *s == self)?;
        at.checked_sub(1).map(|i| Step::ALL[i].0)
    }
}

impl Step {
    /// The step whose form holds `field` (errors from the final check link back to it).
    pub fn of_field(field: &str) -> Step {
        if field == "packages" {
            Step::Packages
        } else if field.starts_with("scripts") {
            Step::Scripts
        } else if field == "keep_on_failure" {
            Step::Review
        } else {
            Step::Configure
        }
    }
}

impl ContainerForm {
    /// Copies the fields that `step`'s form posts from `posted` (a checkbox left unticked
    /// is not posted at all, so it becomes blank here).
    pub fn take_step(&mut self, step: Step, posted: &ContainerForm) {
        match step {
            Step::Template => {}
            Step::Configure => {
                let keep = (
                    std::mem::take(&mut self.packages),
                    std::mem::take(&mut self.scripts),
                    std::mem::take(&mut self.keep_on_failure),
                );
                *self = posted.clone();
                (self.packages, self.scripts, self.keep_on_failure) = keep;
            }
            Step::Packages => self.packages = posted.packages.clone(),
            Step::Scripts => self.scripts = posted.scripts.clone(),
            Step::Review => self.keep_on_failure = posted.keep_on_failure.clone(),
        }
    }

    /// Checks the fields of one step; the first error is returned.
    pub fn check_step(&self, step: Step) -> Result<(), FieldError> {
        self.errors(step).into_iter().next().map_or(Ok(()), Err)
    }

    /// Every field error of one step, in form order (the browser shows each under its
    /// field as the user types; the server refuses Next on the first).
    pub fn errors(&self, step: Step) -> Vec<FieldError> {
        let results: Vec<Result<(), FieldError>> = match step {
            Step::Template | Step::Review => Vec::new(),
            Step::Configure => vec![
                if self.node_id.trim().is_empty() {
                    Err(FieldError::new("node_id", "choose a node"))
                } else {
                    Ok(())
                },
                ostemplate("ostemplate", &self.ostemplate).map(drop),
                pve_name(
                    "rootfs_storage",
                    &self.rootfs_storage,
                    "storage for the root disk",
                )
                .map(drop),
                pve_name("bridge", &self.bridge, "bridge").map(drop),
                hostname("hostname", &self.hostname).map(drop),
                vmid("vmid", &self.vmid).map(drop),
                number("cores", &self.cores, CORES, "").map(drop),
                number("memory", &self.memory, MEMORY_MIB, " MiB").map(drop),
                number("swap", &self.swap, SWAP_MIB, " MiB").map(drop),
                number("rootfs_size", &self.rootfs_size, DISK_GIB, " GiB").map(drop),
                ipv4(&self.ipv4_mode, &self.ipv4, &self.gateway4).map(drop),
                ipv6(&self.ipv6_mode, &self.ipv6, &self.gateway6).map(drop),
                nameservers("nameservers", &self.nameservers).map(drop),
                searchdomain("searchdomain", &self.searchdomain).map(drop),
                tags("tags", &self.tags).map(drop),
                ssh_keys("ssh_keys", &self.ssh_keys).map(drop),
            ],
            Step::Packages => vec![packages("packages", &self.packages).map(drop)],
            Step::Scripts => vec![scripts(&self.scripts).map(drop)],
        };
        results.into_iter().filter_map(Result::err).collect()
    }

    fn configure(&self) -> Result<ContainerSpec, FieldError> {
        if self.node_id.trim().is_empty() {
            return Err(FieldError::new("node_id", "choose a node"));
        }
        Ok(ContainerSpec {
            node_id: self.node_id.trim().to_owned(),
            ostemplate: ostemplate("ostemplate", &self.ostemplate)?,
            hostname: hostname("hostname", &self.hostname)?,
            vmid: vmid("vmid", &self.vmid)?,
            cores: number("cores", &self.cores, CORES, "")?,
            memory_mib: number("memory", &self.memory, MEMORY_MIB, " MiB")?,
            swap_mib: number("swap", &self.swap, SWAP_MIB, " MiB")?,
            rootfs_storage: pve_name(
                "rootfs_storage",
                &self.rootfs_storage,
                "storage for the root disk",
            )?,
            rootfs_gib: number("rootfs_size", &self.rootfs_size, DISK_GIB, " GiB")?,
            bridge: pve_name("bridge", &self.bridge, "bridge")?,
            ipv4: ipv4(&self.ipv4_mode, &self.ipv4, &self.gateway4)?,
            ipv6: ipv6(&self.ipv6_mode, &self.ipv6, &self.gateway6)?,
            nameservers: nameservers("nameservers", &self.nameservers)?,
            searchdomain: searchdomain("searchdomain", &self.searchdomain)?,
            unprivileged: ticked(&self.unprivileged),
            nesting: ticked(&self.nesting),
            keyctl: ticked(&self.keyctl),
            fuse: ticked(&self.fuse),
            tags: tags("tags", &self.tags)?,
            ssh_keys: ssh_keys("ssh_keys", &self.ssh_keys)?,
            packages: Vec::new(),
            scripts: Vec::new(),
            keep_on_failure: ticked(&self.keep_on_failure),
        })
    }

    /// Checks every field; the specification a job runs, or the first error.
    pub fn validate(&self) -> Result<ContainerSpec, FieldError> {
        let mut spec = self.configure()?;
        spec.packages = packages("packages", &self.packages)?;
        spec.scripts = scripts(&self.scripts)?;
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop";

    fn valid_form() -> ContainerForm {
        ContainerForm {
            node_id: "n1".into(),
            ostemplate: "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst".into(),
            hostname: "web-1".into(),
            vmid: "120".into(),
            rootfs_storage: "local-lvm".into(),
            ..ContainerForm::with_defaults()
        }
    }

    #[test]
    fn a_complete_form_becomes_a_spec() {
        let mut form = valid_form();
        form.ipv4_mode = "static".into();
        form.ipv4 = "192.0.2.10/24".into();
        form.gateway4 = "192.0.2.1".into();
        form.tags = "Web, edge;web".into();
        form.ssh_keys = format!("{ED25519}\n\n");
        form.packages = "nginx\ncurl\nnginx\n".into();
        form.scripts = vec![
            ScriptForm {
                name: "setup".into(),
                content: "echo hi\r\n".into(),
            },
            ScriptForm::default(),
        ];
        let spec = form.validate().unwrap();
        assert_eq!(spec.vmid, 120);
        assert_eq!(spec.memory_mib, 512);
        assert!(spec.unprivileged && spec.nesting && !spec.keyctl);
        assert_eq!(spec.tags, ["web", "edge"]);
        assert_eq!(spec.packages, ["nginx", "curl"]);
        assert_eq!(spec.scripts.len(), 1);
        assert_eq!(spec.scripts[0].content, "echo hi\n");
        assert_eq!(spec.ssh_keys.len(), 1);
        assert!(matches!(
            spec.ipv4,
            Ipv4Config::Static {
                prefix: 24,
                gateway: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn errors_name_their_field() {
        let field = |change: fn(&mut ContainerForm)| {
            let mut form = valid_form();
            change(&mut form);
            form.validate().unwrap_err().field
        };
        assert_eq!(field(|f| f.hostname = "-web".into()), "hostname");
        assert_eq!(field(|f| f.hostname = "a".repeat(64)), "hostname");
        assert_eq!(field(|f| f.vmid = "99".into()), "vmid");
        assert_eq!(field(|f| f.cores = "129".into()), "cores");
        assert_eq!(field(|f| f.memory = "15".into()), "memory");
        assert_eq!(field(|f| f.rootfs_size = "0".into()), "rootfs_size");
        assert_eq!(
            field(|f| f.ostemplate = "local:iso/x.iso".into()),
            "ostemplate"
        );
        assert_eq!(field(|f| f.bridge = "vmbr0;reboot".into()), "bridge");
        assert_eq!(field(|f| f.node_id = String::new()), "node_id");
        assert_eq!(
            field(|f| {
                f.ipv4_mode = "static".into();
                f.ipv4 = "192.0.2.10/24".into();
                f.gateway4 = "198.51.100.1".into();
            }),
            "gateway4"
        );
        assert_eq!(
            field(|f| {
                f.ipv4_mode = "static".into();
                f.ipv4 = "192.0.2.10".into();
            }),
            "ipv4"
        );
        assert_eq!(
            field(|f| {
                f.ipv6_mode = "static".into();
                f.ipv6 = "2001:db8::10/64".into();
                f.gateway6 = "2001:db9::1".into();
            }),
            "gateway6"
        );
        assert_eq!(
            field(|f| f.nameservers = "1.1.1.1 dns.example".into()),
            "nameservers"
        );
        assert_eq!(field(|f| f.tags = "ok -bad".into()), "tags");
        assert_eq!(
            field(|f| f.packages = "curl\n--allow-unauthenticated".into()),
            "packages"
        );
        assert_eq!(field(|f| f.packages = "curl; rm -rf /".into()), "packages");
        assert_eq!(
            field(|f| f.scripts = vec![ScriptForm {
                name: "a/b".into(),
                content: "x".into()
            }]),
            "scripts[0][name]"
        );
        assert_eq!(
            field(|f| f.scripts = vec![ScriptForm {
                name: "empty".into(),
                content: " ".into()
            }]),
            "scripts[0][content]"
        );
    }

    #[test]
    fn ssh_keys_are_checked_as_keys() {
        assert_eq!(ssh_keys("k", ED25519).unwrap().len(), 1);
        for bad in [
            "ssh-ed25519",
            "ssh-ed25519 not-base64!",
            "ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
            // The blob says ed25519, the type says rsa.
            "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
            "command=\"rm -rf /\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        ] {
            assert!(ssh_keys("k", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_step_takes_only_its_own_fields() {
        let mut stored = valid_form();
        stored.packages = "nginx".into();
        stored.keep_on_failure = "on".into();
        let mut posted = ContainerForm {
            hostname: "renamed".into(),
            ..ContainerForm::default()
        };
        posted.packages = "ignored".into();
        stored.take_step(Step::Configure, &posted);
        assert_eq!(stored.hostname, "renamed");
        assert_eq!(stored.nesting, "", "an unticked checkbox is not posted");
        assert_eq!(stored.packages, "nginx", "other steps' fields stay");
        assert_eq!(stored.keep_on_failure, "on");
        stored.take_step(Step::Packages, &posted);
        assert_eq!(stored.packages, "ignored");
        assert_eq!(Step::of_field("scripts[1][name]"), Step::Scripts);
        let mut broken = valid_form();
        broken.hostname = "-x".into();
        broken.memory = "1".into();
        let fields: Vec<String> = broken
            .errors(Step::Configure)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["hostname", "memory"], "every error, in form order");
        assert_eq!(Step::of_field("gateway4"), Step::Configure);
    }

    #[test]
    fn subnets_and_steps() {
        assert!(same_subnet::<Ipv4Addr>(
            "10.0.0.1".parse().unwrap(),
            "10.0.255.1".parse().unwrap(),
            16
        ));
        assert!(!same_subnet::<Ipv4Addr>(
            "10.0.0.1".parse().unwrap(),
            "10.1.0.1".parse().unwrap(),
            16
        ));
        assert!(same_subnet::<Ipv6Addr>(
            "2001:db8::1".parse().unwrap(),
            "2001:db8::ffff".parse().unwrap(),
            64
        ));
        assert_eq!(Step::parse("packages"), Some(Step::Packages));
        assert_eq!(Step::Configure.next(), Some(Step::Packages));
        assert_eq!(Step::Template.previous(), None);
        assert_eq!(Step::Review.next(), None);
        assert_eq!(base64("aGk="), Some(b"hi".to_vec()));
        assert_eq!(base64("aGk"), None);
    }
}
