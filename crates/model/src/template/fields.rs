//! Checks of a template's own fields: names, the OS hint, files' names, target
//! directories and modes, and the bounds of everything a template holds.

use crate::validate::FieldError;

/// Scripts, files, buckets and own packages a template holds at most.
pub const MAX_TEMPLATE_SCRIPTS: usize = 50;
pub const MAX_TEMPLATE_FILES: usize = 50;
pub const MAX_TEMPLATE_BUCKETS: usize = 50;
pub const MAX_OWN_PACKAGES: usize = 200;
/// A file's content, in bytes.
pub const MAX_FILE_BYTES: usize = 256 * 1024;
/// All scripts and files of one template together, in bytes (a template form must stay
/// well inside the server's 8 MiB request limit).
pub const MAX_TEMPLATE_BYTES: usize = 2 * 1024 * 1024;
/// A description, in characters.
pub const MAX_DESCRIPTION: usize = 2_000;

/// `true` for letters, digits and the given punctuation.
fn made_of(text: &str, punctuation: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || punctuation.contains(c))
}

/// A template or bucket name: 1–64 letters, digits, spaces, `.`, `_`, `-`, `+`, `(`, `)`,
/// starting with a letter or digit.
pub fn template_name(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let valid = (1..=64).contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && made_of(value, " ._-+()");
    if valid {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "1–64 letters, digits, spaces or . _ - + ( ), starting with a letter or digit",
        ))
    }
}

/// A bucket name, also a package list's file name (`base` of `base.apt`): 1–64 lowercase
/// letters, digits, `.`, `_` or `-`, starting with a letter or digit.
pub fn bucket_name(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let valid = (1..=64).contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "1–64 lowercase letters, digits, dots, underscores or hyphens",
        ))
    }
}

/// The OS hint (`debian-12`, `alpine-3.20`): the start of an OS template's file name;
/// blank means any.
pub fn os_hint(field: &str, value: &str) -> Result<Option<String>, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let valid = value.len() <= 64
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && made_of(value, "._-");
    if valid {
        Ok(Some(value.to_ascii_lowercase()))
    } else {
        Err(FieldError::new(
            field,
            "the start of an OS template's name, such as debian-12",
        ))
    }
}

/// Whether the OS template volume `volume` (`local:vztmpl/debian-12-standard_…`) is one
/// the hint names: its file name is the hint or starts with it followed by `-` or `_`.
pub fn os_hint_matches(hint: &str, volume: &str) -> bool {
    let file = volume.rsplit('/').next().unwrap_or(volume);
    file.strip_prefix(hint)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['-', '_']))
}

/// A file's name: 1–128 letters, digits, `.`, `_`, `-`, `+` or `@`, never `.` or `..`,
/// never starting with `-`.
pub fn file_name(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let valid = (1..=128).contains(&value.len())
        && value != "."
        && value != ".."
        && !value.starts_with('-')
        && made_of(value, "._-+@");
    if valid {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "1–128 letters, digits or . _ - + @ (not . or ..)",
        ))
    }
}

/// A target directory: an absolute path whose parts are letters, digits, `.`, `_`, `-`,
/// `+` or `@`, never `.` or `..`; a trailing `/` is dropped.
pub fn target_dir(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let message = || {
        FieldError::new(
            field,
            "a target directory such as /etc/nginx/conf.d (absolute; letters, digits, . _ - + @; no ..)",
        )
    };
    let Some(rest) = value.strip_prefix('/') else {
        return Err(message());
    };
    let rest = rest.trim_end_matches('/');
    if value.len() > 255 {
        return Err(message());
    }
    if rest.is_empty() {
        return Ok("/".to_owned());
    }
    for part in rest.split('/') {
        if part.is_empty() || part == "." || part == ".." || !made_of(part, "._-+@") {
            return Err(message());
        }
    }
    Ok(format!("/{rest}"))
}

/// A file mode in octal (`644`, `0600`, `4755`); blank is `0644`.
pub fn file_mode(field: &str, value: &str) -> Result<u32, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(0o644);
    }
    let digits = value.strip_prefix("0o").unwrap_or(value);
    match u32::from_str_radix(digits, 8) {
        Ok(mode) if (3..=4).contains(&digits.len()) && mode <= 0o7777 => Ok(mode),
        _ => Err(FieldError::new(field, "an octal mode such as 644 or 0600")),
    }
}

/// Text content of a file or script: at most `max` bytes, no NUL bytes; CRLF becomes LF.
pub fn text_content(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    if value.len() > max {
        return Err(FieldError::new(
            field,
            format!("at most {} KiB", max / 1024),
        ));
    }
    if value.contains('\0') {
        return Err(FieldError::new(field, "must be text (no NUL bytes)"));
    }
    Ok(value.replace("\r\n", "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_absolute_and_never_climb() {
        assert_eq!(target_dir("t", "/etc/nginx/").unwrap(), "/etc/nginx");
        assert_eq!(target_dir("t", "/").unwrap(), "/");
        for bad in [
            "etc",
            "/etc/../root",
            "/etc/./x",
            "/a b",
            "/a;b",
            "/a//b",
            "/$(x)",
        ] {
            assert!(target_dir("t", bad).is_err(), "{bad}");
        }
        for bad in ["..", ".", "-rf", "a/b", "a b", ""] {
            assert!(file_name("f", bad).is_err(), "{bad}");
        }
        assert_eq!(file_name("f", ".bashrc").unwrap(), ".bashrc");
    }

    #[test]
    fn modes_are_octal_and_hints_match_template_files() {
        assert_eq!(file_mode("m", "").unwrap(), 0o644);
        assert_eq!(file_mode("m", "0600").unwrap(), 0o600);
        assert_eq!(file_mode("m", "4755").unwrap(), 0o4755);
        for bad in ["9", "888", "77777", "rw"] {
            assert!(file_mode("m", bad).is_err(), "{bad}");
        }
        let volume = "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst";
        assert!(os_hint_matches("debian-12", volume));
        assert!(os_hint_matches("debian-12-standard", volume));
        assert!(!os_hint_matches("debian-1", volume));
        assert!(!os_hint_matches("alpine", volume));
        assert!(bucket_name("b", "Web").is_err());
        assert!(template_name("n", "Web server (nginx)").is_ok());
        assert!(template_name("n", "../x").is_err());
    }
}
