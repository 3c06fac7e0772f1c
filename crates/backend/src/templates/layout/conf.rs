//! `template.conf`: bash assignments read without running bash. A value may be quoted
//! (single or double quotes, backslash escapes) or be `${VAR:-default}`, which takes its
//! default; anything that would need a shell (commands, other variables, `source`) is
//! refused with its line number.

/// The assignments in order: `(name, value)`.
pub(super) type Assignments = Vec<(String, String)>;

/// Reads every assignment; the first line that is not one is the error.
pub(super) fn parse(text: &str) -> Result<Assignments, String> {
    let mut assignments = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |why: &str| format!("line {}: {why}", index + 1);
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let (name, value) = line
            .split_once('=')
            .filter(|(name, _)| is_variable(name))
            .ok_or_else(|| at("not an assignment (NAME=value)"))?;
        let value = value_of(value).map_err(|why| at(&why))?;
        assignments.push((name.to_owned(), value));
    }
    Ok(assignments)
}

fn is_variable(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `${NAME:-default}` or `${NAME-default}` → `default`.
fn default_of(text: &str) -> Option<&str> {
    let inner = text.strip_prefix("${")?.strip_suffix('}')?;
    let at = inner.find('-')?;
    let name = inner[..at].strip_suffix(':').unwrap_or(&inner[..at]);
    is_variable(name).then(|| &inner[at + 1..])
}

/// One bash word: quotes removed, escapes applied, a default expansion taken.
fn value_of(text: &str) -> Result<String, String> {
    let text = without_comment(text.trim());
    let unquoted = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|t| !t.contains('"'))
        .unwrap_or(text);
    if let Some(default) = default_of(unquoted) {
        return value_of(default);
    }
    let mut value = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => return Err("a quote is not closed".into()),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(c @ ('"' | '\\' | '$' | '`')) => value.push(c),
                        Some(c) => {
                            value.push('\\');
                            value.push(c);
                        }
                        None => return Err("a quote is not closed".into()),
                    },
                    Some('$' | '`') => return Err(needs_a_shell()),
                    Some(c) => value.push(c),
                    None => return Err("a quote is not closed".into()),
                }
            },
            '\\' => value.extend(chars.next()),
            '$' | '`' => return Err(needs_a_shell()),
            c if c.is_whitespace() => {
                let rest: String = chars.collect();
                if rest.trim_start().starts_with('#') {
                    break;
                }
                return Err("a value with spaces must be quoted".into());
            }
            ';' | '&' | '|' | '<' | '>' | '(' | ')' => return Err(needs_a_shell()),
            c => value.push(c),
        }
    }
    Ok(value)
}

/// The text before a ` #` comment that is outside quotes.
fn without_comment(text: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (at, c) in text.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(open), c) if c == open && previous != '\\' => quote = None,
            (None, '#') if previous.is_whitespace() && at > 0 => return text[..at].trim_end(),
            _ => {}
        }
        previous = c;
    }
    text
}

fn needs_a_shell() -> String {
    "uses a command or another variable; only plain values and ${NAME:-default} are read".into()
}

/// `value` as a double-quoted bash word that [`parse`] reads back unchanged.
pub(super) fn quote(value: &str) -> String {
    let mut quoted = String::from("\"");
    for c in value.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_earlier_dashboards_files() {
        let text = r#"
# Web server
TEMPLATE_APP="Dokploy"
TEMPLATE_TAGS="deployment;docker"
export TEMPLATE_CPU="${TEMPLATE_CPU:-2}"
TEMPLATE_RAM=${TEMPLATE_RAM:-2048}  # MiB
TEMPLATE_DESCRIPTION='It'\''s "quoted"'
TEMPLATE_OS=debian
"#;
        let values = parse(text).unwrap();
        let get = |k: &str| values.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("TEMPLATE_APP"), Some("Dokploy"));
        assert_eq!(get("TEMPLATE_CPU"), Some("2"));
        assert_eq!(get("TEMPLATE_RAM"), Some("2048"));
        assert_eq!(get("TEMPLATE_DESCRIPTION"), Some("It's \"quoted\""));
        assert_eq!(get("TEMPLATE_OS"), Some("debian"));
    }

    #[test]
    fn refuses_what_needs_a_shell() {
        for bad in [
            "source other.conf",
            "TEMPLATE_APP=$(curl x)",
            "TEMPLATE_APP=\"$HOME\"",
            "TEMPLATE_APP=a b",
            "TEMPLATE_APP=\"open",
            "echo hi",
            "TEMPLATE_APP=x; rm -rf /",
            "1X=2",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse("TEMPLATE_APP=x").unwrap()[0].1 == "x");
    }

    #[test]
    fn quoted_values_read_back() {
        for value in ["plain", "it's", "a \"b\" $c `d` \\e", ""] {
            let line = format!("X={}", quote(value));
            assert_eq!(parse(&line).unwrap()[0].1, value, "{line}");
        }
    }
}
