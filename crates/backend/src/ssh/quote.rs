//! The one place where arguments become shell text. Every argument that reaches a shell
//! on a Proxmox node (and, through `pct exec … bash -c`, inside a container) goes through
//! [`quote`] or [`command`].

/// Why an argument cannot be passed to a shell at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an argument contains a NUL byte, which no shell argument can hold")]
pub struct QuoteError;

/// Characters that never need quoting in POSIX shells.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c)
}

/// One argument, quoted for a POSIX shell: plain words stay as they are, anything else is
/// wrapped in single quotes, with each `'` written as `'\''`.
pub fn quote(argument: &str) -> Result<String, QuoteError> {
    if argument.contains('\0') {
        return Err(QuoteError);
    }
    if !argument.is_empty() && argument.chars().all(is_plain) {
        return Ok(argument.to_owned());
    }
    Ok(format!("'{}'", argument.replace('\'', r"'\''")))
}

/// A command line from its words, each quoted.
pub fn command<S: AsRef<str>>(words: &[S]) -> Result<String, QuoteError> {
    let quoted: Result<Vec<String>, QuoteError> = words.iter().map(|w| quote(w.as_ref())).collect();
    Ok(quoted?.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HOSTILE: [&str; 14] = [
        "",
        " ",
        "it's",
        "'",
        "''",
        "a b",
        "$(reboot)",
        "`id`",
        "; rm -rf /",
        "&& echo pwned",
        "line\nbreak",
        "\\",
        "*",
        "--help",
    ];

    #[test]
    fn plain_words_stay_readable() {
        assert_eq!(quote("pct").unwrap(), "pct");
        assert_eq!(quote("105").unwrap(), "105");
        assert_eq!(
            quote("/etc/corral/credentials/app").unwrap(),
            "/etc/corral/credentials/app"
        );
        assert_eq!(quote("it's").unwrap(), r"'it'\''s'");
        assert_eq!(quote("").unwrap(), "''");
        assert_eq!(
            command(&["pct", "exec", "105", "--", "echo", "a b"]).unwrap(),
            "pct exec 105 -- echo 'a b'"
        );
    }

    #[test]
    fn nul_bytes_are_refused() {
        assert_eq!(quote("a\0b"), Err(QuoteError));
    }

    /// The real test: `/bin/sh` must hand every hostile argument through unchanged.
    #[test]
    fn a_real_shell_sees_exactly_the_original_arguments() {
        let line = command(&HOSTILE).unwrap();
        let script = format!("for a in {line}; do printf '%s\\0' \"$a\"; done");
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
            .unwrap();
        assert!(output.status.success());
        let seen: Vec<String> = output
            .stdout
            .split(|b| *b == 0)
            .map(|part| String::from_utf8(part.to_vec()).unwrap())
            .collect();
        let mut expected: Vec<String> = HOSTILE.iter().map(|s| (*s).to_owned()).collect();
        expected.push(String::new()); // after the last NUL
        assert_eq!(seen, expected);
    }

    proptest! {
        #[test]
        fn any_argument_survives_a_shell_parser(argument in "[^\\x00]{0,40}") {
            let quoted = quote(&argument).unwrap();
            prop_assert_eq!(shell_words::split(&quoted).unwrap(), vec![argument]);
        }
    }
}
