//! The server's own status (version, database, uptime), and how durations and times read.

use leptos::prelude::*;
use model::system::SystemStatus;

use crate::action::{Call, SignedIn, action};
use crate::error::AppError;

/// Reports the server's version, database state and uptime (signed-in users only).
#[action]
#[server(endpoint = "system/status")]
pub async fn fetch_system_status(call: Call<SignedIn>) -> Result<SystemStatus, AppError> {
    Ok(backend::installation::status(&call.backend().store, call.state().started_at).await)
}

/// "3 d 4 h", "2 h 5 min", "42 s": a duration in its two largest units.
pub fn human_duration(seconds: u64) -> String {
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min {} s", seconds % 60),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// "2026-11-26 12:38 UTC" from an RFC 3339 UTC timestamp; anything else is returned as is.
pub fn short_utc(timestamp: &str) -> String {
    match (timestamp.get(..10), timestamp.get(11..16)) {
        (Some(date), Some(time)) if timestamp.as_bytes().get(10) == Some(&b'T') => {
            format!("{date} {time} UTC")
        }
        _ => timestamp.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{human_duration, short_utc};

    #[test]
    fn timestamps_are_shortened_to_the_minute() {
        assert_eq!(
            short_utc("2026-11-26T12:38:51.936762001Z"),
            "2026-11-26 12:38 UTC"
        );
        assert_eq!(short_utc("yesterday"), "yesterday");
        assert_eq!(short_utc(""), "");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(0), "0 s");
        assert_eq!(human_duration(42), "42 s");
        assert_eq!(human_duration(125), "2 min 5 s");
        assert_eq!(human_duration(7_500), "2 h 5 min");
        assert_eq!(human_duration(3 * 86_400 + 4 * 3_600 + 59), "3 d 4 h");
    }
}
