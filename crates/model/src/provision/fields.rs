//! One check per wizard field: numbers within bounds, names Proxmox and the shell accept,
//! DNS, tags, packages and scripts. Each returns the parsed value or the field's error.

use super::form::ScriptForm;
use super::spec::Script;
use crate::ids::Vmid;
use crate::validate::{FieldError, optional};

/// Bounds from PRODUCT.md §5.
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
pub fn vmid(field: &str, value: &str) -> Result<Vmid, FieldError> {
    let number = number(field, value, Vmid::RANGE, "")?;
    Vmid::new(number).ok_or_else(|| FieldError::new(field, "a VMID is 100 to 999999999"))
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
