//! Typed Proxmox VE endpoints, as methods on [`crate::Client`], one module per area.

pub mod backups;
pub mod cluster;
pub mod lxc;
pub mod lxc_config;
pub mod network;
pub mod rrd;
pub mod snapshots;
pub mod storage;
pub mod tasks;

/// Percent-encodes one path segment (UPIDs carry `:`, `@` and `!`).
pub(crate) fn segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A node name as a path segment; refuses anything PVE would not accept as a node name,
/// so a stored value can never steer a request to another path.
pub(crate) fn node(name: &str) -> Result<&str, crate::PveError> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    valid
        .then_some(name)
        .ok_or_else(|| crate::PveError::InvalidRequest {
            message: format!("`{name}` is not a valid Proxmox node name"),
        })
}

/// A storage id or snapshot name as a path segment (`[A-Za-z][A-Za-z0-9_.-]*`).
pub(crate) fn identifier<'a>(what: &str, name: &'a str) -> Result<&'a str, crate::PveError> {
    let valid = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
    valid
        .then_some(name)
        .ok_or_else(|| crate::PveError::InvalidRequest {
            message: format!("`{name}` is not a valid {what}"),
        })
}
