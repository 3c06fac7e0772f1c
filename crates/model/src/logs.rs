//! A container's logs as the logs page asks for them: one service's (a unit discovery
//! found) or the whole container's, the last N lines, and what came back.

use serde::{Deserialize, Serialize};

/// Lines shown when none are asked for.
pub const DEFAULT_LINES: u32 = 200;
/// The most lines one request reads.
pub const MAX_LINES: u32 = 5_000;

/// Which log and how much of it; checked before anything runs in the container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogQuery {
    /// A service (systemd unit without `.service`, OpenRC service); `None`: the whole
    /// container's log.
    pub unit: Option<String>,
    pub lines: u32,
}

/// Why a query was refused: the field and the message.
pub type LogQueryError = (&'static str, String);

impl LogQuery {
    /// Reads the page's parameters: `unit` (empty: everything) and `lines` (empty: the
    /// default).
    pub fn parse(unit: Option<&str>, lines: Option<&str>) -> Result<LogQuery, LogQueryError> {
        let unit = unit.map(str::trim).filter(|u| !u.is_empty());
        let unit = unit
            .map(|u| u.strip_suffix(".service").unwrap_or(u))
            .map(|u| {
                if is_unit_name(u) {
                    Ok(u.to_owned())
                } else {
                    Err((
                        "unit",
                        "a service name is letters, digits, `.`, `_`, `@` or `-` (at most 128)"
                            .to_owned(),
                    ))
                }
            })
            .transpose()?;
        let lines = match lines.map(str::trim).filter(|l| !l.is_empty()) {
            None => DEFAULT_LINES,
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_LINES).contains(n))
                .ok_or(("lines", format!("lines is a number from 1 to {MAX_LINES}")))?,
        };
        Ok(LogQuery { unit, lines })
    }
}

/// A unit or service name as logs accept it (nothing a shell would read specially).
pub fn is_unit_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))
}

/// What was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogView {
    pub unit: Option<String>,
    /// Where the lines come from: `journal`, or a log file such as `/var/log/messages`.
    pub source: String,
    pub lines: Vec<String>,
    /// How many were asked for.
    pub requested: u32,
    /// The services whose logs can be asked for (from the last discovery).
    pub units: Vec<String>,
}

/// Whether a syslog line (`Dec  1 18:00:00 host daemon.info nginx[12]: …`) was written by
/// `unit`: its identifier, before the first `: `, is the unit's name, with or without a PID.
pub fn syslog_line_of(line: &str, unit: &str) -> bool {
    let Some((head, _)) = line.split_once(": ") else {
        return false;
    };
    let ident = head.rsplit(' ').next().unwrap_or(head);
    let ident = ident.split('[').next().unwrap_or(ident);
    ident == unit
}

/// Whether `line` passes the page's filter box: every line for an empty filter, else the
/// lines containing it, case aside.
pub fn shows(line: &str, filter: &str) -> bool {
    let filter = filter.trim();
    filter.is_empty() || line.to_lowercase().contains(&filter.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_checked() {
        assert_eq!(
            LogQuery::parse(Some("nginx.service"), Some("50")),
            Ok(LogQuery {
                unit: Some("nginx".into()),
                lines: 50
            })
        );
        assert_eq!(
            LogQuery::parse(Some(""), None),
            Ok(LogQuery {
                unit: None,
                lines: DEFAULT_LINES
            })
        );
        assert_eq!(
            LogQuery::parse(Some("getty@tty1"), None).map(|q| q.unit),
            Ok(Some("getty@tty1".into()))
        );
        for bad in ["nginx; reboot", "$(id)", "a b", "../x", &"x".repeat(129)] {
            assert_eq!(
                LogQuery::parse(Some(bad), None).map_err(|e| e.0),
                Err("unit"),
                "{bad}"
            );
        }
        for bad in ["0", "5001", "-1", "many"] {
            assert_eq!(
                LogQuery::parse(None, Some(bad)).map_err(|e| e.0),
                Err("lines"),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_filter_matches_case_aside() {
        assert!(shows("Started nginx", ""));
        assert!(shows("Started NGINX", " nginx "));
        assert!(!shows("Started cron", "nginx"));
    }

    #[test]
    fn syslog_lines_are_told_apart_by_identifier() {
        let line = "Dec  1 18:00:00 web-01 daemon.info nginx[12]: started";
        assert!(syslog_line_of(line, "nginx"));
        assert!(!syslog_line_of(line, "ngin"));
        assert!(syslog_line_of(
            "Dec  1 18:00:00 web-01 nginx: x: y",
            "nginx"
        ));
        assert!(!syslog_line_of(
            "Dec  1 18:00:00 web-01 crond[3]: nginx: no",
            "nginx"
        ));
    }
}
