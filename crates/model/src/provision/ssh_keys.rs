//! OpenSSH public keys for root, checked as keys (type, base64 blob naming the same type).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::fields::MAX_SSH_KEYS;
use crate::validate::FieldError;

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
        let decoded = STANDARD.decode(blob).map_err(|_| bad())?;
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

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop";

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
}
