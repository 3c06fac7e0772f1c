//! Field validation shared by the browser and the server.

use serde::{Deserialize, Serialize};

/// One invalid field: its form name and what is wrong, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    /// An error for `field`.
    pub fn new(field: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A required text of at most `max` characters, trimmed.
pub fn required(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(field, format!("at most {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

/// An optional text: blank becomes `None`, otherwise as [`required`].
pub fn optional(field: &str, value: &str, max: usize) -> Result<Option<String>, FieldError> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        required(field, value, max).map(Some)
    }
}

/// A TCP port written as text.
pub fn port(field: &str, value: &str, default: u16) -> Result<u16, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(default);
    }
    match value.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(FieldError::new(field, "a port number from 1 to 65535")),
    }
}

/// A host name, IPv4 or IPv6 address (brackets allowed around IPv6).
pub fn host(field: &str, value: &str) -> Result<String, FieldError> {
    let value = required(field, value, 253)?;
    let bare = value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .unwrap_or(&value);
    let is_ipv6 = bare.contains(':')
        && bare
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    let is_name = bare.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    if is_ipv6 || is_name {
        Ok(bare.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "a host name or IP address, without scheme or port (e.g. pve1.lan or 192.0.2.10)",
        ))
    }
}

/// A username: 1–64 letters, digits, `.`, `_` or `-`, starting with a letter or digit.
pub fn username(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let valid = (1..=64).contains(&value.len())
        && value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "1–64 letters, digits, dots, underscores or hyphens, starting with a letter or digit",
        ))
    }
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted (hashing cost is bounded).
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// A new password: 12 to 1024 characters, typed the same twice.
pub fn new_password(field: &str, value: &str, repeated: &str) -> Result<(), FieldError> {
    let count = value.chars().count();
    if count < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            field,
            format!("at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if count > MAX_PASSWORD_CHARS {
        return Err(FieldError::new(
            field,
            format!("at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    if value != repeated {
        return Err(FieldError::new(
            &format!("{field}_repeat"),
            "the two passwords differ",
        ));
    }
    Ok(())
}

/// An SSH or TLS SHA-256 fingerprint as shown to the user: `SHA256:<base64>` for SSH,
/// 32 colon-separated hex pairs for TLS. Both are only checked for shape here.
pub fn fingerprint(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let ssh_like = value.strip_prefix("SHA256:").is_some_and(|rest| {
        (40..=44).contains(&rest.len())
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
    });
    let tls_like = value.len() == 95
        && value
            .split(':')
            .all(|pair| pair.len() == 2 && pair.chars().all(|c| c.is_ascii_hexdigit()));
    if ssh_like || tls_like {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "not a SHA-256 fingerprint; probe the node again",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_accept_names_and_addresses_and_refuse_urls() {
        assert_eq!(host("host", " pve1.lan ").unwrap(), "pve1.lan");
        assert_eq!(host("host", "192.0.2.10").unwrap(), "192.0.2.10");
        assert_eq!(host("host", "[fd00::1]").unwrap(), "fd00::1");
        for bad in ["https://pve1", "pve1:8006", "", "a b", "-x.lan", "pve/1"] {
            assert!(host("host", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_need_length_and_agreement() {
        assert!(new_password("password", "short", "short").is_err());
        assert_eq!(
            new_password("password", "long enough pw", "long enough pX")
                .unwrap_err()
                .field,
            "password_repeat"
        );
        assert!(new_password("password", "long enough pw", "long enough pw").is_ok());
    }

    #[test]
    fn usernames_ports_and_fingerprints() {
        assert!(username("u", "alice.b-1").is_ok());
        assert!(username("u", "_x").is_err());
        assert!(username("u", "a b").is_err());
        assert_eq!(port("p", "", 8006).unwrap(), 8006);
        assert!(port("p", "0", 8006).is_err());
        assert!(port("p", "70000", 8006).is_err());
        assert!(fingerprint("f", "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU").is_ok());
        let tls = vec!["AB"; 32].join(":");
        assert!(fingerprint("f", &tls).is_ok());
        assert!(fingerprint("f", "AB:CD").is_err());
    }
}
